"""The reindex use case: one run at a time across every process, ingest under a lease.

A killed run leaves its lease to expire (or, on the same machine, to a dead pid) and its run
row in "running"; the next start marks such rows failed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select

from bot.i18n import N_, Phrase
from bot.ingest import IngestProgress, IngestReport, SourceSpec, ingest
from bot.services import Services
from content_store.db import transaction
from content_store.errors import BusyError
from content_store.leases import LeaseInfo, acquire, current, release, renew
from content_store.models import IndexRun, IndexRunStatus
from content_store.models.base import utcnow
from content_store.sources import SourceOptions

log = logging.getLogger(__name__)

LEASE_NAME = "reindex"
LEASE_TTL = timedelta(minutes=2)
HEARTBEAT_SECONDS = 20.0
ABANDONED = "the process running it stopped before it finished (found at a later start)"


class ReindexBusy(BusyError, RuntimeError):
    """Another reindex holds the lease; the message says who started it and when.

    ``str()`` is the English; ``phrase`` says it in a reader's language (``Translator.say``).
    """

    def __init__(self, lease: LeaseInfo) -> None:
        self.phrase = Phrase(
            N_("a reindex started by %(who)s at %(when)s UTC is running"),
            {
                "who": lease.started_by or Phrase(N_("someone")),
                "when": f"{lease.acquired_at:%Y-%m-%d %H:%M}",
            },
        )
        super().__init__(str(self.phrase))
        self.lease = lease


def process_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def reindex(
    services: Services,
    content_dir: SourceSpec | Sequence[SourceSpec],
    *,
    started_by: str | None,
    trigger: str,
    dry_run: bool = False,
    progress: IngestProgress | None = None,
    allow_removals: bool = False,
    options: SourceOptions | None = None,
) -> IngestReport:
    """Refresh the index from the sources; raises ReindexBusy if a run is already going."""
    if dry_run:  # reads only: no lease needed, nothing changes
        return ingest(
            services,
            content_dir,
            dry_run=True,
            progress=progress,
            allow_removals=allow_removals,
            options=options,
        )
    with reindex_lease(services, started_by):
        mark_abandoned_runs(services, holding_lease=True)
        return ingest(
            services,
            content_dir,
            trigger=trigger,
            started_by=started_by,
            progress=progress,
            allow_removals=allow_removals,
            options=options,
        )


def running(services: Services) -> LeaseInfo | None:
    """The live lease of a running reindex, if any."""
    lease = current(services.sessions, LEASE_NAME)
    return None if lease is None or _holder_is_dead(lease.holder) else lease


def last_run(services: Services) -> IndexRun | None:
    with services.sessions() as session:
        return session.scalar(select(IndexRun).order_by(IndexRun.id.desc()).limit(1))


def mark_abandoned_runs(services: Services, *, holding_lease: bool = False) -> int:
    """Runs still "running" with no live lease were killed: record them as failed."""
    if not holding_lease and running(services) is not None:
        return 0  # a run elsewhere is live; its row is not abandoned
    with transaction(services.sessions) as session:
        rows = session.scalars(
            select(IndexRun).where(IndexRun.status == IndexRunStatus.RUNNING)
        ).all()
        for row in rows:
            row.status = IndexRunStatus.FAILED
            row.error = ABANDONED
            row.finished_at = utcnow()
        if rows:
            log.warning("marked %d abandoned reindex run(s) failed", len(rows))
        return len(rows)


@contextmanager
def reindex_lease(services: Services, started_by: str | None) -> Iterator[None]:
    """Hold the one lease that lets a process change the library (ingest or re-embed)."""
    holder = process_identity()
    taken, lease = acquire(
        services.sessions, LEASE_NAME, holder, ttl=LEASE_TTL, started_by=started_by
    )
    if not taken and lease is not None and _holder_is_dead(lease.holder):
        # Killed on this very machine: no need to wait for the lease to expire.
        release(services.sessions, LEASE_NAME, lease.holder)
        taken, lease = acquire(
            services.sessions, LEASE_NAME, holder, ttl=LEASE_TTL, started_by=started_by
        )
    if not taken:
        assert lease is not None
        raise ReindexBusy(lease)
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            if not renew(services.sessions, LEASE_NAME, holder, ttl=LEASE_TTL):
                log.error("lost the reindex lease; another run may start")
                return

    beat = threading.Thread(target=heartbeat, name="reindex-lease", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        release(services.sessions, LEASE_NAME, holder)


def _holder_is_dead(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine: only the expiry can tell
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
