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
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.core import percentile
from benchmarks.serving import SECRET, serve_http
from bot.ingest import ingest
from bot.services import Services
from bot.settings import Settings
from tests.slack_support import FakeSlack, SlackSender, slash_command

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUESTIONS = [
    "prospect asked for our SOC 2 report",
    "Acme is comparing us with Forecastly, what do I send?",
    "they don't see the problem with spreadsheets yet",
    "CFO wants to see the numbers before signing",
    "they're in evaluation, need a logistics case study",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/slack_http.json"))
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="funnelbot-slack-bench-")) / "home"
    services = Services(Settings(home=home))
    ingest(services, EXAMPLES / "content")
    services.close()
    with FakeSlack() as fake, serve_http(home=home, slack_api_url=fake.base_url) as server:
        ready_s = server.ready_s
        sender = SlackSender(server.url + "/slack/events", SECRET)
        acks: list[float] = []
        answers: list[float] = []
        for n in range(args.requests):
            sent_at = time.time()
            status, _, elapsed = sender.post(
                *slash_command(
                    "/content",
                    QUESTIONS[n % len(QUESTIONS)],
                    response_url=fake.response_url(f"b{n}"),
                )
            )
            if status != 200:
                raise SystemExit(f"request {n} answered HTTP {status}")
            acks.append(elapsed * 1000)
            reply = fake.wait_for("response_url", count=n + 1, timeout=10)[-1]
            answers.append((reply.at - sent_at) * 1000)

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
