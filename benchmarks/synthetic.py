"""A synthetic content library of any size, deterministic, for benchmarks."""

from __future__ import annotations

import random
from pathlib import Path

TYPES = [
    ("blog", ["awareness"]),
    ("ebook", ["awareness"]),
    ("whitepaper", ["awareness", "consideration"]),
    ("case-study", ["consideration", "decision"]),
    ("comparison-guide", ["consideration"]),
    ("webinar", ["awareness", "consideration"]),
    ("battlecard", ["decision"]),
    ("pricing-sheet", ["decision"]),
    ("security-whitepaper", ["decision"]),
    ("implementation-plan", ["decision"]),
    ("roi-calculator", ["consideration", "decision"]),
]
INDUSTRIES = ["logistics", "retail", "manufacturing", "healthcare", "food-and-beverage", "energy"]
COMPETITORS = ["Forecastly", "PlanRight", "StockSense", "Demandly"]
TOPICS = [
    "demand forecasting",
    "safety stock",
    "stockouts",
    "replenishment",
    "promotions planning",
    "supplier lead times",
    "seasonal peaks",
    "inventory turns",
    "SKU rationalisation",
    "ERP integration",
    "SOC 2 audits",
    "total cost of ownership",
    "onboarding timelines",
    "multi-echelon planning",
]
WORDS = [
    "planners",
    "teams",
    "accuracy",
    "warehouse",
    "network",
    "data",
    "model",
    "weekly",
    "signals",
    "baseline",
    "variance",
    "service",
    "level",
    "carrying",
    "cost",
    "margin",
    "shelf",
    "store",
    "region",
    "pilot",
    "rollout",
    "dashboard",
    "exception",
    "workflow",
    "alert",
    "scenario",
    "budget",
    "contract",
    "renewal",
    "volume",
    "trend",
    "history",
    "outlier",
    "holiday",
    "weather",
    "supplier",
    "lead",
    "time",
    "order",
    "quantity",
    "capacity",
    "freight",
]

QUESTIONS = [
    "Acme is comparing us with {c}, what do I send?",
    "prospect asked for our SOC 2 report",
    "need a {i} case study about {t}",
    "they don't see the problem with {t} yet",
    "CFO wants pricing and ROI numbers before signing",
    "anything on {t} for a {i} company?",
    "they're in evaluation, what about {t}?",
    "what should I send a {i} buyer worried about {t}?",
]


def write_library(root: Path, assets: int, *, seed: int = 7) -> None:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for n in range(assets):
        kind, stages = rng.choice(TYPES)
        industry = rng.choice(INDUSTRIES)
        topic = rng.choice(TOPICS)
        competitor = rng.choice(COMPETITORS) if rng.random() < 0.3 else None
        sentences = [
            f"How a {industry} team improved {topic} with Tidewell.",
            *(
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
                for _ in range(8)
            ),
        ]
        if competitor:
            sentences.append(f"Teams moving from {competitor} cite faster {topic} workflows.")
        folder = root / kind
        folder.mkdir(exist_ok=True)
        front = [
            "---",
            f"id: syn-{n:06d}",
            f'title: "{topic.capitalize()} for {industry} ({kind} {n})"',
            f"url: https://example.com/{kind}/{n}",
            f"type: {kind}",
            f"stage: [{', '.join(stages)}]",
            f"tags: [{industry}]",
        ]
        if competitor:
            front.append(f"competitors: [{competitor}]")
        front.append("---")
        (folder / f"asset-{n:06d}.md").write_text(
            "\n".join(front) + "\n" + " ".join(sentences) + "\n", encoding="utf-8"
        )


def questions(count: int, *, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(QUESTIONS).format(
            c=rng.choice(COMPETITORS), i=rng.choice(INDUSTRIES), t=rng.choice(TOPICS)
        )
        for _ in range(count)
    ]
