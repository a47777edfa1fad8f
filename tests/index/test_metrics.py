"""Retrieval-quality metrics, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from index.metrics import dcg, mean_interval, ndcg_at_k, recall_at_k, reciprocal_rank


def test_dcg_discounts_each_gain_by_log2_of_its_rank_plus_one() -> None:
    # Gains 3, 0, 1 at ranks 1..3: (2^3-1)/log2(2) + 0 + (2^1-1)/log2(4) = 7 + 0.5.
    assert dcg([3, 0, 1]) == pytest.approx(7.5)
    assert dcg([]) == 0.0


def test_ndcg_at_5_matches_a_hand_computed_value() -> None:
    ranked = ["a", "b", "c", "d", "e", "f"]
    relevant = {"a": 2, "c": 1, "x": 1}
    # DCG: a at rank 1 (2^2-1)/1 = 3, c at rank 3 (2-1)/log2(4) = 0.5.
    # Ideal: gains 2, 1, 1 at ranks 1..3: 3 + 1/log2(3) + 1/2.
    expected = 3.5 / (3 + 1 / math.log2(3) + 0.5)

    assert ndcg_at_k(ranked, relevant, k=5) == pytest.approx(expected)


def test_ndcg_is_one_for_the_ideal_order_and_lower_when_swapped() -> None:
    relevant = {"a": 3, "b": 1}

    assert ndcg_at_k(["a", "b", "z"], relevant) == pytest.approx(1.0)
    # Swapped: 1 + 7/log2(3) over the ideal 7 + 1/log2(3).
    swapped = (1 + 7 / math.log2(3)) / (7 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a", "z"], relevant) == pytest.approx(swapped)
    assert swapped < 1.0


def test_ndcg_ignores_items_ranked_below_k() -> None:
    relevant = {"hit": 1}
    ranked = ["m1", "m2", "m3", "m4", "m5", "hit"]

    assert ndcg_at_k(ranked, relevant, k=5) == 0.0
    # At k=6 the hit sits at rank 6: (1/log2(7)) / (1/log2(2)).
    assert ndcg_at_k(ranked, relevant, k=6) == pytest.approx(1 / math.log2(7))


def test_ndcg_ideal_uses_only_the_best_k_judgements() -> None:
    relevant = {"a": 1, "b": 1, "c": 1}

    # With k=1 the ideal is a single gain of 1, which "a" at rank 1 achieves.
    assert ndcg_at_k(["a", "b", "c"], relevant, k=1) == pytest.approx(1.0)


def test_ndcg_without_relevant_items_is_zero() -> None:
    assert ndcg_at_k(["a", "b"], {}) == 0.0
    assert ndcg_at_k(["a", "b"], {"a": 0, "b": 0}) == 0.0
    assert ndcg_at_k([], {"a": 2}) == 0.0


def test_recall_at_5_counts_relevant_items_found_in_the_top_five() -> None:
    ranked = ["a", "x", "b", "y", "z", "c"]
    relevant = {"a": 2, "b": 1, "c": 1, "ignored": 0}

    # a and b are in the top 5, c is sixth; "ignored" has grade 0 so it is not wanted.
    assert recall_at_k(ranked, relevant, k=5) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, relevant, k=6) == pytest.approx(1.0)


def test_recall_without_relevant_items_is_zero() -> None:
    assert recall_at_k(["a"], {}) == 0.0
    assert recall_at_k(["a"], {"a": 0}) == 0.0


def test_reciprocal_rank_is_one_over_the_rank_of_the_first_relevant_item() -> None:
    relevant = {"c": 1, "e": 3, "a": 0}

    assert reciprocal_rank(["a", "b", "c", "d", "e"], relevant) == pytest.approx(1 / 3)
    assert reciprocal_rank(["e", "c"], relevant) == pytest.approx(1.0)


def test_reciprocal_rank_without_a_relevant_item_is_zero() -> None:
    assert reciprocal_rank(["a", "b"], {"a": 0}) == 0.0
    assert reciprocal_rank([], {"a": 1}) == 0.0


def test_mean_reciprocal_rank_over_three_questions() -> None:
    runs = [
        (["a", "b"], {"a": 1}),  # 1
        (["a", "b"], {"b": 1}),  # 1/2
        (["a", "b"], {"c": 1}),  # 0
    ]

    mrr = sum(reciprocal_rank(r, rel) for r, rel in runs) / len(runs)

    assert mrr == pytest.approx(0.5)


def test_the_mean_interval_holds_the_mean_and_narrows_with_more_questions() -> None:
    few = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.0]
    many = few * 16  # the same spread, sixteen times the questions

    low, high = mean_interval(few)  # type: ignore[misc]
    wide = high - low
    assert low < sum(few) / len(few) < high
    low, high = mean_interval(many)  # type: ignore[misc]
    assert low < sum(many) / len(many) < high
    # The standard error shrinks with the square root of the count: about a quarter here.
    assert high - low < wide / 2.5


def test_the_mean_interval_is_reproducible_and_none_under_two_values() -> None:
    values = [0.2, 0.9, 0.4, 0.7, 1.0, 0.0, 0.6]

    assert mean_interval(values) == mean_interval(list(values))
    assert mean_interval([0.5]) is None and mean_interval([]) is None
    assert mean_interval([0.7] * 5) == pytest.approx((0.7, 0.7))
