"""Reading the requests to marketing: how many, how many done, and how fast."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content_store.models import MarketingRequest, RequestStatus


@dataclass(frozen=True)
class RequestSummary:
    opened: int  # in the window
    done: int  # of those opened in the window
    open_now: int  # not done, whenever opened
    median_first_response: timedelta | None
    median_done: timedelta | None


def request_summary(session: Session, *, since: datetime | None = None) -> RequestSummary:
    """Requests opened since `since` (all, if None): how many, how many done, how fast."""
    window = [MarketingRequest.created_at >= since] if since is not None else []
    rows = session.execute(
        select(
            MarketingRequest.created_at,
            MarketingRequest.first_response_at,
            MarketingRequest.done_at,
        ).where(*window)
    ).all()
    open_now = session.scalar(
        select(func.count())
        .select_from(MarketingRequest)
        .where(MarketingRequest.status != str(RequestStatus.DONE))
    )
    first = [aware(r[1]) - aware(r[0]) for r in rows if r[1] is not None]
    done = [aware(r[2]) - aware(r[0]) for r in rows if r[2] is not None]
    return RequestSummary(
        opened=len(rows),
        done=len(done),
        open_now=int(open_now or 0),
        median_first_response=_median(first),
        median_done=_median(done),
    )


def aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))
