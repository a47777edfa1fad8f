"""A time window of the log as a set of answer ids, cheap to filter the other log tables by.

Answer ids grow with time, so the answers given in a window are usually one contiguous id range:
then every table is filtered by `recommendation_id BETWEEN first AND last` on its
(…, recommendation_id) index, with no join back to `recommendations`. When rows are out of time
order (imported or backdated), the window falls back to an exact semi-join on its ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from content_store.models import Recommendation

IdColumn = ColumnElement[int] | InstrumentedAttribute[int]


@dataclass(frozen=True)
class AnswerWindow:
    since: datetime | None
    until: datetime | None
    count: int  # answers in the window
    first: int | None  # smallest and largest id in it
    last: int | None
    contiguous: bool  # every id in [first, last] is an answer of the window

    @property
    def bounds(self) -> list[ColumnElement[bool]]:
        """The window on `recommendations.created_at` (indexed)."""
        return time_bounds(self.since, self.until)

    @property
    def whole_log(self) -> bool:
        return self.since is None and self.until is None

    def answers(self, recommendation_id: IdColumn) -> list[ColumnElement[bool]]:
        """Conditions keeping only rows whose `recommendation_id` is an answer of the window."""
        if self.whole_log:
            return []
        if self.count == 0:
            return [false()]
        if self.contiguous:
            return [recommendation_id.between(self.first, self.last)]
        return [recommendation_id.in_(select(Recommendation.id).where(*self.bounds))]


def answer_window(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> AnswerWindow:
    bounds = time_bounds(since, until)
    if not bounds:
        return AnswerWindow(None, None, 0, None, None, contiguous=False)
    count, first, last = session.execute(
        select(
            func.count(Recommendation.id), func.min(Recommendation.id), func.max(Recommendation.id)
        ).where(*bounds)
    ).one()
    contiguous = False
    if count:
        # All of the window lies in [first, last]; if nothing else does, the range is exact.
        in_range = session.scalar(
            select(func.count(Recommendation.id)).where(Recommendation.id.between(first, last))
        )
        contiguous = in_range == count
    return AnswerWindow(since, until, int(count), first, last, contiguous=contiguous)


def time_bounds(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    bounds: list[ColumnElement[bool]] = []
    if since is not None:
        bounds.append(Recommendation.created_at >= since)
    if until is not None:
        bounds.append(Recommendation.created_at < until)
    return bounds
