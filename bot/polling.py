"""A background thread that does one unit of work at a time until it is stopped.

The Slack outbox, the CRM notes and the answer spool each drain a queue this way; they differ
only in what one cycle does and how long to wait when there was nothing to do.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading

log = logging.getLogger(__name__)


class PollingThread:
    """Calls :meth:`run_once` until stopped, waiting :meth:`idle_seconds` after a cycle that
    found nothing to do. A cycle that raises (the database is down, a bug) is logged and
    counts as idle, so one bad cycle never ends the thread."""

    thread_name = "polling"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> bool:
        """Do one unit of work; False when there was none."""
        raise NotImplementedError

    def idle_seconds(self) -> float:
        """How long to wait after an idle cycle."""
        raise NotImplementedError

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the unit in hand, then stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("%s cycle failed", self.thread_name)
                busy = False
            if not busy:
                self._stop.wait(self.idle_seconds())


def worker_id() -> str:
    """A name for this thread's claims on shared queues, unique across hosts and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
