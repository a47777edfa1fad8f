"""Choose the ranking and stage constants on the development sets (under examples/) only.

Usage: .venv/bin/python scripts/tune_ranking.py [LIBRARY QUESTIONS ...]
Without arguments it reads every development library: examples/content with
examples/questions.jsonl, and each examples/*/content with its questions.jsonl. Every figure is
the mean over all their questions, so no one library's voice decides a constant. Prints the best
settings found by a coarse grid, and the figures at the settings in force. Never run it on the
test library (holdout/): its figures must stay an honest measure.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import index.ranking as ranking
import index.stage as stage_module
from bot.evaluate import LabelledQuestion, read_questions
from bot.ingest import ingest
from bot.services import Services
from bot.settings import DEFAULT_MODEL, Settings
from content_store.stage import Stage
from index.match_quality import NO_EVIDENCE
from index.metrics import ndcg_at_k
from index.search import HybridSearcher
from index.stage import stage_named_in
from index.stage_training import expected_calibration_error

ROOT = Path(__file__).resolve().parent.parent


def development_sets(argv: list[str]) -> list[tuple[Path, Path]]:
    if argv:
        if len(argv) % 2:
            sys.exit("error: give LIBRARY QUESTIONS pairs")
        pairs = [(Path(a), Path(b)) for a, b in zip(argv[::2], argv[1::2], strict=True)]
    else:
        examples = ROOT / "examples"
        pairs = [(examples / "content", examples / "questions.jsonl")]
        pairs += [
            (d / "content", d / "questions.jsonl")
            for d in sorted(examples.iterdir())
            if (d / "content").is_dir() and (d / "questions.jsonl").is_file()
        ]
    if any("holdout" in str(p) for pair in pairs for p in pair):
        sys.exit("error: the test library is never tuned on")
    return pairs


@dataclass
class Labelled:
    """One question of a development set, with the searcher of its own library."""

    library: str
    question: LabelledQuestion
    searcher: HybridSearcher
    vector: np.ndarray
    stage: tuple[Stage | None, float] = (None, 0.0)


def load(stack: ExitStack, pairs: list[tuple[Path, Path]]) -> list[Labelled]:
    labelled: list[Labelled] = []
    for library, questions_path in pairs:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        # FUNNELBOT_EMBEDDING_MODEL picks the model, as for the bot; the constants ship for the
        # default one.
        model = os.environ.get("FUNNELBOT_EMBEDDING_MODEL") or DEFAULT_MODEL
        services = Services(Settings(home=home, embedding_model=model))
        stack.callback(services.close)
        ingest(services, library, trigger="tune")
        searcher = services.searcher()
        questions = [q for q in read_questions(questions_path) if not q.vague]
        labelled += [
            Labelled(library.parent.name, q, searcher, services.embedder.encode_query(q.question))
            for q in questions
        ]
        print(f"{library}: {len(questions)} questions")
    return labelled


def grid_search(names: dict[str, tuple], module: object, score: Callable[[], float]) -> None:
    """Coordinate ascent from the settings in force: a few passes over one constant at a time."""
    for _ in range(2):
        for name, values in names.items():
            scores = {}
            for value in values:
                setattr(module, name, value)
                scores[value] = score()
            best = max(values, key=lambda v: (round(scores[v], 4), -values.index(v)))
            setattr(module, name, best)
            print(f"  {name} = {best}: {scores[best]:.3f}")


def decide_stages(labelled: list[Labelled]) -> tuple[float, float]:
    """Each question's stage as the bot would decide it; returns accuracy and ECE."""
    for item in labelled:
        q, searcher = item.question, item.searcher
        named = stage_named_in(q.question, searcher.vocabulary.stage_phrases)
        if named:
            item.stage = (named[0], 1.0)
            continue
        candidates = searcher.retrieve(q.question, query_vector=item.vector)
        guess = searcher.infer_stage(item.vector, candidates, q.question)
        item.stage = (guess.stage, guess.confidence)
    hits = [item.stage[0] == item.question.stage for item in labelled]
    ece = expected_calibration_error([item.stage[1] for item in labelled], hits)
    return sum(hits) / len(hits), ece


def by_library(labelled: list[Labelled], score: Callable[[Labelled], float]) -> str:
    """The mean of ``score`` per library and language, for the printout."""
    groups: dict[str, list[float]] = {}
    for item in labelled:
        groups.setdefault(f"{item.library}/{item.question.lang}", []).append(score(item))
    return ", ".join(f"{name} {sum(v) / len(v):.3f}" for name, v in sorted(groups.items()))


