"""Taking, renewing and releasing a named lease, safely across processes sharing the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from content_store.models import Lease


@dataclass(frozen=True)
class LeaseInfo:
    name: str
    holder: str
    started_by: str | None
    acquired_at: datetime
    expires_at: datetime
    run_id: int | None


def acquire(
    sessions: sessionmaker[Session],
    name: str,
    holder: str,
    *,
    ttl: timedelta,
    started_by: str | None = None,
    now: datetime | None = None,
) -> tuple[bool, LeaseInfo | None]:
    """Take the lease if it is free or expired. Returns (taken, the lease as it now stands)."""
    now = now or datetime.now(UTC)
    values = {
        "holder": holder,
        "started_by": started_by,
        "acquired_at": now,
        "expires_at": now + ttl,
        "run_id": None,
    }
    try:
        with sessions() as session, session.begin():
            # Conditional update: only one process can move an expired lease to itself.
            taken = _rowcount(
                session.execute(
                    update(Lease).where(Lease.name == name, Lease.expires_at < now).values(**values)
                )
            )
            if not taken and session.get(Lease, name) is None:
                session.add(Lease(name=name, **values))
                taken = 1
    except IntegrityError:  # another process inserted it first
        taken = 0
    return bool(taken), current(sessions, name, now=now, include_expired=True)


def renew(
    sessions: sessionmaker[Session],
    name: str,
    holder: str,
    *,
    ttl: timedelta,
    run_id: int | None = None,
) -> bool:
    """Extend a lease we hold; False if we lost it (it expired and someone else took it)."""
    values: dict[str, object] = {"expires_at": datetime.now(UTC) + ttl}
    if run_id is not None:
        values["run_id"] = run_id
    with sessions() as session, session.begin():
        result = session.execute(
            update(Lease).where(Lease.name == name, Lease.holder == holder).values(**values)
        )
        return bool(_rowcount(result))


def release(sessions: sessionmaker[Session], name: str, holder: str) -> None:
    with sessions() as session, session.begin():
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def current(
    sessions: sessionmaker[Session],
    name: str,
    *,
    now: datetime | None = None,
    include_expired: bool = False,
) -> LeaseInfo | None:
    now = now or datetime.now(UTC)
    with sessions() as session:
        row = session.scalar(select(Lease).where(Lease.name == name))
        if row is None:
            return None
        info = LeaseInfo(
            name=row.name,
            holder=row.holder,
            started_by=row.started_by,
            acquired_at=aware(row.acquired_at),
            expires_at=aware(row.expires_at),
            run_id=row.run_id,
        )
    if not include_expired and info.expires_at < now:
        return None
    return info


def _rowcount(result: Result[Any]) -> int:
    # An UPDATE's result is a CursorResult; the generic Result type does not say so.
    return int(cast("CursorResult[Any]", result).rowcount)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
