"""Reindex benchmark: a full reindex under a stream of questions, then one with a few changes.

    python -m benchmarks.reindex [--assets 10000] [--changed 10] [--reuse DIR]

--reuse DIR takes a folder from an earlier run (its content/ and home/) and skips the full
build. Prints the figures with the core count and writes benchmarks/results/reindex.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.synthetic import questions, write_library
from bot.recommend import Question, recommend
from bot.reindex import reindex
from bot.services import Services
from bot.settings import Settings
from content_store.loaders import load_library
from index.chunking import chunk_text


def full_reindex_under_questions(services: Services, library: Path) -> dict[str, float]:
    asked = questions(50)
    answered: list[int | None] = []
    failures: list[str] = []
    done = threading.Event()

    def stream() -> None:
        n = 0
        while not done.is_set():
            try:
                answer = recommend(services, Question(text=asked[n % len(asked)]))
                answered.append(answer.recommendation_id)
            except Exception as error:  # counted, not raised: the figure is the count
                failures.append(f"{type(error).__name__}: {error}")
            n += 1
            time.sleep(0.5)  # a steady stream, not a load test: ~2 questions a second

    asker = threading.Thread(target=stream)
    asker.start()
    started = time.perf_counter()
    try:
        report = reindex(services, library, started_by="bench", trigger="bench")
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        asker.join()
    return {
        "full_s": elapsed,
        "full_chunks_per_s": report.chunks_embedded / elapsed,
        "questions_during_full": len(answered),
        "failed_questions": len(failures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--reuse", type=Path)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/reindex.json"))
    args = parser.parse_args()

    work = args.reuse or Path(tempfile.mkdtemp(prefix="funnelbot-reindex-bench-"))
    library = work / "content"
    services = Services(Settings(home=work / "home"))
    services.warm_up()
    result: dict[str, float] = {"cores": float(os.cpu_count() or 0)}
    if args.reuse is None:
        write_library(library, args.assets)
        # The floor, measured in this run: encoding exactly the chunks the reindex will embed.
        loaded = load_library(library)
        chunks = [c for item in loaded.items for c in chunk_text(item.title, item.body)]
        started = time.perf_counter()
        services.embedder.encode(chunks)
        result["encode_chunks_per_s"] = len(chunks) / (time.perf_counter() - started)
        result |= full_reindex_under_questions(services, library)

    files = sorted(library.rglob("*.md"))[: args.changed]
    for path in files:
        path.write_text(path.read_text(encoding="utf-8") + "\nUpdated this quarter.\n")
    started = time.perf_counter()
    report = reindex(services, library, started_by="bench", trigger="bench")
    result["incremental_s"] = time.perf_counter() - started
    result["incremental_changed"] = float(report.counts["changed"])
    result["assets"] = float(len(report.unchanged) + len(report.changed) + len(report.added))

    print(f"funnelbot reindex benchmark: {int(result['assets'])} assets, {os.cpu_count()} cores")
    if "full_s" in result:
        print(
            f"  full reindex        {result['full_s']:8.1f} s  "
            f"{result['full_chunks_per_s']:.0f} chunks/s = "
            f"{result['full_chunks_per_s'] / result['encode_chunks_per_s']:.2f}x bare encode "
            f"({result['encode_chunks_per_s']:.0f}/s)   target >= 0.8x, as ingest"
        )
        print(
            f"  questions during it {int(result['questions_during_full']):8d}     "
            f"failed: {int(result['failed_questions'])}   target 0 failed"
        )
    print(
        f"  {int(result['incremental_changed'])} changed           "
        f"{result['incremental_s']:8.2f} s   target < 10 s"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    services.close()


if __name__ == "__main__":
    main()
