"""Recording ingest runs and finding the content version that should be serving."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content_store.models import IndexRun, IndexRunStatus
from content_store.models.base import utcnow


def start_run(
    session: Session, *, content_dir: str, trigger: str, started_by: str | None = None
) -> IndexRun:
    run = IndexRun(
        content_dir=content_dir,
        trigger=trigger,
        started_by=started_by,
        status=IndexRunStatus.RUNNING,
        problems=[],
    )
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    counts: dict[str, int],
    problems: list[dict[str, Any]],
    index_version: int | None,
) -> IndexRun:
    run = session.get_one(IndexRun, run_id)
    for name, value in counts.items():
        setattr(run, name, value)
    run.problems = problems
    run.index_version = index_version
    run.status = IndexRunStatus.SUCCEEDED
    run.finished_at = utcnow()
    session.flush()
    return run


def fail_run(session: Session, run_id: int, error: str) -> None:
    run = session.get_one(IndexRun, run_id)
    run.status = IndexRunStatus.FAILED
    run.error = error[:4000]
    run.finished_at = utcnow()


def current_index_version(session: Session) -> int | None:
    """The content version left by the newest successful run (None before the first ingest)."""
    return session.scalar(
        select(IndexRun.index_version)
        .where(IndexRun.status == IndexRunStatus.SUCCEEDED)
        .order_by(IndexRun.id.desc())
        .limit(1)
    )


def last_run(session: Session) -> IndexRun | None:
    return session.scalar(select(IndexRun).order_by(IndexRun.id.desc()).limit(1))
