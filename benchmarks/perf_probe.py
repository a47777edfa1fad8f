"""Child processes of benchmarks/perf.py, so that memory and start-up are the bot's alone.

    python -m benchmarks.perf_probe ingest --home H --library L [--backend B] [--changed N]
    python -m benchmarks.perf_probe serve --home H [--backend B] [--questions N]

Each prints one JSON line on stdout; `serve` prints "ready" first, as soon as it could answer.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _peak_rss_mb() -> float:
    # VmHWM belongs to this program's memory map; ru_maxrss would carry over the parent's peak
    # through fork and exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ingest_probe(home: Path, library: Path, backend: str | None, changed: int) -> dict[str, float]:
    from bot.ingest import ingest
    from bot.services import Services
    from bot.settings import Settings

    services = Services(Settings(home=home, embedding_backend=backend or ""))
    services.embedder.load()  # model load is start-up, not ingest throughput
    started = time.perf_counter()
    full = ingest(services, library, trigger="bench")
    full_s = time.perf_counter() - started

    files = sorted(library.rglob("*.md"))[:changed]
    for path in files:
        path.write_text(path.read_text(encoding="utf-8") + "\nUpdated this quarter.\n")
    started = time.perf_counter()
    again = ingest(services, library, trigger="bench")
    incremental_s = time.perf_counter() - started
    services.close()
    return {
        "full_s": full_s,
        "full_chunks": full.chunks_embedded,
        "full_chunks_per_s": full.chunks_embedded / full_s,
        "incremental_s": incremental_s,
        "incremental_changed": len(again.changed),
        "incremental_chunks": again.chunks_embedded,
        "incremental_chunks_per_s": again.chunks_embedded / incremental_s,
        "peak_rss_mb": _peak_rss_mb(),
    }


def serve_probe(home: Path, backend: str | None, count: int) -> dict[str, float]:
    from benchmarks.synthetic import questions
    from bot.recommend import Question, recommend
    from bot.services import Services
    from bot.settings import Settings

    services = Services(Settings(home=home, embedding_backend=backend or ""))
    services.warm_up()
    print("ready", flush=True)
    asked = questions(count)
    for q in asked:
        recommend(services, Question(text=q, source="bench"))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda q: recommend(services, Question(text=q, source="bench")), asked))
    services.close()
    return {"answered": 2 * count, "peak_rss_mb": _peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("probe", choices=["ingest", "serve"])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--library", type=Path)
    parser.add_argument("--backend")
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    if args.probe == "ingest":
        if args.library is None:
            parser.error("ingest needs --library")
        result = ingest_probe(args.home, args.library, args.backend, args.changed)
    else:
        result = serve_probe(args.home, args.backend, args.questions)
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
