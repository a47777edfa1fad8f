"""Load: many concurrent Slack clients against `funnelbot serve --http` and a fake Slack.

    python -m benchmarks.load [--requests 200] [--seconds 10] [--clients 20]

Sends signed /content commands and @mentions, spread over the given seconds, and checks the
guarantees: every request acknowledged within 3 s, every question answered, exactly one
recommendation row per question. Prints p50/p99 and exits 1 if a guarantee fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.core import percentile
from benchmarks.serving import SECRET, serve_http
from bot.ingest import ingest
from bot.services import Services
from bot.settings import Settings
from content_store.models import Recommendation
from tests.slack_support import FakeSlack, SlackSender, app_mention, event_callback, slash_command

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TOPICS = [
    "SOC 2 report",
    "comparison with Forecastly",
    "pricing for 40 stores",
    "a logistics case study",
    "why spreadsheets fail",
    "ROI numbers for the CFO",
]


@dataclass(frozen=True)
class LoadResult:
    requests: int
    acked: int
    ack_p50_ms: float
    ack_p99_ms: float
    ack_max_ms: float
    answered: int
    answer_p50_ms: float
    answer_p99_ms: float
    rows: int
    distinct_questions_logged: int

    @property
    def ok(self) -> bool:
        return (
            self.acked == self.requests
            and self.ack_max_ms < 3000
            and self.answered == self.requests
            and self.rows == self.requests
            and self.distinct_questions_logged == self.requests
        )


def run_load(
    *, home: Path, database_url: str | None, requests: int, seconds: float, clients: int
) -> LoadResult:
    with (
        FakeSlack() as fake,
        serve_http(
            home=home, slack_api_url=fake.base_url, database_url=database_url, threads=clients
        ) as server,
    ):
        sender = SlackSender(server.url + "/slack/events", SECRET)
        sent_at: dict[str, float] = {}

        questions = [f"#{n}: {TOPICS[n % len(TOPICS)]} for prospect {n}" for n in range(requests)]

        def one(n: int) -> tuple[int, float]:
            time.sleep(max(0.0, start + n * seconds / requests - time.monotonic()))
            question = questions[n]
            sent_at[question] = time.time()
            if n % 2:
                body = slash_command(
                    "/content", question, user_id=f"U{n}", response_url=fake.response_url(str(n))
                )
            else:
                event = app_mention(
                    f"<@UBOT> {question}", user=f"U{n}", channel="CLOAD", ts=f"1700000{n:03d}.0001"
                )
                body = event_callback(event, event_id=f"EvLoad{n}")
            status, _, elapsed = sender.post(*body)
            return status, elapsed * 1000

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            outcomes = list(pool.map(one, range(requests)))
        answers_seen = _wait_for_answers(fake, questions, timeout=60)
        answer_ms = [(at - sent_at[q]) * 1000 for q, at in answers_seen.items() if q in sent_at]
    acks = [ms for status, ms in outcomes if status == 200]
    services = Services(Settings(home=home, database_url=database_url or ""))
    with services.sessions() as session:
        rows = session.scalar(select(func.count(Recommendation.id))) or 0
        distinct = session.scalar(select(func.count(func.distinct(Recommendation.question)))) or 0
    services.close()
    return LoadResult(
        requests=requests,
        acked=len(acks),
        ack_p50_ms=statistics.median(acks) if acks else 0.0,
        ack_p99_ms=percentile(acks, 0.99) if acks else 0.0,
        ack_max_ms=max(acks, default=0.0),
        answered=len(answers_seen),
        answer_p50_ms=statistics.median(answer_ms) if answer_ms else 0.0,
        answer_p99_ms=percentile(answer_ms, 0.99) if answer_ms else 0.0,
        rows=rows,
        distinct_questions_logged=distinct,
    )


def _wait_for_answers(fake: FakeSlack, questions: list[str], *, timeout: float) -> dict[str, float]:
    """Question → when its answer reached Slack (a response_url post or a thread message)."""
    deadline = time.monotonic() + timeout
    while True:
        posted = [
            (json.dumps(call.args.get("blocks") or []), call.at)
            for call in fake.calls
            if call.method in ("response_url", "chat.postMessage")
        ]
        seen = {q: at for q in questions for text, at in posted if q in text}
        if len(seen) == len(questions) or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp home")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="funnelbot-load-")) / "home"
    services = Services(Settings(home=home, database_url=args.database_url or ""))
    ingest(services, EXAMPLES / "content")
    services.close()
    result = run_load(
        home=home,
        database_url=args.database_url,
        requests=args.requests,
        seconds=args.seconds,
        clients=args.clients,
    )
    print(
        f"funnelbot load: {result.requests} signed requests (/content and mentions) in "
        f"{args.seconds:g} s from {args.clients} clients, {os.cpu_count()} cores"
    )
    r = result
    print(
        f"  acknowledged   {r.acked}/{r.requests}   p50 {r.ack_p50_ms:.1f} ms  "
        f"p99 {r.ack_p99_ms:.1f} ms  max {r.ack_max_ms:.1f} ms   (each < 3000 ms)"
    )
    print(
        f"  answered       {r.answered}/{r.requests}   p50 {r.answer_p50_ms:.1f} ms  "
        f"p99 {r.answer_p99_ms:.1f} ms"
    )
    print(
        f"  log rows       {r.rows} ({r.distinct_questions_logged} distinct questions)   "
        "exactly one per question"
    )
    print("  all guarantees hold" if result.ok else "  A GUARANTEE FAILED")
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
