"""What a person's App Home shows: their recent questions and the prospects they staged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.services import Services
from content_store.models import Prospect, Recommendation


@dataclass(frozen=True)
class RecentQuestion:
    recommendation_id: int
    question: str
    asked_at: datetime
    stage: str | None
    items: int


@dataclass(frozen=True)
class RepHome:
    recent: list[RecentQuestion]
    prospects: list[tuple[str, str]]  # name, stage


def rep_home(services: Services, user: str, *, limit: int = 10) -> RepHome:
    with services.sessions() as session:
        rows = session.scalars(
            select(Recommendation)
            .options(selectinload(Recommendation.items))
            .where(Recommendation.asker == user)
            .order_by(Recommendation.id.desc())
            .limit(limit)
        ).all()
        recent = [
            RecentQuestion(r.id, r.question, r.created_at, r.stage, len(r.items)) for r in rows
        ]
        prospects = session.execute(
            select(Prospect.name, Prospect.stage)
            .where(Prospect.updated_by == user)
            .order_by(Prospect.updated_at.desc())
            .limit(limit)
        ).all()
    return RepHome(recent=recent, prospects=[(name, stage) for name, stage in prospects])
