"""Rebuilding an answer from the log, to show it again (e.g. when a rep shares it)."""

from __future__ import annotations

from bot.answer import Answer, AnswerItem, StageDecision, StageSource
from bot.services import Services
from bot.spool import flush_before_click
from content_store.log import get_recommendation
from content_store.models import ContentItem
from content_store.stage import Stage
from index.ranking import Reason


def logged_question(services: Services, recommendation_id: int) -> str | None:
    """The question an answer was given to, as logged (None: no such answer)."""
    flush_before_click(services, recommendation_id)
    with services.sessions() as session:
        row = get_recommendation(session, recommendation_id)
        return row.question if row is not None else None


def load_answer(services: Services, recommendation_id: int) -> Answer | None:
    flush_before_click(services, recommendation_id)
    with services.sessions() as session:
        row = get_recommendation(session, recommendation_id)
        if row is None:
            return None
        items = []
        for logged in row.items:
            asset = session.get_one(ContentItem, logged.item_id)
            items.append(
                AnswerItem(
                    asset_id=asset.id,
                    title=asset.title,
                    url=asset.url,
                    type=asset.type,
                    stages=tuple(Stage(s) for s in asset.stages),
                    score=logged.score,
                    reason=logged.reason,
                    rank=logged.rank,
                    internal=asset.internal,
                    why=_reason(logged.reason_parts),
                )
            )
        return Answer(
            recommendation_id=row.id,
            question=row.question,
            prospect=row.prospect,
            stage=StageDecision(
                Stage(row.stage) if row.stage else None,
                StageSource(row.stage_source),
                row.stage_confidence,
            ),
            items=tuple(items),
            weak=row.weak,
            latency_ms=row.latency_ms,
        )


def _reason(parts: object) -> Reason | None:
    """The logged reason's parts; None for a row logged before they were (its English line is
    shown then)."""
    if not isinstance(parts, dict):
        return None
    try:
        return Reason.from_json(parts)
    except ValueError:
        return None
