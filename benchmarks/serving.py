"""Starting `funnelbot serve --http` as an operator would, on loopback, for benchmarks and tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SECRET = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "xoxb-test"


@dataclass(frozen=True)
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    ready_s: float

    def kill_hard(self) -> None:
        """SIGKILL the master and its workers at once, as a crash or an OOM kill would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@contextmanager
def serve_http(
    *, home: Path, slack_api_url: str, database_url: str | None = None, threads: int = 8
) -> Iterator[RunningServer]:
    """Run the server until the block ends, then SIGTERM it (a graceful stop) and wait."""
    port = free_port()
    env = {
        **os.environ,
        "FUNNELBOT_HOME": str(home),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_api_url,
    }
    if database_url:
        env["FUNNELBOT_DATABASE_URL"] = database_url
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1",
         "--port", str(port), "--threads", str(threads)],
        env=env,
        start_new_session=True,  # its own process group: a hard kill takes the workers too
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while http_status(url + "/healthz") != 200:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode} before it was ready")
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready after 180 s")
            time.sleep(0.1)
        yield RunningServer(url=url, process=process, ready_s=time.perf_counter() - started)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
