"""Child processes of benchmarks/perf.py, so that memory and start-up are the bot's alone.

    python -m benchmarks.perf_probe ingest --home H --library L [--backend B]
    python -m benchmarks.perf_probe serve --home H [--backend B] [--questions N]
                                          [--library L --changed N]

Each prints one JSON line on stdout; `serve` prints "ready" first, as soon as it could answer,
and with --library reindexes N changed files after answering (the bot's /reindex).
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


def ingest_probe(home: Path, library: Path, backend: str | None) -> dict[str, float]:
    """A full ingest of a new library, in a process of its own, as `funnelbot ingest` runs."""
    from bot.ingest import ingest
    from bot.services import Services
    from bot.settings import Settings

    services = Services(Settings(home=home, embedding_backend=backend or ""))
    services.embedder.load()  # model load is start-up, not ingest throughput
    started = time.perf_counter()
    full = ingest(services, library, trigger="bench")
    full_s = time.perf_counter() - started
    services.close()
    return {
        "full_s": full_s,
        "full_chunks": full.chunks_embedded,
        "full_chunks_per_s": full.chunks_embedded / full_s,
        "peak_rss_mb": _peak_rss_mb(),
    }


def serve_probe(
    home: Path, backend: str | None, count: int, library: Path | None, changed: int
) -> dict[str, float]:
    """Answer questions, one at a time and eight at once; then, if given a library, change
    ``changed`` of its files and reindex in this process, as `/reindex` does in the bot."""
    from benchmarks.synthetic import questions
    from bot.ingest import ingest
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
    result = {"answered": 2 * count, "peak_rss_mb": _peak_rss_mb()}
    if library is not None:
        for path in sorted(library.rglob("*.md"))[:changed]:
            path.write_text(path.read_text(encoding="utf-8") + "\nUpdated this quarter.\n")
        started = time.perf_counter()
        again = ingest(services, library, trigger="bench")
        seconds = time.perf_counter() - started
        result |= {
            "reindex_s": seconds,
            "reindex_changed": len(again.changed),
            "reindex_chunks": again.chunks_embedded,
            "reindex_chunks_per_s": again.chunks_embedded / seconds,
            "reindex_peak_rss_mb": _peak_rss_mb(),
        }
    services.close()
    return result


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
        result = ingest_probe(args.home, args.library, args.backend)
    else:
        result = serve_probe(args.home, args.backend, args.questions, args.library, args.changed)
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
