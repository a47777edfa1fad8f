"""Micro-batching: concurrent one-text encodes share one forward pass.

A lone caller encodes its text at once, in its own thread, so one question at a time pays
nothing for this. Callers that arrive while a pass is running queue up; when it ends, the
first of them runs the whole queue (up to ``max_batch`` texts) as one batch: the batching
window is the pass in progress, a few milliseconds. ``linger_ms`` makes that first caller wait
longer for company; measured with 8 concurrent askers, 1-3 ms bought no throughput (the rest
of an answer, not the model, is the bottleneck there), so it is off by default.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np


class _Request:
    __slots__ = ("error", "lead", "ready", "result", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ready = threading.Event()  # set when this request is answered or made leader
        self.lead: list[_Request] | None = None  # the batch to run, when made leader
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None


class QueryBatcher:
    """Coalesces concurrent ``encode(text)`` calls into ``encode_batch(texts)`` calls."""

    def __init__(
        self,
        encode_batch: Callable[[list[str]], np.ndarray],
        *,
        max_batch: int = 32,
        linger_ms: float = 0.0,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        if linger_ms < 0:
            raise ValueError(f"linger_ms must be >= 0, got {linger_ms}")
        self._encode_batch = encode_batch
        self._max_batch = max_batch
        self._linger_s = linger_ms / 1000
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._running = False
        self._queue: list[_Request] = []
        self.batches = 0  # counters for tests and benchmarks
        self.texts = 0

    def encode(self, text: str) -> np.ndarray:
        """The vector for ``text``, computed alone or in a batch with concurrent callers."""
        request = _Request(text)
        with self._lock:
            if self._running:
                self._queue.append(request)
                self._arrived.notify()
                batch = None
            else:
                self._running = True
                batch = [request]
        if batch is None:
            request.ready.wait()
            if request.lead is None:
                return self._answer(request)
            batch = self._gather(request.lead)
        self._run(batch)
        return self._answer(request)

    def _gather(self, batch: list[_Request]) -> list[_Request]:
        # A promoted leader was queued behind a pass, so others are asking too: wait a moment
        # for them to arrive, but never past a full batch.
        if self._linger_s <= 0 or len(batch) >= self._max_batch:
            return batch
        deadline = time.monotonic() + self._linger_s
        with self._lock:
            while len(batch) + len(self._queue) < self._max_batch:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            room = self._max_batch - len(batch)
            batch = batch + self._queue[:room]
            del self._queue[:room]
        return batch

    def _run(self, batch: list[_Request]) -> None:
        try:
            vectors = self._encode_batch([r.text for r in batch])
            if len(vectors) != len(batch):
                raise RuntimeError(
                    f"encoder returned {len(vectors)} vectors for {len(batch)} texts"
                )
        except BaseException as error:
            for r in batch:
                r.error = error
        else:
            for r, vector in zip(batch, vectors, strict=True):
                r.result = vector
        with self._lock:
            self.batches += 1
            self.texts += len(batch)
            if self._queue:
                # Hand the pass on to the first waiter, with everyone queued behind it.
                successor = self._queue[0]
                successor.lead = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                successor.ready.set()
            else:
                self._running = False
        for r in batch:
            r.ready.set()

    @staticmethod
    def _answer(request: _Request) -> np.ndarray:
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result
