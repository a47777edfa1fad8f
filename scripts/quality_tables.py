"""Print docs/quality.md's figure tables: `funnelbot eval --json` on the four sample libraries,
with both models, as Markdown.

Usage: .venv/bin/python scripts/quality_tables.py [--model NAME ...] > tables.md
It only measures (nothing is tuned here). The figures depend a little on the CPU: ONNX Runtime's
integer kernels round differently with and without AVX-512 VNNI, so the heading names the
instruction set the run had.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNNELBOT = Path(sys.executable).parent / "funnelbot"
LIBRARIES = (
    ("examples", "development set, tuned on"),
    ("examples/servolta", "development set, tuned on"),
    ("examples/invoxa", "development set, tuned on"),
    ("holdout", "test set, never tuned on"),
)
MODELS = ("all-MiniLM-L6-v2", "multilingual-e5-small")


def instruction_set() -> str:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return "unknown CPU"
    for name in ("avx512_vnni", "avx512f", "avx2"):
        if name in flags:
            return name.upper()
    return "no AVX2"


def evaluate(folder: str, model: str) -> dict:
    library = ROOT / folder
    command = [str(FUNNELBOT), "eval", str(library / "content"), str(library / "questions.jsonl")]
    env = {**os.environ, "FUNNELBOT_EMBEDDING_MODEL": model}
    done = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"error: {' '.join(command)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def interval(bounds: list[float] | None, form: str) -> str:
    return f"[{form.format(bounds[0])}, {form.format(bounds[1])}]" if bounds else "–"


def table(report: dict) -> list[str]:
    lines = [
        "| questions | funnelbot (95% CI) | plain hybrid | dense only | BM25 only "
        "| over the best plain (95% CI) | recall@5 | MRR@5 | stage right (95% CI) | ECE "
        "| weak flag P / R |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    slices = report["slices"]
    for name in [*(n for n in slices if n != "all"), "all"]:
        s = slices[name]
        systems, gain, weak = s["systems"], s["over_best_baseline"], s["weak_match"]
        ours = systems["funnelbot"]
        lines.append(
            f"| {name} ({s['questions_ranked']} ranked, {s['stage_questions']} with a stage) "
            f"| **{ours['ndcg@5']:.3f}** {interval(ours['ndcg@5_ci95'], '{:.2f}')} "
            f"| {systems['fused']['ndcg@5']:.3f} | {systems['dense']['ndcg@5']:.3f} "
            f"| {systems['lexical']['ndcg@5']:.3f} "
            f"| {gain['ndcg@5']:+.3f} {interval(gain['ci95'], '{:+.2f}')} "
            f"| {ours['recall@5']:.3f} | {ours['mrr@5']:.3f} "
            f"| {s['stage_accuracy']:.1%} {interval(s['stage_accuracy_ci95'], '{:.0%}')} "
            f"| {s['ece']:.3f} | {weak['precision']:.2f} / {weak['recall']:.2f} |"
        )
    return lines


def reliability(report: dict) -> str:
    bins = report["slices"]["all"]["reliability"]
    return "Stage reliability (all questions): " + "; ".join(
        f"{b['low']:.1f}–{b['high']:.1f}: {b['count']} questions, mean confidence "
        f"{b['confidence']:.2f}, right {b['right']:.2f}"
        for b in bins
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", choices=MODELS, help="default: both")
    models = parser.parse_args().model or list(MODELS)
    print(f"Measured on {os.cpu_count()} cores with {instruction_set()}.\n")
    for model in models:
        for folder, role in LIBRARIES:
            print(f"### `{folder}/` ({role}), `{model}`\n")
            report = evaluate(folder, model)
            print("\n".join(table(report)) + "\n\n" + reliability(report) + "\n", flush=True)


if __name__ == "__main__":
    main()
