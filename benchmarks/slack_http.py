"""`funnelbot serve --http` against a fake Slack: time to ack a signed /content, time to answer.

    python -m benchmarks.slack_http [--requests 50]

Starts the real server (gunicorn) as a subprocess on loopback, with the sample library ingested,
and a recording fake Slack Web API. Prints p50/p99 with the core count; targets: ack < 300 ms,
answer posted < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.core import percentile
from bot.ingest import ingest
from bot.services import Services
from bot.settings import Settings
from tests.slack_support import BOT_TOKEN, FakeSlack, SlackSender, slash_command

SECRET = "0123456789abcdef0123456789abcdef"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUESTIONS = [
    "prospect asked for our SOC 2 report",
    "Acme is comparing us with Forecastly, what do I send?",
    "they don't see the problem with spreadsheets yet",
    "CFO wants to see the numbers before signing",
    "they're in evaluation, need a logistics case study",
]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/slack_http.json"))
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="funnelbot-slack-bench-")) / "home"
    services = Services(Settings(home=home))
    ingest(services, EXAMPLES / "content")
    services.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    with FakeSlack() as fake:
        env = {
            **os.environ,
            "FUNNELBOT_HOME": str(home),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.base_url,
        }
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            while not _healthy(base + "/healthz"):
                if server.poll() is not None:
                    raise SystemExit("server exited before it was ready")
                time.sleep(0.1)
            ready_s = time.perf_counter() - started
            sender = SlackSender(base + "/slack/events", SECRET)
            acks: list[float] = []
            answers: list[float] = []
            for n in range(args.requests):
                token = f"b{n}"
                sent_at = time.time()
                status, _, elapsed = sender.post(
                    *slash_command(
                        "/content",
                        QUESTIONS[n % len(QUESTIONS)],
                        response_url=fake.response_url(token),
                    )
                )
                if status != 200:
                    raise SystemExit(f"request {n} answered HTTP {status}")
                acks.append(elapsed * 1000)
                reply = fake.wait_for("response_url", count=n + 1, timeout=10)[-1]
                answers.append((reply.at - sent_at) * 1000)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    result = {
        "cores": os.cpu_count(),
        "requests": args.requests,
        "ready_s": ready_s,
        "ack_p50_ms": statistics.median(acks),
        "ack_p99_ms": percentile(acks, 0.99),
        "answer_p50_ms": statistics.median(answers),
        "answer_p99_ms": percentile(answers, 0.99),
    }
    print(
        f"funnelbot serve --http: {args.requests} signed /content requests, {os.cpu_count()} cores"
    )
    print(f"  start-up to /healthz 200   {ready_s:8.1f} s")
    for label, key, target in (("ack", "ack", 300), ("answer posted", "answer", 1000)):
        p50, p99 = result[f"{key}_p50_ms"], result[f"{key}_p99_ms"]
        print(f"  {label:<14} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   target < {target} ms")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
