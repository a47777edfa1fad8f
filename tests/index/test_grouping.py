"""Greedy grouping of unit vectors: close ones together, distant ones apart, heaviest first."""

from __future__ import annotations

import numpy as np
import pytest

from index.grouping import group_similar, most_central


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_close_vectors_share_a_group_and_distant_ones_do_not() -> None:
    vectors = np.stack(
        [unit(1, 0.1, 0), unit(0, 1, 0), unit(1, 0.15, 0.05), unit(0.05, 1, 0.1), unit(0, 0, 1)]
    )

    groups = group_similar(vectors, threshold=0.9)

    assert sorted(sorted(g) for g in groups) == [[0, 2], [1, 3], [4]]


def test_heaviest_vector_seeds_the_first_group() -> None:
    vectors = np.stack([unit(1, 0), unit(0, 1), unit(0.99, 0.1)])

    groups = group_similar(vectors, threshold=0.9, weights=[1, 1, 5])

    assert groups[0] == [2, 0]
    assert groups[1] == [1]


def test_a_vector_joins_the_most_similar_group_not_the_first() -> None:
    vectors = np.stack([unit(1, 0), unit(0, 1), unit(0.3, 1)])

    groups = group_similar(vectors, threshold=0.2)  # both groups are above it for the last one

    assert groups == [[0], [1, 2]]


def test_threshold_one_keeps_every_distinct_vector_alone() -> None:
    vectors = np.stack([unit(1, 0), unit(1, 0.01), unit(0, 1)])
    assert len(group_similar(vectors, threshold=1.0)) == 3


def test_empty_input_has_no_groups() -> None:
    assert group_similar(np.zeros((0, 4), dtype=np.float32)) == []


def test_bad_arguments_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="2-D"):
        group_similar(np.zeros(3))
    with pytest.raises(ValueError, match="weights"):
        group_similar(np.stack([unit(1, 0)]), weights=[1, 2])
    with pytest.raises(ValueError, match="threshold"):
        group_similar(np.stack([unit(1, 0)]), threshold=2)


def test_most_central_member_is_the_one_closest_to_the_rest() -> None:
    vectors = np.stack([unit(1, 0.4), unit(1, 0), unit(1, -0.4), unit(0, 1)])

    assert most_central(vectors, [0, 1, 2]) == 1
    assert most_central(vectors, [3]) == 3
    # Weight pulls the label toward the most asked wording.
    assert most_central(vectors, [0, 1, 2], weights=[10, 1, 1, 1]) == 0


def test_label_candidates_limit_who_may_be_chosen() -> None:
    vectors = np.stack([unit(1, 0.4), unit(1, 0), unit(1, -0.4)])

    assert most_central(vectors, [0, 1, 2], candidates=[0, 2]) in (0, 2)
    with pytest.raises(ValueError, match="candidates"):
        most_central(vectors, [0, 1], candidates=[2])
