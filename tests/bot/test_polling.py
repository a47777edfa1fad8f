"""The shared background-thread loop: a failing cycle is logged and the thread goes on."""

from __future__ import annotations

import threading

import pytest

from bot.polling import PollingThread, worker_id


class Flaky(PollingThread):
    thread_name = "flaky"

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.third_call = threading.Event()

    def run_once(self) -> bool:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("database went away")
        if self.calls == 3:
            self.third_call.set()
        return False

    def idle_seconds(self) -> float:
        return 0.01


def test_a_failing_cycle_is_logged_and_the_thread_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Flaky()
    worker.start()
    try:
        assert worker.third_call.wait(5), "the thread stopped after the failing cycle"
    finally:
        worker.stop(timeout=5)
    assert "flaky cycle failed" in caplog.text
    assert "database went away" in caplog.text
    calls = worker.calls
    threading.Event().wait(0.05)
    assert worker.calls == calls, "stop() must end the loop"


def test_worker_ids_differ_between_threads() -> None:
    assert worker_id() != worker_id()
