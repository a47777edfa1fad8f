from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.vectors import FLAT_MAX, VectorIndex, choose_kind

DIM = 32


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few hundred centres: shaped like sentence embeddings of a library."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, DIM)).astype(np.float32)
    x = centres[rng.integers(0, 200, n)] + 0.5 * rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> set[int]:
    return set(ids[np.argsort(-(vectors @ query))[:k]].tolist())


def recall_at_10(
    index: VectorIndex, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray
) -> float:
    hits = [
        len(exact_top(vectors, ids, q, 10) & {i for i, _ in index.search(q, 10)}) / 10
        for q in queries
    ]
    return float(np.mean(hits))


def test_small_libraries_get_exact_search_and_large_ones_a_graph() -> None:
    assert choose_kind(0) == "flat"
    assert choose_kind(FLAT_MAX) == "flat"
    assert choose_kind(FLAT_MAX + 1) == "hnsw"
    assert choose_kind(500, flat_max=100) == "hnsw"


def test_growing_past_the_limit_turns_flat_into_hnsw_with_recall_above_098() -> None:
    vectors = clustered(3000)
    ids = np.arange(1000, 4000, dtype=np.int64)
    index = VectorIndex(DIM, flat_max=1000)

    index.add(ids[:800], vectors[:800])
    assert index.kind == "flat"
    index.add(ids[800:], vectors[800:])

    assert index.kind == "hnsw"
    assert len(index) == 3000
    assert index.ids().tolist() == ids.tolist()  # insertion order survives the switch
    queries = clustered(100, seed=1)
    assert recall_at_10(index, vectors, ids, queries) >= 0.98
    # A stored vector finds itself first, with its own score (to float16's precision).
    best_id, best_score = index.search(vectors[1234], 1)[0]
    assert best_id == 2234
    assert best_score == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("size", [300, FLAT_MAX + 200])
def test_an_index_made_for_a_size_and_filled_in_batches_finds_what_one_add_finds(
    size: int,
) -> None:
    vectors = clustered(size)
    ids = np.arange(size, dtype=np.int64) + 7
    batched = VectorIndex.for_size(DIM, size)
    assert batched.kind == choose_kind(size)
    for lo in range(0, size, 128):
        batched.add(ids[lo : lo + 128], vectors[lo : lo + 128])
    assert len(batched) == size
    assert batched.ids().tolist() == ids.tolist()
    # HNSW keeps float16 copies.
    np.testing.assert_allclose(batched.vectors(), vectors, atol=0 if size < FLAT_MAX else 1e-3)
    queries = clustered(50, seed=2)
    if batched.kind == "flat":
        whole = VectorIndex(DIM)
        whole.add(ids, vectors)
        assert [batched.search(q, 10) for q in queries] == [whole.search(q, 10) for q in queries]
    else:
        assert recall_at_10(batched, vectors, ids, queries) >= 0.98


def test_removing_from_hnsw_rebuilds_without_the_removed_ids() -> None:
    vectors = clustered(1500)
    ids = np.arange(1500, dtype=np.int64)
    index = VectorIndex(DIM, kind="hnsw")
    index.add(ids, vectors)
    gone = set(range(0, 1500, 3))

    assert index.remove([*gone, 99_999]) == len(gone)

    assert index.kind == "hnsw"
    assert len(index) == 1000
    assert not any(i in index for i in gone)
    kept = np.array(sorted(set(range(1500)) - gone), dtype=np.int64)
    assert index.ids().tolist() == kept.tolist()
    for q in vectors[:30]:
        assert not gone & {i for i, _ in index.search(q, 20)}
    assert recall_at_10(index, vectors[kept], kept, clustered(50, seed=2)) >= 0.98
    # Removed ids can be added again: they really left the index.
    index.add([0, 3], vectors[[0, 3]])
    assert index.search(vectors[3], 1)[0][0] == 3


def test_shrinking_below_the_limit_returns_to_exact_search() -> None:
    vectors = clustered(600)
    index = VectorIndex(DIM, flat_max=500)
    index.add(np.arange(600), vectors)
    assert index.kind == "hnsw"

    index.remove(range(200))

    assert index.kind == "flat"
    assert index.ids().tolist() == list(range(200, 600))
    # Rebuilt from the graph's float16 copies.
    np.testing.assert_allclose(index.reconstruct(450), vectors[450], atol=1e-3)


def test_a_fixed_kind_never_switches() -> None:
    vectors = clustered(300)
    flat = VectorIndex(DIM, kind="flat", flat_max=10)
    flat.add(np.arange(300), vectors)
    assert flat.kind == "flat"
    graph = VectorIndex(DIM, kind="hnsw")
    graph.add(np.arange(5), vectors[:5])
    assert graph.kind == "hnsw"
    graph.remove([0, 1, 2, 3])
    assert graph.kind == "hnsw"
    assert graph.ids().tolist() == [4]


def test_hnsw_index_round_trips_through_a_file(tmp_path: Path) -> None:
    vectors = clustered(2000)
    index = VectorIndex(DIM, kind="hnsw")
    index.add(np.arange(2000), vectors)
    queries = clustered(20, seed=3)
    before = [index.search(q, 60) for q in queries]

    index.save(tmp_path / "vectors.faiss")
    loaded = VectorIndex.load(tmp_path / "vectors.faiss")

    assert loaded.kind == "hnsw"
    assert len(loaded) == 2000
    assert [loaded.search(q, 60) for q in queries] == before
    np.testing.assert_array_equal(loaded.reconstruct(17), index.reconstruct(17))
    np.testing.assert_allclose(loaded.reconstruct(17), vectors[17], atol=1e-3)  # float16


def test_an_index_file_from_before_float16_still_loads(tmp_path: Path) -> None:
    import faiss

    vectors = clustered(300)
    older = faiss.IndexIDMap2(faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT))
    older.add_with_ids(vectors, np.arange(300, dtype=np.int64))
    faiss.write_index(older, str(tmp_path / "vectors.faiss"))

    loaded = VectorIndex.load(tmp_path / "vectors.faiss")

    assert loaded.kind == "hnsw"
    assert loaded.search(vectors[42], 1)[0][0] == 42


def test_hnsw_still_refuses_duplicate_ids() -> None:
    index = VectorIndex(DIM, kind="hnsw")
    index.add([1, 2], clustered(2))
    with pytest.raises(ValueError, match="already in the index"):
        index.add([2], clustered(1))


def test_bad_kind_and_limit_are_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        VectorIndex(DIM, kind="ivf")
    with pytest.raises(ValueError, match="flat_max"):
        VectorIndex(DIM, flat_max=-1)


def test_searches_run_single_threaded_even_after_a_parallel_build() -> None:
    import faiss

    index = VectorIndex(DIM, kind="hnsw")
    index.add(np.arange(2000), clustered(2000))  # big enough to build on every core
    index.search(clustered(1)[0], 5)
    # OpenMP's threads spinning against the model's cost 50x on a busy two-core machine.
    assert faiss.omp_get_max_threads() == 1
