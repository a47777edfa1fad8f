"""Core engine benchmark: ingest and `ask` on a synthetic library, each beside the model's floor.

    python -m benchmarks.core [--assets 10000] [--questions 200]

Prints a table with the machine's core count and writes benchmarks/results/core.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.synthetic import questions, write_library
from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings
from content_store.loaders import load_library
from index.chunking import chunk_text


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed_ms(fn, *args, **kwargs) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/core.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="funnelbot-bench-"))
    library = work / "content"
    write_library(library, args.assets)
    # The configured backend (FUNNELBOT_EMBEDDING_BACKEND; default: the bundled model's default).
    settings = replace(Settings.from_env(), home=work / "home", database_url="")
    services = Services(settings)
    embedder = services.embedder
    embedder.load()

    # Floor for ingest: encoding exactly the chunks ingest will embed, nothing else.
    loaded = load_library(library)
    chunks = [c for item in loaded.items for c in chunk_text(item.title, item.body)]
    embedder.encode(chunks[:64])  # warm-up
    encode_ms, _ = timed_ms(embedder.encode, chunks)
    bare_rate = len(chunks) / (encode_ms / 1000)

    first_ms, report = timed_ms(ingest, services, library)
    ingest_rate = report.chunks_embedded / (first_ms / 1000)  # type: ignore[attr-defined]
    again_ms, _ = timed_ms(ingest, services, library)

    asked = questions(args.questions)
    for q in asked[:10]:  # warm-up: caches, allocator, first-call costs
        recommend(services, Question(text=q))
        embedder.encode_query(q)
    bare = [timed_ms(embedder.encode_query, q)[0] for q in asked]
    answers = [timed_ms(recommend, services, Question(text=q))[0] for q in asked]

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "cores": os.cpu_count(),
        "assets": args.assets,
        "chunks": len(chunks),
        "ask_p50_ms": statistics.median(answers),
        "ask_p99_ms": percentile(answers, 0.99),
        "encode_question_p50_ms": statistics.median(bare),
        "encode_question_p99_ms": percentile(bare, 0.99),
        "ingest_chunks_per_s": ingest_rate,
        "encode_chunks_per_s": bare_rate,
        "first_ingest_s": first_ms / 1000,
        "reingest_unchanged_s": again_ms / 1000,
        "peak_rss_mb": peak_mb,
    }
    floor50 = result["encode_question_p50_ms"]
    rows = [
        (
            "ask p50",
            f"{result['ask_p50_ms']:.1f} ms",
            f"{result['ask_p50_ms'] / floor50:.2f}x encode p50",
            "<= 2x",
            result["ask_p50_ms"] <= 2 * floor50,
        ),
        (
            "ask p99",
            f"{result['ask_p99_ms']:.1f} ms",
            f"{result['ask_p99_ms'] / floor50:.2f}x encode p50",
            "<= 4x",
            result["ask_p99_ms"] <= 4 * floor50,
        ),
        (
            "encode question",
            f"{floor50:.1f} ms p50",
            f"{result['encode_question_p99_ms']:.1f} ms p99",
            "",
            None,
        ),
        (
            "ingest",
            f"{ingest_rate:.0f} chunks/s",
            f"{ingest_rate / bare_rate:.2f}x encode ({bare_rate:.0f}/s)",
            ">= 0.8x",
            ingest_rate >= 0.8 * bare_rate,
        ),
        (
            "re-ingest unchanged",
            f"{again_ms / 1000:.2f} s",
            f"{first_ms / again_ms:.0f}x faster than first ({first_ms / 1000:.1f} s)",
            ">= 20x",
            first_ms >= 20 * again_ms,
        ),
        ("peak RSS", f"{peak_mb:.0f} MB", "", "", None),
    ]
    print(
        f"funnelbot core benchmark ({settings.embedding_backend}): {args.assets} assets, "
        f"{len(chunks)} chunks, {len(asked)} questions, {os.cpu_count()} cores"
    )
    for name, value, ratio, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        aim = f"target {target}" if target else ""
        print(f"  {name:<22} {value:>16}  {ratio:<44} {aim:<15} {verdict}".rstrip())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    services.close()


if __name__ == "__main__":
    main()
