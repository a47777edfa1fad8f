"""Choose the ranking and stage constants on the development set (examples/) only.

Usage: .venv/bin/python scripts/tune_ranking.py [LIBRARY QUESTIONS]
Prints the best settings found by a coarse grid, and the figures at the settings in force. Never
run it on the test library (holdout/): its figures must stay an honest measure.
"""

from __future__ import annotations

import itertools
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import index.ranking as ranking
import index.stage as stage_module
from bot.evaluate import read_questions
from bot.ingest import ingest
from bot.services import Services
from bot.settings import Settings
from index.metrics import ndcg_at_k
from index.stage import stage_named_in
from index.stage_training import expected_calibration_error


def main() -> None:
    library = Path(sys.argv[1]) if len(sys.argv) > 2 else Path("examples/content")
    questions_path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("examples/questions.jsonl")
    if "holdout" in str(library) or "holdout" in str(questions_path):
        sys.exit("error: the test library is never tuned on")
    questions = [q for q in read_questions(questions_path) if not q.vague]
    with tempfile.TemporaryDirectory() as home:
        services = Services(Settings(home=Path(home)))
        ingest(services, library, trigger="tune")
        searcher = services.searcher()
        vectors = [services.embedder.encode_query(q.question) for q in questions]

        def stage_figures() -> tuple[float, float, list]:
            decided = []
            for q, v in zip(questions, vectors, strict=True):
                named = stage_named_in(q.question, searcher.vocabulary.stage_phrases)
                if named:
                    decided.append((named[0], 1.0))
                    continue
                candidates = searcher.retrieve(q.question, query_vector=v)
                guess = searcher.infer_stage(v, candidates, q.question)
                decided.append((guess.stage, guess.confidence))
            hits = [s == q.stage for (s, _), q in zip(decided, questions, strict=True)]
            ece = expected_calibration_error([c for _, c in decided], hits)
            return sum(hits) / len(hits), ece, decided

        best_stage = None
        for weight, depth, prior in itertools.product(
            (0.0, 0.25, 0.5, 0.75, 1.0), (3, 5, 8), (0.25, 0.5, 1.0)
        ):
            stage_module.LIBRARY_EVIDENCE_WEIGHT = weight
            stage_module.LIBRARY_EVIDENCE_DEPTH = depth
            stage_module.LIBRARY_EVIDENCE_PRIOR = prior
            accuracy, ece, _ = stage_figures()
            key = (round(accuracy, 3), -round(ece, 3))
            if best_stage is None or key > best_stage[0]:
                best_stage = (key, weight, depth, prior, accuracy, ece)
        assert best_stage is not None
        print(
            f"stage: evidence weight {best_stage[1]}, depth {best_stage[2]}, prior "
            f"{best_stage[3]}: accuracy {best_stage[4]:.3f}, ECE {best_stage[5]:.3f}"
        )
        _, stage_module.LIBRARY_EVIDENCE_WEIGHT, stage_module.LIBRARY_EVIDENCE_DEPTH = best_stage[
            :3
        ]
        stage_module.LIBRARY_EVIDENCE_PRIOR = best_stage[3]
        _, _, decided = stage_figures()

        # The temperature over the combined stage probabilities: least log loss on the questions
        # whose stage is inferred (argmax, hence accuracy, does not depend on it).
        inferred = [
            (q, v)
            for q, v in zip(questions, vectors, strict=True)
            if not stage_named_in(q.question, searcher.vocabulary.stage_phrases)
        ]

        def log_loss(temperature: float) -> float:
            total = 0.0
            for q, v in inferred:
                candidates = searcher.retrieve(q.question, query_vector=v)
                model = searcher.stage_model
                assert model is not None
                ranked_stages = [searcher.assets[c.asset_id].stages for c in candidates]
                p = stage_module.combine(
                    model.probabilities(v, q.question),
                    stage_module.library_evidence(ranked_stages, model.classes),
                    temperature=temperature,
                )
                total -= math.log(max(1e-9, float(p[list(model.classes).index(q.stage)])))
            return total / len(inferred)

        temperatures = (0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5)
        losses = {t: log_loss(t) for t in temperatures}
        stage_module.COMBINED_TEMPERATURE = min(temperatures, key=losses.__getitem__)
        print(
            f"stage: COMBINED_TEMPERATURE = {stage_module.COMBINED_TEMPERATURE} "
            f"(log loss {losses[stage_module.COMBINED_TEMPERATURE]:.3f}; at 1.0: {losses[1.0]:.3f})"
        )
        _, _, decided = stage_figures()

        ranked_questions = [
            (q, v, d) for q, v, d in zip(questions, vectors, decided, strict=True) if q.answerable
        ]

        def ndcg() -> float:
            total = 0.0
            for q, v, (s, c) in ranked_questions:
                candidates = searcher.retrieve(q.question, query_vector=v)
                ranked = searcher.rank(candidates, searcher.read_query(q.question, s, c), k=5)
                total += ndcg_at_k([r.asset_id for r in ranked], q.relevant, 5)
            return total / len(ranked_questions)

        grid = {
            "RRF_K": (5, 10, 30, 60),
            "STAGE_WEIGHT": (0.0, 0.1, 0.25, 0.4),
            "STAGE_ONE_OFF": (0.0, 0.3, 1.0),
            "COMPETITOR_BONUS": (0.0, 0.15, 0.3),
            "TYPE_BONUS": (0.0, 0.15, 0.3),
            "TAG_BONUS": (0.0, 0.08, 0.15),
            "SAME_TYPE_PENALTY": (0.0, 0.05, 0.1),
        }
        # Coordinate ascent from the settings in force: a few passes over one constant at a time.
        print(f"in force: nDCG@5 {ndcg():.3f}")
        for _ in range(2):
            for name, values in grid.items():
                scores = {}
                for value in values:
                    setattr(ranking, name, value)
                    scores[value] = ndcg()
                best = max(values, key=lambda v: (round(scores[v], 4), -values.index(v)))
                setattr(ranking, name, best)
                print(f"  {name} = {best}: nDCG@5 {scores[best]:.3f}")
        print("best:", {name: getattr(ranking, name) for name in grid})

        # The weak-match model: logistic regression on the labelled questions with and without
        # a good asset (index.match_quality); leave-one-out figures say how it generalises.
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import LeaveOneOut, cross_val_predict

        features, gaps = [], []
        for q, v, (s, c) in zip(questions, vectors, decided, strict=True):
            ranked = searcher.rank(
                searcher.retrieve(q.question, query_vector=v),
                searcher.read_query(q.question, s, c),
                k=5,
            )
            evidence = searcher.match_evidence(q.question, ranked)
            features.append(evidence.features() if evidence else (0.0, 0.0, 0.0))
            gaps.append(not q.answerable)
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
        held_out = cross_val_predict(model, features, gaps, cv=LeaveOneOut())
        tp = sum(p and g for p, g in zip(held_out, gaps, strict=True))
        print(
            f"weak match, leave-one-out: precision {tp / max(1, sum(held_out)):.2f}, "
            f"recall {tp / max(1, sum(gaps)):.2f}"
        )
        model.fit(features, gaps)
        print(
            f"WEAK_BIAS = {model.intercept_[0]:.3f}\n"
            f"WEAK_WEIGHTS = {tuple(round(float(w), 3) for w in model.coef_[0])}"
        )
        services.close()


if __name__ == "__main__":
    main()