def tune_stage(labelled: list[Labelled]) -> None:
    best = None
    for weight, depth, prior in itertools.product(
        (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0), (1, 2, 3, 5, 8), (0.1, 0.25, 0.5, 1.0)
    ):
        stage_module.LIBRARY_EVIDENCE_WEIGHT = weight
        stage_module.LIBRARY_EVIDENCE_DEPTH = depth
        stage_module.LIBRARY_EVIDENCE_PRIOR = prior
        accuracy, ece = decide_stages(labelled)
        key = (round(accuracy, 3), -round(ece, 3))
        if best is None or key > best[0]:
            best = (key, weight, depth, prior, accuracy, ece)
    assert best is not None
    _, weight, depth, prior, accuracy, ece = best
    print(f"stage: evidence weight {weight}, depth {depth}, prior {prior}: ", end="")
    print(f"accuracy {accuracy:.3f}, ECE {ece:.3f}")
    stage_module.LIBRARY_EVIDENCE_WEIGHT = weight
    stage_module.LIBRARY_EVIDENCE_DEPTH = depth
    stage_module.LIBRARY_EVIDENCE_PRIOR = prior

    # The temperature over the combined stage probabilities: least log loss on the questions
    # whose stage is inferred (argmax, hence accuracy, does not depend on it).
    inferred = [
        item
        for item in labelled
        if item.question.stage is not None
        and not stage_named_in(item.question.question, item.searcher.vocabulary.stage_phrases)
    ]

    def log_loss(temperature: float) -> float:
        total = 0.0
        for item in inferred:
            q, searcher = item.question, item.searcher
            candidates = searcher.retrieve(q.question, query_vector=item.vector)
            model = searcher.stage_model
            assert model is not None
            ranked_stages = [searcher.assets[c.asset_id].stages for c in candidates]
            p = stage_module.combine(
                model.probabilities(item.vector, q.question),
                stage_module.library_evidence(ranked_stages, model.classes),
                temperature=temperature,
            )
            assert q.stage is not None
            total -= math.log(max(1e-9, float(p[list(model.classes).index(q.stage)])))
        return total / len(inferred)

    temperatures = (0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.25, 2.5, 2.75, 3.0, 3.5)
    losses = {t: log_loss(t) for t in temperatures}
    stage_module.COMBINED_TEMPERATURE = min(temperatures, key=losses.__getitem__)
    print(
        f"stage: COMBINED_TEMPERATURE = {stage_module.COMBINED_TEMPERATURE} "
        f"(log loss {losses[stage_module.COMBINED_TEMPERATURE]:.3f}; at 1.0: {losses[1.0]:.3f})"
    )
    accuracy, ece = decide_stages(labelled)
    print(f"stage at the chosen settings: accuracy {accuracy:.3f}, ECE {ece:.3f}")
    print("  " + by_library(labelled, lambda item: float(item.stage[0] == item.question.stage)))


def ranked(item: Labelled, k: int = 5) -> list:
    q, searcher = item.question, item.searcher
    candidates = searcher.retrieve(q.question, query_vector=item.vector)
    stage, confidence = item.stage
    return searcher.rank(candidates, searcher.read_query(q.question, stage, confidence), k=k)


def tune_ranking(labelled: list[Labelled]) -> None:
    answerable = [item for item in labelled if item.question.answerable]

    def ndcg() -> float:
        return sum(
            ndcg_at_k([r.asset_id for r in ranked(item)], item.question.relevant, 5)
            for item in answerable
        ) / len(answerable)

    print(f"in force: nDCG@5 {ndcg():.3f}")
    grid = {
        "RRF_K": (5, 10, 30, 60),
        "DENSE_WEIGHT": (0.6, 0.8, 1.0, 1.2, 1.4),
        "STAGE_WEIGHT": (0.0, 0.1, 0.25, 0.4),
        "STAGE_ONE_OFF": (0.0, 0.3, 1.0),
        "COMPETITOR_BONUS": (0.0, 0.15, 0.3),
        "TYPE_BONUS": (0.0, 0.15, 0.3),
        "TAG_BONUS": (0.0, 0.08, 0.15),
        "SAME_TYPE_PENALTY": (0.0, 0.05, 0.1),
    }
    grid_search(grid, ranking, ndcg)
    print("best:", {name: getattr(ranking, name) for name in grid})
    print(
        "  "
        + by_library(
            answerable,
            lambda item: ndcg_at_k([r.asset_id for r in ranked(item)], item.question.relevant, 5),
        )
    )


def tune_weak_match(labelled: list[Labelled]) -> None:
    """Logistic regression on the labelled questions with and without a good asset
    (index.match_quality); leave-one-out figures say how it generalises."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneOut, cross_val_predict

    features, gaps = [], []
    for item in labelled:
        evidence = item.searcher.match_evidence(item.question.question, ranked(item))
        features.append(evidence.features() if evidence else NO_EVIDENCE)
        gaps.append(not item.question.answerable)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    held_out = cross_val_predict(model, features, gaps, cv=LeaveOneOut(), method="predict_proba")
    p_weak = [float(row[1]) for row in held_out]

    def precision_recall(above: float) -> tuple[float, float]:
        flagged = [p > above for p in p_weak]
        tp = sum(f and g for f, g in zip(flagged, gaps, strict=True))
        return tp / max(1, sum(flagged)), tp / max(1, sum(gaps))

    # The threshold where left-one-out precision and recall are closest to each other, both
    # as high as they get: a gap report should neither cry wolf nor miss much.
    thresholds = [round(0.3 + 0.02 * i, 2) for i in range(31)]
    above = max(thresholds, key=lambda t: (round(min(precision_recall(t)), 3), -abs(t - 0.5)))
    for label, t in (("at 0.5", 0.5), (f"at {above}", above)):
        precision, recall = precision_recall(t)
        print(f"weak match, leave-one-out, {label}: precision {precision:.2f}, recall {recall:.2f}")
    model.fit(features, gaps)
    print(
        f"WEAK_BIAS = {model.intercept_[0]:.3f}\n"
        f"WEAK_WEIGHTS = {tuple(round(float(w), 3) for w in model.coef_[0])}\n"
        f"WEAK_ABOVE = {above}"
    )


def main() -> None:
    pairs = development_sets(sys.argv[1:])
    with ExitStack() as stack:
        labelled = load(stack, pairs)
        tune_stage(labelled)
        tune_ranking(labelled)
        tune_weak_match(labelled)


if __name__ == "__main__":
    main()
