"""The content sources use cases: what each source holds, and dropping one deliberately."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from bot.reindex import mark_abandoned_runs, reindex_lease
from bot.services import Services
from content_store.db import transaction
from content_store.errors import InputError
from content_store.index_runs import finish_run, start_run
from content_store.models import ContentItem, ContentSource
from content_store.models.base import utcnow
from content_store.sources import source_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceSummary:
    key: str
    kind: str
    items: int  # active items
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None


class UnknownSource(InputError, ValueError):
    """No stored source by that name; the message lists the ones there are."""


def list_sources(services: Services) -> list[SourceSummary]:
    with services.sessions() as session:
        counts: dict[str | None, int] = {
            key: count
            for key, count in session.execute(
                select(ContentItem.source_key, func.count())
                .where(ContentItem.active.is_(True))
                .group_by(ContentItem.source_key)
            )
        }
        rows = {row.key: row for row in session.scalars(select(ContentSource))}
    out = [
        SourceSummary(
            key=key,
            kind=row.kind,
            items=counts.get(key, 0),
            last_run_at=row.last_run_at,
            last_status=row.last_status,
            last_error=row.last_error,
        )
        for key, row in rows.items()
    ]
    # Items from before sources were recorded, with no source row: shown, so they can be removed.
    for key, count in counts.items():
        if key not in rows:
            out.append(SourceSummary(key or "(unknown)", "?", count, None, None, None))
    return sorted(out, key=lambda s: s.key)


def remove_source(services: Services, spec: str, *, started_by: str | None = "cli") -> int:
    """Deactivate every item of a source and forget it; returns how many items were removed."""
    known = {s.key for s in list_sources(services)}
    key = spec if spec in known else _key_or_spec(spec)
    if key not in known:
        names = ", ".join(sorted(known)) or "none yet"
        raise UnknownSource(f"no source {spec!r}; the sources are: {names}")
    with reindex_lease(services, started_by):
        mark_abandoned_runs(services, holding_lease=True)
        with transaction(services.sessions) as session:
            run_id = start_run(
                session, content_dir=key, trigger="remove-source", started_by=started_by
            ).id
            match = (
                ContentItem.source_key.is_(None)
                if key == "(unknown)"
                else ContentItem.source_key == key
            )
            active = (match, ContentItem.active.is_(True))
            removed = session.scalar(select(func.count()).where(*active)) or 0
            session.execute(
                update(ContentItem).where(*active).values(active=False, removed_at=utcnow())
            )
            row = session.get(ContentSource, key)
            if row is not None:
                session.delete(row)
            finish_run(
                session,
                run_id,
                counts={"removed": removed},
                problems=[],
                index_version=run_id,
            )
    services.reload()
    log.info("removed source %s (%d items)", key, removed)
    return int(removed)


def _key_or_spec(spec: str) -> str:
    try:
        return source_key(spec)
    except ValueError:
        return spec
