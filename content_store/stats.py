"""Usage statistics from the log: what sales uses, ignores and lacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from content_store.models import ContentItem, Feedback, FeedbackKind, Recommendation
from content_store.models import RecommendationItem as Item


@dataclass(frozen=True)
class AssetUsage:
    item_id: str
    title: str
    type: str
    surfaced: int
    useful: int
    not_useful: int
    sent: int


@dataclass(frozen=True)
class Gap:
    question: str
    stage: str | None
    top_score: float
    asked_at: datetime


@dataclass(frozen=True)
class StageCoverage:
    stage: str
    assets: int
    questions: int


@dataclass(frozen=True)
class UsageStats:
    questions: int
    weak_answers: int
    most_surfaced: list[AssetUsage]
    never_surfaced: list[tuple[str, str]]  # (id, title)
    gaps: list[Gap]
    stages: list[StageCoverage]


def usage_stats(session: Session, *, since: datetime | None = None, limit: int = 10) -> UsageStats:
    recs = select(Recommendation.id)
    if since is not None:
        recs = recs.where(Recommendation.created_at >= since)
    rec_ids = recs.subquery()

    questions = session.scalar(select(func.count()).select_from(rec_ids)) or 0
    weak_filter: list[ColumnElement[bool]] = [Recommendation.weak.is_(True)]
    if since is not None:
        weak_filter.append(Recommendation.created_at >= since)
    weak = session.scalar(select(func.count(Recommendation.id)).where(*weak_filter)) or 0

    surfaced = (
        select(Item.item_id, func.count(Item.id).label("n"))
        .where(Item.recommendation_id.in_(select(rec_ids.c.id)))
        .group_by(Item.item_id)
        .subquery()
    )
    feedback = (
        select(
            Feedback.item_id,
            func.sum(_kind(FeedbackKind.SENT)).label("sent"),
        )
        .where(Feedback.recommendation_id.in_(select(rec_ids.c.id)), Feedback.item_id.is_not(None))
        .group_by(Feedback.item_id)
        .subquery()
    )
    # Useful / not useful are given to a whole answer: credit every asset it surfaced.
    rated = (
        select(
            Item.item_id,
            func.sum(_kind(FeedbackKind.USEFUL)).label("useful"),
            func.sum(_kind(FeedbackKind.NOT_USEFUL)).label("not_useful"),
        )
        .join(Feedback, Feedback.recommendation_id == Item.recommendation_id)
        .where(Item.recommendation_id.in_(select(rec_ids.c.id)))
        .group_by(Item.item_id)
        .subquery()
    )
    rows = session.execute(
        select(
            ContentItem.id,
            ContentItem.title,
            ContentItem.type,
            surfaced.c.n,
            func.coalesce(rated.c.useful, 0),
            func.coalesce(rated.c.not_useful, 0),
            func.coalesce(feedback.c.sent, 0),
        )
        .join(surfaced, surfaced.c.item_id == ContentItem.id)
        .outerjoin(rated, rated.c.item_id == ContentItem.id)
        .outerjoin(feedback, feedback.c.item_id == ContentItem.id)
        .order_by(surfaced.c.n.desc(), ContentItem.id)
        .limit(limit)
    ).all()
    most = [AssetUsage(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), int(r[6])) for r in rows]

    never = session.execute(
        select(ContentItem.id, ContentItem.title)
        .where(ContentItem.active.is_(True), ContentItem.id.not_in(select(surfaced.c.item_id)))
        .order_by(ContentItem.id)
    ).all()

    gap_rows = session.execute(
        select(
            Recommendation.question,
            Recommendation.stage,
            Recommendation.top_score,
            Recommendation.created_at,
        )
        .where(*weak_filter)
        .order_by(Recommendation.id.desc())
        .limit(limit)
    ).all()
    gaps = [Gap(r[0], r[1], r[2], r[3]) for r in gap_rows]

    asked = dict(
        session.execute(
            select(Recommendation.stage, func.count(Recommendation.id))
            .where(Recommendation.id.in_(select(rec_ids.c.id)))
            .group_by(Recommendation.stage)
        ).all()
    )
    per_stage: dict[str, int] = {}
    for stages in session.scalars(select(ContentItem.stages).where(ContentItem.active.is_(True))):
        for stage in stages:
            per_stage[stage] = per_stage.get(stage, 0) + 1
    coverage = [
        StageCoverage(stage, per_stage.get(stage, 0), asked.get(stage, 0))
        for stage in ("awareness", "consideration", "decision")
    ]
    return UsageStats(
        questions=questions,
        weak_answers=weak,
        most_surfaced=most,
        never_surfaced=[(r[0], r[1]) for r in never],
        gaps=gaps,
        stages=coverage,
    )


def _kind(kind: FeedbackKind) -> ColumnElement[int]:
    return case((Feedback.kind == str(kind), 1), else_=0)
