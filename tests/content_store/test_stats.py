"""Stats queries over the log: counts per window, per asset, per stage; gaps; never surfaced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import inspect

from bot.services import Services
from content_store.gaps import gap_questions
from content_store.models import Base, FeedbackKind
from content_store.stats import (
    activity,
    asset_usage,
    never_surfaced,
    past_review,
    stage_coverage,
)
from content_store.windows import answer_window
from tests.bot.log_rows import backdate_answer, log_answer, log_click

NOW = datetime.now(UTC)
SEC = "sec-security-whitepaper"
ROI = "roi-inventory-calculator"
PRICING = "price-tidewell-pricing-sheet"


def test_activity_counts_only_the_window(ingested: Services) -> None:
    old = log_answer(ingested, "old question", [SEC], at=NOW - timedelta(days=40))
    log_click(ingested, old, FeedbackKind.USEFUL)
    first = log_answer(ingested, "soc 2?", [SEC, ROI], stage="decision", asker="U1")
    second = log_answer(ingested, "roi?", [ROI], asker="U2", weak=True)
    log_click(ingested, first, FeedbackKind.USEFUL, user="U1")
    log_click(ingested, first, FeedbackKind.SENT, user="U1", item_id=SEC)
    log_click(ingested, second, FeedbackKind.NOT_USEFUL, user="U2", reason="topic_missing")
    log_click(ingested, second, FeedbackKind.NOT_USEFUL, user="U3")

    with ingested.sessions() as session:
        month = activity(session, since=NOW - timedelta(days=30))
        ever = activity(session)

    assert (month.questions, month.weak, month.reps) == (2, 1, 2)
    assert (month.rated, month.useful, month.not_useful, month.sent) == (2, 1, 2, 1)
    assert month.useful_rate == 1 / 3
    assert (ever.questions, ever.useful) == (3, 2)


def test_asset_usage_credits_ratings_to_every_offered_asset(ingested: Services) -> None:
    rec = log_answer(ingested, "soc 2 and roi", [SEC, ROI])
    log_answer(ingested, "soc 2 again", [SEC])
    log_click(ingested, rec, FeedbackKind.USEFUL)
    log_click(ingested, rec, FeedbackKind.SENT, item_id=ROI)

    with ingested.sessions() as session:
        usage = {a.item_id: a for a in asset_usage(session, since=NOW - timedelta(days=1))}
        ordered = asset_usage(session, since=NOW - timedelta(days=1))

    assert (usage[SEC].surfaced, usage[SEC].useful, usage[SEC].sent) == (2, 1, 0)
    assert (usage[ROI].surfaced, usage[ROI].useful, usage[ROI].sent) == (1, 1, 1)
    assert usage[ROI].useful_rate == 1.0
    assert usage[PRICING].surfaced == 0 and usage[PRICING].useful_rate is None
    assert [a.item_id for a in ordered[:2]] == [SEC, ROI]
    assert len(ordered) == 32  # every active asset has a row, surfaced or not


def test_never_surfaced_respects_the_window_even_for_backdated_rows(ingested: Services) -> None:
    # Ids no longer follow time here: the window's lower id bound must not hide an old answer's
    # newer id nor skip a recent answer with a lower id.
    log_answer(ingested, "roi", [ROI], at=NOW - timedelta(days=5))
    log_answer(ingested, "pricing long ago", [PRICING], at=NOW - timedelta(days=100))
    log_answer(ingested, "soc 2 recently", [SEC], at=NOW - timedelta(days=10))

    with ingested.sessions() as session:
        ignored = {a.item_id for a in never_surfaced(session, since=NOW - timedelta(days=90))}
        ignored_ever = {a.item_id for a in never_surfaced(session, since=NOW - timedelta(days=365))}

    assert PRICING in ignored
    assert ROI not in ignored and SEC not in ignored
    assert len(ignored) == 30
    assert PRICING not in ignored_ever and len(ignored_ever) == 29


def test_past_review_lists_overdue_active_assets_oldest_first(ingested: Services) -> None:
    with ingested.sessions() as session:
        overdue = past_review(session, today=date(2026, 11, 29))
        earlier = past_review(session, today=date(2025, 1, 1))

    assert [a.item_id for a in overdue] == [
        "blog-manufacturing-safety-stock",
        "bc-tidewell-vs-planright",
    ]
    assert overdue[0].review_by == date(2025, 6, 30)
    assert earlier == []


def test_stage_coverage_counts_assets_questions_and_weak_matches(ingested: Services) -> None:
    log_answer(ingested, "a", stage="decision")
    log_answer(ingested, "b", stage="decision", weak=True)
    log_answer(ingested, "c", stage="awareness")
    log_answer(ingested, "d")

    with ingested.sessions() as session:
        coverage = {s.stage: s for s in stage_coverage(session, since=NOW - timedelta(days=1))}

    assert set(coverage) == {"awareness", "consideration", "decision", "customer"}
    assert (coverage["decision"].questions, coverage["decision"].weak) == (2, 1)
    assert coverage["awareness"].questions == 1 and coverage["consideration"].questions == 0
    assert coverage["decision"].assets >= 8 and coverage["awareness"].assets >= 9


def test_gap_questions_are_weak_answers_and_missing_or_irrelevant_thumbs_down(
    ingested: Services,
) -> None:
    weak = log_answer(ingested, "healthcare roi case", weak=True)
    missing = log_answer(ingested, "spanish pricing sheet", [PRICING])
    irrelevant = log_answer(ingested, "benchmark vs Forecastly", [SEC])
    outdated = log_answer(ingested, "pricing 2025", [PRICING])
    log_answer(ingested, "fine answer", [SEC])
    log_answer(ingested, "old weak", weak=True, at=NOW - timedelta(days=45))
    log_click(ingested, missing, FeedbackKind.NOT_USEFUL, reason="topic_missing")
    log_click(ingested, irrelevant, FeedbackKind.NOT_USEFUL, reason="not_relevant")
    log_click(ingested, outdated, FeedbackKind.NOT_USEFUL, reason="outdated")

    with ingested.sessions() as session:
        gaps = gap_questions(session, since=NOW - timedelta(days=30))

    assert {g.recommendation_id: g.reason for g in gaps} == {
        weak: None,
        missing: "topic_missing",
        irrelevant: "not_relevant",
    }
    assert [g.recommendation_id for g in gaps] == sorted([weak, missing, irrelevant], reverse=True)


def test_stats_indexes_exist_in_the_migrated_schema(ingested: Services) -> None:
    """The migration creates every index the models declare on the log tables."""
    inspector = inspect(ingested.engine)
    for table in ("recommendations", "recommendation_items", "feedback"):
        migrated = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
        declared = {tuple(c.name for c in ix.columns) for ix in Base.metadata.tables[table].indexes}
        assert declared <= migrated, table
    assert ("item_id", "recommendation_id") in {
        tuple(ix["column_names"]) for ix in inspector.get_indexes("recommendation_items")
    }


def test_window_stays_exact_when_ids_are_out_of_time_order(ingested: Services) -> None:
    log_answer(ingested, "first", [SEC])
    imported = log_answer(ingested, "imported from an old log", [SEC, ROI])
    log_answer(ingested, "third", [ROI])
    with ingested.sessions() as session:
        in_order = answer_window(session, since=NOW - timedelta(days=30))
    log_answer(ingested, "backdated", [PRICING], at=NOW - timedelta(days=200))
    backdate_answer(ingested, imported, NOW - timedelta(days=60))

    with ingested.sessions() as session:
        window = answer_window(session, since=NOW - timedelta(days=30))
        month = activity(session, window=window)
        usage = {a.item_id: a.surfaced for a in asset_usage(session, window=window)}

    assert in_order.contiguous and in_order.count == 3
    assert not window.contiguous and window.count == 2
    assert month.questions == 2
    assert (usage[SEC], usage[ROI], usage[PRICING]) == (1, 1, 0)
