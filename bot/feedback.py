"""The feedback use case: a rep's reaction to an answer, checked against the log and recorded."""

from __future__ import annotations

from dataclasses import dataclass

from bot.crm.notes import queue_sent_note
from bot.marketing import queue_feedback_reply, queue_reason_reply
from bot.services import Services
from bot.spool import flush_before_click
from content_store.db import transaction
from content_store.errors import InputError
from content_store.log import get_recommendation, record_feedback
from content_store.models import (
    AnswerVote,
    ContentItem,
    Feedback,
    FeedbackKind,
    Recommendation,
)
from content_store.models.base import utcnow
from content_store.text import clean_text

REASONS = ("wrong_stage", "outdated", "not_relevant", "topic_missing", "other")


class FeedbackError(InputError, ValueError):
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
    channel: str | None = None,
) -> RecordedFeedback:
    """Record a click by `user`, made in `channel` (None where Slack names none, e.g. Home).

    A button's value is only a number, easy to change: the click counts only if the answer
    was shown to the clicker (see `shown_to`).
    """
    flush_before_click(services, recommendation_id)
    with transaction(services.sessions) as session:
        recommendation = get_recommendation(session, recommendation_id)
        if recommendation is None:
            raise FeedbackError(f"there is no answer #{recommendation_id}")
        if not shown_to(recommendation, user=user, channel=channel):
            raise FeedbackError(f"answer #{recommendation_id} was not shown to {user}")
        # A spooled answer's button carries its provisional id; the row has its real one.
        recommendation_id = recommendation.id
        title = None
        if asset_id is not None:
            if asset_id not in {i.item_id for i in recommendation.items}:
                raise FeedbackError(f"answer #{recommendation_id} did not offer {asset_id!r}")
            item = session.get(ContentItem, asset_id)
            title = item.title if item else asset_id
        row = record_feedback(session, recommendation_id, kind, user=user, item_id=asset_id)
        queue_feedback_reply(session, services.settings, row)
        if kind is FeedbackKind.SENT and asset_id is not None:
            queue_sent_note(session, services.settings, recommendation, asset_id, user=user)
        return RecordedFeedback(row.id, recommendation_id, kind, asset_id, title)


@dataclass(frozen=True)
class Vote:
    recommendation_id: int
    kind: FeedbackKind
    changed: bool  # False: the same vote again, nothing recorded


def vote(
    services: Services,
    recommendation_id: int,
    kind: FeedbackKind,
    *,
    user: str,
    channel: str | None = None,
) -> Vote:
    """A 👍/👎 from Slack's native feedback buttons: one current vote per person and answer.

    The latest vote wins; its feedback row replaces the earlier one, so stats count a person once
    however often they toggle, and marketing's thread hears only of a change.
    """
    if kind not in (FeedbackKind.USEFUL, FeedbackKind.NOT_USEFUL):
        raise FeedbackError(f"{kind} is not a vote")
    flush_before_click(services, recommendation_id)
    with transaction(services.sessions) as session:
        recommendation = get_recommendation(session, recommendation_id)
        if recommendation is None:
            raise FeedbackError(f"there is no answer #{recommendation_id}")
        if not shown_to(recommendation, user=user, channel=channel):
            raise FeedbackError(f"answer #{recommendation_id} was not shown to {user}")
        current = session.get(AnswerVote, (recommendation.id, user), with_for_update=True)
        if current is not None and current.vote == kind:
            return Vote(recommendation.id, kind, changed=False)
        if current is not None and current.feedback_id is not None:
            earlier = session.get(Feedback, current.feedback_id)
            if earlier is not None:
                session.delete(earlier)
        row = record_feedback(session, recommendation.id, kind, user=user)
        if current is None:
            session.add(
                AnswerVote(
                    recommendation_id=recommendation.id,
                    user=user,
                    vote=str(kind),
                    feedback_id=row.id,
                    updated_at=utcnow(),
                )
            )
        else:
            current.vote, current.feedback_id, current.updated_at = str(kind), row.id, utcnow()
        queue_feedback_reply(session, services.settings, row)
        return Vote(recommendation.id, kind, changed=True)


def check_shown(
    services: Services, recommendation_id: int, *, user: str | None, channel: str | None
) -> None:
    """Raise FeedbackError unless the answer was shown to `user` (see `shown_to`); records
    nothing."""
    with services.sessions() as session:
        recommendation = get_recommendation(session, recommendation_id)
        if recommendation is None or not shown_to(recommendation, user=user, channel=channel):
            raise FeedbackError(f"answer #{recommendation_id} was not shown to {user}")


def shown_to(recommendation: Recommendation, *, user: str | None, channel: str | None) -> bool:
    """Whether a click can come from someone who saw the answer: its asker, or anyone in the
    channel it was posted to (a mention or DM answer, or a /content answer once shared there;
    until then a /content answer is ephemeral, seen by its asker alone)."""
    if user is not None and user == recommendation.asker:
        return True
    if channel is None or channel != recommendation.channel_id:
        return False
    if recommendation.source in ("mention", "dm"):
        return True
    return any(row.kind == FeedbackKind.SHARED for row in recommendation.feedback)


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
        row.comment = clean_text(comment or "").strip()[:2000] or None
        queue_reason_reply(session, services.settings, row)
