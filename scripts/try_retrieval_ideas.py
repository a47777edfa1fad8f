"""Ideas measured on the development sets and not kept, so that their figures can be rerun.

Usage:
    .venv/bin/python scripts/try_retrieval_ideas.py prf            # dense pseudo-relevance feedback
    .venv/bin/python scripts/try_retrieval_ideas.py weak-phrases   # phrase-level weak-match signals

``prf`` moves the question's vector towards the mean of its first k passages (Rocchio) and
searches again, for a few weights and depths, with the feedback taken from the dense list or
from funnelbot's fused one. ``weak-phrases`` adds to the weak-match model's five signals how
well the library covers each pair of the question's consecutive content words (the best cosine
of any passage to the pair) and each word (its best cosine among the three best answers), and
reports leave-one-out and leave-one-library-out precision and recall as scripts/tune_ranking.py
does. Both read the development libraries only (scripts/tune_ranking.py refuses holdout/).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import numpy as np
import tune_ranking as tune

import index.search as search_module
from index.filler import content_words
from index.match_quality import NO_EVIDENCE
from index.metrics import ndcg_at_k


def mean_ndcg(labelled: list[tune.Labelled]) -> tuple[float, dict[str, float]]:
    """nDCG@5 over each library's answerable questions, and the mean of the libraries."""
    per: dict[str, list[float]] = {}
    for item in labelled:
        if item.question.answerable:
            ranked = [r.asset_id for r in tune.ranked(item)]
            per.setdefault(item.library, []).append(ndcg_at_k(ranked, item.question.relevant, 5))
    means = {library: float(np.mean(scores)) for library, scores in per.items()}
    return float(np.mean(list(means.values()))), means


def try_prf(labelled: list[tune.Labelled]) -> None:
    original: Callable[..., Any] = search_module.HybridSearcher.retrieve
    setting = {"weight": 0.0, "depth": 3, "source": "dense"}

    def retrieve(self: Any, question: str, *, mode: Any = None, query_vector: Any = None) -> Any:
        mode = mode or search_module.SearchMode.HYBRID
        plain = original(self, question, mode=mode, query_vector=query_vector)
        if not setting["weight"] or mode is not search_module.SearchMode.HYBRID:
            return plain
        if setting["source"] == "dense":
            ids = [c for c, _ in self.vectors.search(query_vector, setting["depth"])]
        else:
            ids = [c.chunk_id for c in plain[: setting["depth"]]]
        moved = query_vector + setting["weight"] * self.vectors.reconstruct_many(ids).mean(0)
        moved = (moved / np.linalg.norm(moved)).astype(np.float32)
        return original(self, question, mode=mode, query_vector=moved)

    search_module.HybridSearcher.retrieve = retrieve  # type: ignore[method-assign]
    try:
        for source in ("dense", "fused"):
            for weight, depth in ((0.0, 3), (0.3, 3), (0.5, 3), (1.0, 3), (0.5, 5), (0.5, 1)):
                setting.update(weight=weight, depth=depth, source=source)
                mean, per = mean_ndcg(labelled)
                libraries = ", ".join(f"{name} {value:.3f}" for name, value in per.items())
                print(f"{source:5s} weight {weight} depth {depth}: nDCG@5 {mean:.4f} ({libraries})")
    finally:
        search_module.HybridSearcher.retrieve = original  # type: ignore[method-assign]


def phrase_signals(item: tune.Labelled) -> list[float]:
    searcher = item.searcher
    words = content_words(item.question.question)
    if not words:
        return [0.0, 0.0, 0.0]
    pairs = [" ".join(words[i : i + 2]) for i in range(max(1, len(words) - 1))]

    def best_anywhere(text: str) -> float:
        hits = searcher.vectors.search(searcher.embedder.encode_query(text), 1)
        return hits[0][1] if hits else 0.0

    pair_cover = [best_anywhere(p) for p in pairs]
    answers = [r.chunk_id for r in tune.ranked(item)[:3]]
    if answers:
        passages = searcher.vectors.reconstruct_many(answers)
        word_vectors = np.stack([searcher.embedder.encode_query(w) for w in words])
        word_cover = (word_vectors @ passages.T).max(axis=1)
    else:
        word_cover = np.zeros(len(words))
    return [min(pair_cover), float(np.mean(pair_cover)), float(word_cover.min())]


def try_weak_phrases(labelled: list[tune.Labelled]) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut, cross_val_predict

    base, extra, gaps, groups = [], [], [], []
    for item in labelled:
        evidence = item.searcher.match_evidence(item.question.question, tune.ranked(item))
        base.append(list(evidence.features() if evidence else NO_EVIDENCE))
        extra.append(phrase_signals(item))
        gaps.append(not item.question.answerable)
        groups.append(item.library)
    y = np.array(gaps)

    def best_point(p: np.ndarray) -> tuple[float, float, float]:
        def pr(above: float) -> tuple[float, float]:
            flagged = p > above
            hits = int((flagged & y).sum())
            return hits / max(1, int(flagged.sum())), hits / max(1, int(y.sum()))

        thresholds = [round(0.3 + 0.02 * i, 2) for i in range(31)]
        above = max(thresholds, key=lambda t: (round(min(pr(t)), 3), -abs(t - 0.5)))
        return (above, *pr(above))

    names = ["pair coverage (worst)", "pair coverage (mean)", "word coverage in answers (worst)"]
    trials = [("the five signals", []), *((f"+ {name}", [i]) for i, name in enumerate(names))]
    for label, columns in trials:
        x = np.array([b + [e[i] for i in columns] for b, e in zip(base, extra, strict=True)])
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        loo = cross_val_predict(model, x, y, cv=LeaveOneOut(), method="predict_proba")[:, 1]
        lolo = cross_val_predict(
            model, x, y, cv=LeaveOneGroupOut(), groups=groups, method="predict_proba"
        )[:, 1]
        (t1, p1, r1), (t2, p2, r2) = best_point(loo), best_point(lolo)
        print(
            f"{label}: leave-one-out P {p1:.2f} R {r1:.2f} (at {t1}); "
            f"leave-one-library-out P {p2:.2f} R {r2:.2f} (at {t2})"
        )


def main() -> None:
    ideas = {"prf": try_prf, "weak-phrases": try_weak_phrases}
    if len(sys.argv) != 2 or sys.argv[1] not in ideas:
        sys.exit(f"usage: try_retrieval_ideas.py {{{'|'.join(ideas)}}}")
    with ExitStack() as stack:
        labelled = tune.load(stack, tune.development_sets([]))
        tune.decide_stages(labelled)
        ideas[sys.argv[1]](labelled)


if __name__ == "__main__":
    main()
