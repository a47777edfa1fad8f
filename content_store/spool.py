"""The spool: answers the log could not take yet, kept in a local file until the database is back.

One JSON object per line in `answers.jsonl`, appended under a file lock and fsync'd before the
answer goes out, so an answer a rep saw survives the process. Each record carries the answer's
provisional id (negative, random, unique in the log). A replay first moves the file aside (answers
keep spooling meanwhile), then writes its records in order, one transaction each: a record whose
provisional id (or Slack request key) the log already holds is dropped, so a write that reached
the database without its reply, or a replay cut short, is never written twice. A line a crash cut
short is skipped; a record the database refuses outright is set aside in `rejected.jsonl`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from content_store.db import UNAVAILABLE, brief_error, transaction
from content_store.log import LoggedItem, NewRecommendation, insert_recommendation
from content_store.models import Recommendation

log = logging.getLogger(__name__)

SPOOL_FILE = "answers.jsonl"
REJECTED_FILE = "rejected.jsonl"
BATCH_PREFIX = "replaying-"
_APPEND_LOCK = ".append.lock"
_REPLAY_LOCK = ".replay.lock"
_FORMAT = 1

# Called in a replayed record's transaction with its new id and the record.
OnWritten = Callable[[Session, int, NewRecommendation], None]


def new_provisional_id() -> int:
    """A negative id no real row has; 53 random bits, so two answers never share one in practice."""
    return -(secrets.randbits(53) or 1)


@dataclass
class ReplayReport:
    written: int = 0
    duplicates: int = 0  # already in the log: dropped
    rejected: int = 0  # refused by the database: set aside in rejected.jsonl
    torn: int = 0  # lines a crash cut short: skipped
    stopped: bool = False  # the database went away mid-replay; the rest waits for the next one
    busy: bool = False  # another replay holds the spool


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def append(self, entry: NewRecommendation) -> None:
        """Keep one answer's log row; returns once it is on disk."""
        if entry.provisional_id is None or entry.provisional_id >= 0:
            raise ValueError("a spooled answer needs its (negative) provisional id")
        # ASCII: a question with a lone surrogate (Slack sends some) still encodes.
        line = json.dumps(_encode(entry), separators=(",", ":")).encode()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / SPOOL_FILE
        with self._locked(_APPEND_LOCK, wait_seconds=None):
            created = not path.exists()
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                # After a crash mid-write the file ends in a torn line: start on a fresh one.
                prefix = b"\n" if size and os.pread(fd, 1, size - 1) != b"\n" else b""
                _write_all(fd, prefix + line + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_dir(self.directory)

    def has_pending(self) -> bool:
        # A replay may rename the file between any two looks at it: ask once, and in this order
        # (current file, then set-aside batches) a record on its way from one to the other is
        # seen in at least one of them.
        try:
            if (self.directory / SPOOL_FILE).stat().st_size > 0:
                return True
        except FileNotFoundError:
            pass
        return bool(self._batches())

    def pending(self) -> list[NewRecommendation]:
        """The records waiting, oldest first (torn lines left out)."""
        waiting = [*self._batches(), self.directory / SPOOL_FILE]
        return [entry for path in waiting if path.exists() for entry, _ in _read(path)[0]]

    def replay(
        self,
        sessions: sessionmaker[Session],
        *,
        on_written: OnWritten | None = None,
        wait_seconds: float = 0.0,
    ) -> ReplayReport:
        """Write what is waiting into the log, in order, each record once.

        `on_written` runs in each record's transaction (e.g. to queue what else the log row
        implies). Returns at once, busy, if another replay holds the spool for `wait_seconds`.
        """
        report = ReplayReport()
        if not self.directory.exists():
            return report
        with self._locked(_REPLAY_LOCK, wait_seconds=wait_seconds) as held:
            if not held:
                report.busy = True
                return report
            self._set_aside_current()
            for batch in self._batches():
                if not self._replay_file(batch, sessions, on_written, report):
                    break
                batch.unlink()
        return report

    def _replay_file(
        self,
        path: Path,
        sessions: sessionmaker[Session],
        on_written: OnWritten | None,
        report: ReplayReport,
    ) -> bool:
        records, torn = _read(path)
        report.torn += torn
        for entry, line in records:
            try:
                written = _write_once(sessions, entry, on_written)
            except UNAVAILABLE as error:
                log.warning(
                    "database unavailable while replaying the spool: %s", brief_error(error)
                )
                report.stopped = True
                return False
            except SQLAlchemyError as error:
                log.error(
                    "the log refused spooled answer %s (%s); kept in %s",
                    entry.provisional_id,
                    brief_error(error),
                    REJECTED_FILE,
                )
                self._reject(line)
                report.rejected += 1
                continue
            if written:
                report.written += 1
            else:
                report.duplicates += 1
        return True

    def _set_aside_current(self) -> None:
        """Move the current file aside under the append lock, so no append lands in a replay."""
        current = self.directory / SPOOL_FILE
        with self._locked(_APPEND_LOCK, wait_seconds=None):
            if not current.exists() or current.stat().st_size == 0:
                return
            target = self.directory / f"{BATCH_PREFIX}{time.time_ns():020d}.jsonl"
            while target.exists():  # two set-asides in one clock tick
                target = target.with_name(f"{BATCH_PREFIX}{time.time_ns() + 1:020d}.jsonl")
            current.rename(target)
            _fsync_dir(self.directory)

    def _batches(self) -> list[Path]:
        if not self.directory.exists():
            return []
        return sorted(self.directory.glob(f"{BATCH_PREFIX}*.jsonl"))

    def _reject(self, line: bytes) -> None:
        fd = os.open(self.directory / REJECTED_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            _write_all(fd, line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextmanager
    def _locked(self, name: str, *, wait_seconds: float | None) -> Iterator[bool]:
        """An exclusive lock across threads and processes; None waits as long as it takes."""
        fd = os.open(self.directory / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if wait_seconds is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
                held = True
            else:
                held = _try_lock(fd, time.monotonic() + wait_seconds)
            try:
                yield held
            finally:
                if held:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _write_once(
    sessions: sessionmaker[Session], entry: NewRecommendation, on_written: OnWritten | None
) -> bool:
    """True if the record was written now, False if the log already held it."""
    try:
        with transaction(sessions) as session:
            if _already_logged(session, entry):
                return False
            recommendation_id = insert_recommendation(session, entry)
            if on_written is not None:
                on_written(session, recommendation_id, entry)
            return True
    except IntegrityError:
        # Another replay, or the same Slack event answered again, got there first.
        with sessions() as session:
            if _already_logged(session, entry):
                return False
        raise


def _already_logged(session: Session, entry: NewRecommendation) -> bool:
    same = Recommendation.provisional_id == entry.provisional_id
    if entry.request_key is not None:
        same = or_(same, Recommendation.request_key == entry.request_key)
    return session.scalar(select(Recommendation.id).where(same).limit(1)) is not None


def _read(path: Path) -> tuple[list[tuple[NewRecommendation, bytes]], int]:
    """The file's whole records with their lines, and how many torn lines were skipped."""
    lines = path.read_bytes().split(b"\n")
    tail = lines.pop()  # after the last newline: empty, or a record a crash cut short
    records, torn = [], 1 if tail.strip() else 0
    for line in lines:
        if not line.strip():
            continue
        try:
            records.append((_decode(json.loads(line)), line))
        except (ValueError, KeyError, TypeError):
            torn += 1
    if torn:
        log.warning("skipped %d torn line(s) in %s", torn, path.name)
    return records, torn


def _encode(entry: NewRecommendation) -> dict[str, Any]:
    fields = asdict(entry)
    fields["created_at"] = entry.created_at.isoformat() if entry.created_at else None
    return {"v": _FORMAT, "answer": fields}


def _decode(record: dict[str, Any]) -> NewRecommendation:
    if record.get("v") != _FORMAT:
        raise ValueError(f"unknown spool record format {record.get('v')!r}")
    fields = dict(record["answer"])
    fields["items"] = [LoggedItem(**item) for item in fields["items"]]
    if fields.get("created_at"):
        fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    return NewRecommendation(**fields)


def _try_lock(fd: int, deadline: float) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
