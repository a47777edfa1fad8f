"""A tiny library in English and Dutch, for the multilingual and model-switch tests."""

from __future__ import annotations

import csv
from pathlib import Path

ALL_STAGES = "awareness;consideration;decision"
# id, title, body: three English assets, three Dutch ones.
ASSETS = [
    (
        "en-security-whitepaper",
        "Security whitepaper: our SOC 2 Type II audit",
        "How we protect customer data: encryption at rest and in transit, access reviews, "
        "and the yearly SOC 2 Type II audit by an independent firm.",
    ),
    (
        "en-pricing-sheet",
        "Pricing sheet for the Team and Enterprise plans",
        "Per-seat pricing, annual billing, volume discounts and what each plan includes.",
    ),
    (
        "en-webinar-sustainability",
        "Webinar: sustainable packaging in retail",
        "A recorded panel on recyclable packaging, carbon labels and what shoppers expect.",
    ),
    (
        "nl-implementatieplan",
        "Implementatieplan: binnen negentig dagen operationeel",
        "Zo verloopt de invoering stap voor stap: koppelingen met het ERP, opleiding van de "
        "planners, een proefperiode en de ingebruikname, gemiddeld na twaalf weken.",
    ),
    (
        "nl-klantcase-groothandel",
        "Klantcase: voedingsgroothandel halveert voorraadtekorten",
        "Een groothandel in verse voeding met zes magazijnen had vaak lege schappen. Met betere "
        "voorspellingen daalden de tekorten met de helft en de derving met een kwart.",
    ),
    (
        "nl-uitnodiging-beurs",
        "Uitnodiging: bezoek onze stand op de vakbeurs in Utrecht",
        "Kom langs in hal 3 voor een kop koffie, een korte demonstratie en een gesprek met ons "
        "team. Aanmelden kan tot een week voor de beurs.",
    ),
]


def write_library(root: Path) -> Path:
    root.mkdir()
    with open(root / "catalog.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "url", "type", "stage", "tags", "competitors", "body"])
        for asset_id, title, body in ASSETS:
            url = f"https://example.test/{asset_id}"
            writer.writerow([asset_id, title, url, "guide", ALL_STAGES, "", "", body])
    return root
