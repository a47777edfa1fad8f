"""Grouping texts by meaning: greedy clustering of unit vectors by cosine similarity.

Pure math over vectors, so it is tested without a model. Used to put paraphrased questions
(content gaps) together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Cosine similarity (all-MiniLM-L6-v2) at which two questions count as asking for the same thing:
# paraphrases score well above it, different topics that share words ("ROI case" vs "SOC 2
# report" for the same industry) well below.
SAME_TOPIC = 0.6


def group_similar(
    vectors: np.ndarray,
    *,
    threshold: float = SAME_TOPIC,
    weights: Sequence[float] | None = None,
) -> list[list[int]]:
    """Group the rows of `vectors` (unit length) whose meaning is close.

    Rows are visited heaviest first (by `weights`, then by position); each joins the group whose
    centroid it is most similar to, if that similarity reaches `threshold`, or starts a new group.
    Returns lists of row positions, each in visiting order, groups in order of creation.
    """
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {vectors.shape}")
    n = vectors.shape[0]
    if weights is not None and len(weights) != n:
        raise ValueError(f"got {len(weights)} weights for {n} vectors")
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold is a cosine similarity in [-1, 1], got {threshold}")
    order = sorted(range(n), key=lambda i: (-(weights[i] if weights is not None else 0.0), i))
    groups: list[list[int]] = []
    sums = np.zeros((0, vectors.shape[1] if n else 0), dtype=np.float64)
    for i in order:
        vector = vectors[i].astype(np.float64)
        if groups:
            norms = np.linalg.norm(sums, axis=1)
            similarity = (sums @ vector) / np.maximum(norms, 1e-12)
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                groups[best].append(i)
                sums[best] += vector
                continue
        groups.append([i])
        sums = np.vstack([sums, vector])
    return groups


def most_central(
    vectors: np.ndarray,
    members: Sequence[int],
    weights: Sequence[float] | None = None,
    *,
    candidates: Sequence[int] | None = None,
) -> int:
    """The member most similar, on (weighted) average, to the group's members: its best label.

    `candidates` (a subset of `members`) limits who may be chosen, e.g. to the common wordings.
    """
    if not members:
        raise ValueError("a group has at least one member")
    pool = list(candidates) if candidates is not None else list(members)
    if not pool or not set(pool) <= set(members):
        raise ValueError("candidates must be members of the group")
    if len(pool) == 1:
        return pool[0]
    w = np.ones(len(members)) if weights is None else np.array([weights[m] for m in members])
    similarity = vectors[pool].astype(np.float64) @ vectors[list(members)].astype(np.float64).T
    return pool[int(np.argmax(similarity @ w))]
