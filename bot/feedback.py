"""The feedback use case: a rep's reaction to an answer, checked against the log and recorded."""

from __future__ import annotations

from dataclasses import dataclass

from bot.marketing import queue_feedback_reply, queue_reason_reply
from bot.services import Services
from content_store.db import transaction
from content_store.log import get_recommendation, record_feedback
from content_store.models import ContentItem, Feedback, FeedbackKind

REASONS = ("wrong_stage", "outdated", "not_relevant", "topic_missing", "other")


class FeedbackError(ValueError):
    """The click does not match the log (a stale or tampered button); nothing was recorded."""


@dataclass(frozen=True)
class RecordedFeedback:
    feedback_id: int
    recommendation_id: int
    kind: FeedbackKind
    asset_id: str | None
    asset_title: str | None


def give_feedback(
    services: Services,
    recommendation_id: int,
    kind: FeedbackKind,
    *,
    user: str | None,
    asset_id: str | None = None,
) -> RecordedFeedback:
    with transaction(services.sessions) as session:
        recommendation = get_recommendation(session, recommendation_id)
        if recommendation is None:
            raise FeedbackError(f"there is no answer #{recommendation_id}")
        title = None
        if asset_id is not None:
            if asset_id not in {i.item_id for i in recommendation.items}:
                raise FeedbackError(f"answer #{recommendation_id} did not offer {asset_id!r}")
            item = session.get(ContentItem, asset_id)
            title = item.title if item else asset_id
        row = record_feedback(session, recommendation_id, kind, user=user, item_id=asset_id)
        queue_feedback_reply(session, services.settings, row)
        return RecordedFeedback(row.id, recommendation_id, kind, asset_id, title)


def add_reason(
    services: Services, feedback_id: int, *, user: str | None, reason: str, comment: str | None
) -> None:
    """Attach the reason a rep gave for a 👎 to the feedback row the click created."""
    if reason not in REASONS:
        raise FeedbackError(f"unknown reason {reason!r}")
    with transaction(services.sessions) as session:
        row = session.get(Feedback, feedback_id)
        if row is None or row.kind != FeedbackKind.NOT_USEFUL or row.user != user:
            raise FeedbackError("that feedback is not yours to explain")
        row.reason = reason
        row.comment = (comment or "").strip()[:2000] or None
        queue_reason_reply(session, services.settings, row)
