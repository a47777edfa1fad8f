"""Usage statistics from the log: what sales uses, ignores and lacks.

Every windowed query is bounded by the window's answers (see content_store.windows) and
aggregates in SQL on covering indexes, so its cost follows the window, not the whole log.
Each function takes `since`/`until`, or a `window` already resolved for several calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, case, distinct, exists, func, select
from sqlalchemy.orm import Session

from content_store.models import ContentItem, Feedback, FeedbackKind, Recommendation
from content_store.models import RecommendationItem as Item
from content_store.requests import RequestSummary, request_summary
from content_store.stage import STAGE_ORDER
from content_store.windows import AnswerWindow, answer_window

STAGES = tuple(str(stage) for stage in STAGE_ORDER)


@dataclass(frozen=True)
class AssetUsage:
    item_id: str
    title: str
    type: str
    surfaced: int
    useful: int
    not_useful: int
    sent: int
    url: str | None = None
    stages: tuple[str, ...] = ()
    owner: str | None = None
    review_by: date | None = None
    active: bool = True

    @property
    def rated(self) -> int:
        return self.useful + self.not_useful

    @property
    def useful_rate(self) -> float | None:
        """Share of 👍 among the ratings of answers that offered it; None when nobody rated."""
        return self.useful / self.rated if self.rated else None


@dataclass(frozen=True)
class AssetRef:
    item_id: str
    title: str
    url: str | None
    type: str
    owner: str | None
    review_by: date | None


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
    weak: int = 0


@dataclass(frozen=True)
class Activity:
    questions: int
    weak: int
    reps: int  # distinct askers
    rated: int  # answers with at least one 👍 or 👎
    useful: int  # 👍 clicks
    not_useful: int  # 👎 clicks
    sent: int  # "Sent it" clicks: assets that reached a prospect
    command_line: int = 0  # questions asked with no Slack user: `funnelbot ask`

    def askers(self) -> str:
        """Who asked: "from 3 reps", "from the command line", or both."""
        return who_asked(self.questions - self.command_line, self.reps, self.command_line)

    @property
    def useful_rate(self) -> float | None:
        ratings = self.useful + self.not_useful
        return self.useful / ratings if ratings else None


@dataclass(frozen=True)
class UsageStats:
    questions: int
    weak_answers: int
    most_surfaced: list[AssetUsage]
    never_surfaced: list[tuple[str, str]]  # (id, title)
    gaps: list[Gap]
    stages: list[StageCoverage]
    requests: RequestSummary | None = None  # asks to marketing opened in the window


def usage_stats(session: Session, *, since: datetime | None = None, limit: int = 10) -> UsageStats:
    """The summary `funnelbot stats` prints: since a time, or over the whole log."""
    window = answer_window(session, since=since)
    summary = activity(session, window=window)
    usage = asset_usage(session, window=window)
    gap_rows = session.execute(
        select(
            Recommendation.question,
            Recommendation.stage,
            Recommendation.top_score,
            Recommendation.created_at,
        )
        .where(Recommendation.weak.is_(True), *window.bounds)
        .order_by(Recommendation.id.desc())
        .limit(limit)
    ).all()
    return UsageStats(
        questions=summary.questions,
        weak_answers=summary.weak,
        most_surfaced=[a for a in usage if a.surfaced][:limit],
        never_surfaced=[
            (a.item_id, a.title)
            for a in sorted(usage, key=lambda a: a.item_id)
            if a.active and not a.surfaced
        ],
        gaps=[Gap(r[0], r[1], r[2], r[3]) for r in gap_rows],
        stages=stage_coverage(session, window=window),
        requests=request_summary(session, since=since),
    )


def activity(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    window: AnswerWindow | None = None,
) -> Activity:
    window = window or answer_window(session, since=since, until=until)
    questions, weak, reps, command_line = session.execute(
        select(
            func.count(Recommendation.id),
            func.coalesce(func.sum(case((Recommendation.weak.is_(True), 1), else_=0)), 0),
            func.count(distinct(Recommendation.asker)),
            func.coalesce(func.sum(case((Recommendation.asker.is_(None), 1), else_=0)), 0),
        ).where(*window.answers(Recommendation.id))
    ).one()
    clicks = dict(
        session.execute(
            select(Feedback.kind, func.count(Feedback.id))
            .where(
                Feedback.kind.in_(_kinds((*_RATINGS, FeedbackKind.SENT))),
                *window.answers(Feedback.recommendation_id),
            )
            .group_by(Feedback.kind)
        )
        .tuples()
        .all()
    )
    rated = session.scalar(
        select(func.count(distinct(Feedback.recommendation_id))).where(
            Feedback.kind.in_(_kinds(_RATINGS)), *window.answers(Feedback.recommendation_id)
        )
    )
    return Activity(
        questions=int(questions),
        weak=int(weak),
        reps=int(reps),
        rated=int(rated or 0),
        useful=int(clicks.get(str(FeedbackKind.USEFUL), 0)),
        not_useful=int(clicks.get(str(FeedbackKind.NOT_USEFUL), 0)),
        sent=int(clicks.get(str(FeedbackKind.SENT), 0)),
        command_line=int(command_line),
    )


def who_asked(from_reps: int, reps: int, command_line: int) -> str:
    """'from 3 reps', 'from the command line', or '(7 from 3 reps, 2 from the command line)'."""
    people = f"{reps} rep{'s' if reps != 1 else ''}"
    if not command_line:
        return f"from {people}"
    if not from_reps:
        return "from the command line"
    return f"({from_reps} from {people}, {command_line} from the command line)"


def asset_usage(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    window: AnswerWindow | None = None,
) -> list[AssetUsage]:
    """Every active asset and every asset surfaced in the window, most surfaced first.

    A 👍 or 👎 is given to a whole answer, so it is credited to every asset the answer offered;
    "sent" is per asset.
    """
    window = window or answer_window(session, since=since, until=until)
    surfaced = _surfaced(session, window)
    per_answer = (
        select(
            Feedback.recommendation_id.label("recommendation_id"),
            func.sum(_is(FeedbackKind.USEFUL)).label("useful"),
            func.sum(_is(FeedbackKind.NOT_USEFUL)).label("not_useful"),
        )
        .where(Feedback.kind.in_(_kinds(_RATINGS)), *window.answers(Feedback.recommendation_id))
        .group_by(Feedback.recommendation_id)
        .subquery()
    )
    rated = {
        item_id: (int(useful), int(not_useful))
        for item_id, useful, not_useful in session.execute(
            select(Item.item_id, func.sum(per_answer.c.useful), func.sum(per_answer.c.not_useful))
            .join(per_answer, per_answer.c.recommendation_id == Item.recommendation_id)
            .group_by(Item.item_id)
        ).tuples()
    }
    sent = dict(
        session.execute(
            select(Feedback.item_id, func.count(Feedback.id))
            .where(
                Feedback.kind == str(FeedbackKind.SENT),
                Feedback.item_id.is_not(None),
                *window.answers(Feedback.recommendation_id),
            )
            .group_by(Feedback.item_id)
        )
        .tuples()
        .all()
    )
    rows = session.execute(
        select(
            ContentItem.id,
            ContentItem.title,
            ContentItem.type,
            ContentItem.url,
            ContentItem.stages,
            ContentItem.owner,
            ContentItem.review_by,
            ContentItem.active,
        )
    ).tuples()
    usage = [
        AssetUsage(
            item_id=item_id,
            title=title,
            type=kind,
            surfaced=surfaced.get(item_id, 0),
            useful=rated.get(item_id, (0, 0))[0],
            not_useful=rated.get(item_id, (0, 0))[1],
            sent=int(sent.get(item_id) or 0),
            url=url,
            stages=tuple(stages or ()),
            owner=owner,
            review_by=review_by,
            active=active,
        )
        for item_id, title, kind, url, stages, owner, review_by, active in rows
        if active or item_id in surfaced
    ]
    usage.sort(key=lambda a: (-a.surfaced, -a.sent, a.title.casefold(), a.item_id))
    return usage


def _surfaced(session: Session, window: AnswerWindow) -> dict[str, int]:
    """How many answers in the window offered each asset (assets never offered are absent)."""
    if window.contiguous:
        # One index range count per asset on (item_id, recommendation_id): no sort of the
        # window's item rows, and the library is small next to them.
        offered = (
            select(func.count())  # count(*): an index-only scan, no table row needed
            .select_from(Item)
            .where(Item.item_id == ContentItem.id, *window.answers(Item.recommendation_id))
            .scalar_subquery()
        )
        rows = session.execute(select(ContentItem.id, offered)).tuples()
        return {item_id: int(n) for item_id, n in rows if n}
    return {
        item_id: int(n)
        for item_id, n in session.execute(
            select(Item.item_id, func.count(Item.id))
            .where(*window.answers(Item.recommendation_id))
            .group_by(Item.item_id)
        ).tuples()
    }


def never_surfaced(
    session: Session, *, since: datetime, window: AnswerWindow | None = None
) -> list[AssetRef]:
    """Active assets that no answer offered since `since`."""
    window = window or answer_window(session, since=since)
    query = (
        select(*_REF_COLUMNS)
        .where(ContentItem.active.is_(True))
        .order_by(ContentItem.title, ContentItem.id)
    )
    if window.count:
        offered = select(Item.id).where(
            Item.item_id == ContentItem.id, *window.answers(Item.recommendation_id)
        )
        query = query.where(~exists(offered))
    return [AssetRef(*row) for row in session.execute(query).tuples()]


def past_review(session: Session, *, today: date) -> list[AssetRef]:
    """Active assets whose `review_by` date has passed, longest overdue first."""
    query = (
        select(*_REF_COLUMNS)
        .where(ContentItem.active.is_(True), ContentItem.review_by < today)
        .order_by(ContentItem.review_by, ContentItem.id)
    )
    return [AssetRef(*row) for row in session.execute(query).tuples()]


def active_asset_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count(ContentItem.id)).where(ContentItem.active.is_(True))) or 0
    )


def stage_coverage(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    window: AnswerWindow | None = None,
) -> list[StageCoverage]:
    """Per stage: active assets for it, questions asked at it, and how many matched weakly."""
    window = window or answer_window(session, since=since, until=until)
    asked = {
        stage: (int(n), int(weak))
        for stage, n, weak in session.execute(
            select(
                Recommendation.stage,
                func.count(Recommendation.id),
                func.coalesce(func.sum(case((Recommendation.weak.is_(True), 1), else_=0)), 0),
            )
            .where(*window.answers(Recommendation.id))
            .group_by(Recommendation.stage)
        ).tuples()
    }
    per_stage: dict[str, int] = {}
    for stages in session.scalars(select(ContentItem.stages).where(ContentItem.active.is_(True))):
        for stage in stages or ():
            per_stage[stage] = per_stage.get(stage, 0) + 1
    return [
        StageCoverage(stage, per_stage.get(stage, 0), *asked.get(stage, (0, 0))) for stage in STAGES
    ]


_RATINGS = (FeedbackKind.USEFUL, FeedbackKind.NOT_USEFUL)
_REF_COLUMNS = (
    ContentItem.id,
    ContentItem.title,
    ContentItem.url,
    ContentItem.type,
    ContentItem.owner,
    ContentItem.review_by,
)


def _kinds(kinds: tuple[FeedbackKind, ...]) -> list[str]:
    return [str(k) for k in kinds]


def _is(kind: FeedbackKind) -> ColumnElement[int]:
    return case((Feedback.kind == str(kind), 1), else_=0)


@dataclass(frozen=True)
class AssetReach:
    surfaced: int  # answers that offered the asset in the window
    useful: int  # 👍 on those answers
    not_useful: int

    @property
    def useful_rate(self) -> float | None:
        rated = self.useful + self.not_useful
        return self.useful / rated if rated else None


def asset_reach(session: Session, asset_id: str, *, since: datetime) -> AssetReach:
    """How often one asset was offered since `since`, and how its answers were rated."""
    offered = (
        select(Item.recommendation_id)
        .join(Recommendation, Recommendation.id == Item.recommendation_id)
        .where(Item.item_id == asset_id, Recommendation.created_at >= since)
    )
    surfaced = session.scalar(select(func.count()).select_from(offered.subquery())) or 0
    rows = session.execute(
        select(Feedback.kind, func.count())
        .where(
            Feedback.recommendation_id.in_(offered),
            Feedback.kind.in_([str(FeedbackKind.USEFUL), str(FeedbackKind.NOT_USEFUL)]),
        )
        .group_by(Feedback.kind)
    ).all()
    counts = {str(kind): int(n) for kind, n in rows}
    return AssetReach(
        surfaced=int(surfaced),
        useful=counts.get(str(FeedbackKind.USEFUL), 0),
        not_useful=counts.get(str(FeedbackKind.NOT_USEFUL), 0),
    )
