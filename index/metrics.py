"""Retrieval-quality metrics over graded relevance judgements."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np


def dcg(gains: Sequence[float]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, float], k: int = 5) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(item, 0.0) for item in ranked[:k]]) / ideal


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, float], k: int = 5) -> float:
    wanted = {item for item, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, float]) -> float:
    for rank, item in enumerate(ranked, start=1):
        if relevant.get(item, 0) > 0:
            return 1.0 / rank
    return 0.0


def mean_interval(
    values: Sequence[float], *, level: float = 0.95, resamples: int = 2000
) -> tuple[float, float] | None:
    """A bootstrap interval for the mean of per-question ``values`` (scipy's percentile
    bootstrap, seeded: the same figures give the same interval); None under two values.

    With a few dozen questions one question's rank moves a mean by a hundredth or more: the
    interval says how far the figure can be trusted. For a paired comparison pass the
    per-question differences.
    """
    if len(values) < 2:
        return None
    from scipy import stats  # ~0.3 s to import: only eval needs it

    result = stats.bootstrap(
        (np.asarray(values, dtype=np.float64),),
        np.mean,
        confidence_level=level,
        n_resamples=resamples,
        method="percentile",
        rng=np.random.default_rng(0),
    )
    low, high = result.confidence_interval
    return float(low), float(high)
