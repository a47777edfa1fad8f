"""Content gaps in the log: questions the library could not answer well.

A question is a gap when its best match was weak, or when a rep said 👎 because the topic is
missing or the answer was not relevant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from content_store.models import Feedback, MarketingRequest, Recommendation
from content_store.windows import answer_window

GAP_REASONS = ("topic_missing", "not_relevant")
# A question marketing answered with an asset made for it is no longer a gap.
_FILLED = exists().where(
    MarketingRequest.recommendation_id == Recommendation.id,
    MarketingRequest.closes_gap.is_(True),
)


@dataclass(frozen=True)
class GapQuestion:
    recommendation_id: int
    question: str
    stage: str | None
    asker: str | None
    asked_at: datetime
    top_score: float
    weak: bool
    reason: str | None  # topic_missing / not_relevant when a rep said so with 👎


_COLUMNS = (
    Recommendation.id,
    Recommendation.question,
    Recommendation.stage,
    Recommendation.asker,
    Recommendation.created_at,
    Recommendation.top_score,
    Recommendation.weak,
)


def gap_questions(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 5000,
) -> list[GapQuestion]:
    """The newest `limit` gap questions asked in the window, newest first."""
    window = answer_window(session, since=since, until=until)
    found: dict[int, GapQuestion] = {}
    # Two narrow queries, each on its own index, rather than one OR the planner cannot index.
    weak = session.execute(
        select(*_COLUMNS)
        .where(Recommendation.weak.is_(True), ~_FILLED, *window.bounds)
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
        .limit(limit)
    ).tuples()
    for rec_id, question, stage, asker, at, score, is_weak in weak:
        found[rec_id] = GapQuestion(rec_id, question, stage, asker, at, score, is_weak, None)
    said = session.execute(
        select(*_COLUMNS, Feedback.reason)
        .join(Feedback, Feedback.recommendation_id == Recommendation.id)
        # Only a 👎 carries a reason (bot.feedback.add_reason), so the reason alone selects them
        # and its index is the one the planner should take.
        .where(
            Feedback.reason.in_(GAP_REASONS),
            *window.answers(Feedback.recommendation_id),
            *window.bounds,
            ~_FILLED,
        )
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
        .limit(limit)
    ).tuples()
    for rec_id, question, stage, asker, at, score, is_weak, reason in said:
        found[rec_id] = GapQuestion(rec_id, question, stage, asker, at, score, is_weak, reason)
    newest = sorted(found.values(), key=lambda g: (g.asked_at, g.recommendation_id), reverse=True)
    return newest[:limit]
