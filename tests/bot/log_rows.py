"""Writing answers and clicks straight into the log, as the bot would have, at any date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.services import Services
from content_store.db import transaction
from content_store.log import LoggedItem, NewRecommendation, record_feedback, record_recommendation
from content_store.models import FeedbackKind, Recommendation


def log_answer(
    services: Services,
    question: str,
    items: Sequence[str] = (),
    *,
    stage: str | None = None,
    asker: str | None = "U1",
    weak: bool = False,
    at: datetime | None = None,
) -> int:
    with transaction(services.sessions) as session:
        row = record_recommendation(
            session,
            NewRecommendation(
                question=question,
                source="slash",
                stage=stage,
                stage_source="stated" if stage else "unknown",
                stage_confidence=1.0 if stage else 0.0,
                top_score=0.2 if weak else 0.7,
                weak=weak,
                latency_ms=12.0,
                asker=asker,
                items=[
                    LoggedItem(item_id=i, rank=n, score=0.7 - n / 100, reason="fits")
                    for n, i in enumerate(items, 1)
                ],
            ),
        )
        if at is not None:
            row.created_at = at
        return row.id


def log_click(
    services: Services,
    recommendation_id: int,
    kind: FeedbackKind,
    *,
    user: str = "U1",
    item_id: str | None = None,
    reason: str | None = None,
) -> None:
    with transaction(services.sessions) as session:
        record_feedback(session, recommendation_id, kind, user=user, item_id=item_id, reason=reason)


def backdate_answer(services: Services, recommendation_id: int, at: datetime) -> None:
    """Move an answer in time, as an import of an older log would leave it."""
    with transaction(services.sessions) as session:
        row = session.get(Recommendation, recommendation_id)
        assert row is not None
        row.created_at = at
