"""Content gaps grouped by meaning, stage, competitor and industry, on the real model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.gaps import content_gaps, group_gaps
from bot.services import Services
from content_store.gaps import GapQuestion
from content_store.models import FeedbackKind
from index.embedder import Embedder
from index.ranking import Vocabulary
from tests.bot.log_rows import log_answer, log_click

NOW = datetime.now(UTC)


def gap(n: int, text: str, stage: str | None = "decision", asker: str = "U1") -> GapQuestion:
    return GapQuestion(n, text, stage, asker, NOW - timedelta(minutes=n), 0.2, True, None)


def test_paraphrases_are_one_gap_and_different_topics_stay_apart(embedder: Embedder) -> None:
    questions = [
        gap(1, "Do we have an ROI case study for a hospital?", asker="U1"),
        gap(2, "need a healthcare ROI case study", asker="U2"),
        gap(3, "any customer story showing ROI for hospitals?", asker="U3"),
        gap(4, "ROI case study for a hospital", asker="U1"),
        gap(5, "Is there a Spanish version of the pricing sheet?", asker="U4"),
        gap(6, "pricing sheet in Spanish please", asker="U5"),
        gap(7, "what's our SOC 2 report for hospitals", asker="U2"),
        gap(8, "implementation plan for hospitals", asker="U2"),
    ]

    # The industries a team declares in its funnelbot.yml, and the words its reps use for them.
    vocabulary = Vocabulary(
        tags={"healthcare": ("healthcare", "hospital", "hospitals")},
        industries=frozenset({"healthcare"}),
    )
    groups = group_gaps(
        questions, embedder.encode, competitors=["Forecastly"], vocabulary=vocabulary
    )

    by_size = [(g.questions, g.reps) for g in groups]
    assert by_size == [(4, 3), (2, 2), (1, 1), (1, 1)]
    roi, spanish, rollout, soc2 = groups
    assert roi.industries == ("healthcare",) and roi.stage == "decision"
    assert "roi" in roi.label.casefold()
    assert "spanish" in spanish.label.casefold() and spanish.industries == ()
    assert "soc 2" in soc2.label.casefold() and "implementation" in rollout.label
    assert roi.describe().startswith("3 reps asked 4 times at decision stage (healthcare)")


def test_same_question_at_other_stages_or_about_other_competitors_is_another_gap(
    embedder: Embedder,
) -> None:
    questions = [
        gap(1, "battlecard against Forecastly on pricing"),
        gap(2, "pricing battlecard vs Forecastly"),
        gap(3, "battlecard against PlanRight on pricing"),
        gap(4, "battlecard against Forecastly on pricing", stage="awareness"),
    ]

    groups = group_gaps(questions, embedder.encode, competitors=["Forecastly", "PlanRight"])

    assert sorted((g.stage, g.competitors, g.questions) for g in groups) == [
        ("awareness", ("Forecastly",), 1),
        ("decision", ("Forecastly",), 2),
        ("decision", ("PlanRight",), 1),
    ]


def test_identical_wordings_are_counted_not_embedded_twice(embedder: Embedder) -> None:
    embedded: list[list[str]] = []

    def embed(texts: list[str]):  # type: ignore[no-untyped-def]
        embedded.append(texts)
        return embedder.encode(texts)

    questions = [gap(n, "Healthcare ROI case?", asker=f"U{n % 3}") for n in range(1, 8)]
    questions.append(gap(9, "healthcare  roi case"))

    [group] = group_gaps(questions, embed)

    assert embedded == [["Healthcare ROI case?"]]
    assert (group.questions, group.reps) == (8, 3)


def test_content_gaps_reads_the_log_window(ingested: Services) -> None:
    for n, user in enumerate(["U1", "U2", "U3"]):
        log_answer(ingested, f"healthcare ROI case study {'please' * n}", asker=user, weak=True)
    said = log_answer(
        ingested, "ROI case study for hospitals", ["roi-inventory-calculator"], asker="U4"
    )
    log_click(ingested, said, FeedbackKind.NOT_USEFUL, user="U4", reason="topic_missing")
    log_answer(ingested, "healthcare ROI case study", weak=True, at=NOW - timedelta(days=60))

    [top] = content_gaps(ingested, since=NOW - timedelta(days=30))

    assert (top.questions, top.reps, top.weak, top.said_missing) == (4, 4, 3, 1)
