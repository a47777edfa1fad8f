from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.vectors import VectorIndex

DIM = 16


def unit_rows(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def filled() -> tuple[VectorIndex, np.ndarray]:
    vecs = unit_rows(10)
    index = VectorIndex(DIM)
    index.add(list(range(100, 110)), vecs)
    return index, vecs


def test_add_and_search(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vecs = filled
    assert len(index) == 10
    assert index.dim == DIM
    hits = index.search(vecs[3], 4)
    assert len(hits) == 4
    assert hits[0][0] == 103
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(i, int) and isinstance(s, float) for i, s in hits)
    # (1, dim) query shape works too, and gives the same answer.
    assert index.search(vecs[3][None, :], 4) == hits


def test_search_matches_brute_force(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vecs = filled
    q = unit_rows(1, seed=7)[0]
    expected = np.argsort(-(vecs @ q))[:5] + 100
    assert [i for i, _ in index.search(q, 5)] == expected.tolist()


def test_k_bounds(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vecs = filled
    assert index.search(vecs[0], 0) == []
    assert index.search(vecs[0], -3) == []
    hits = index.search(vecs[0], 50)  # more than stored: no -1 padding
    assert len(hits) == 10
    assert {i for i, _ in hits} == set(range(100, 110))
    assert VectorIndex(DIM).search(vecs[0], 5) == []


def test_search_many(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vecs = filled
    results = index.search_many(vecs[[1, 8]], 3)
    assert [r[0][0] for r in results] == [101, 108]
    assert results[0] == index.search(vecs[1], 3)


def test_remove(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vecs = filled
    assert index.remove([103, 105, 999]) == 2
    assert len(index) == 8
    assert 103 not in index
    assert all(i != 103 for i, _ in index.search(vecs[3], 10))
    assert index.remove([103]) == 0
    # A removed id may be added again.
    index.add([103], vecs[3:4])
    assert index.search(vecs[3], 1)[0][0] == 103


def test_duplicate_ids_rejected(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vecs = filled
    with pytest.raises(ValueError, match="already in the index"):
        index.add([104], vecs[:1])
    with pytest.raises(ValueError, match="duplicates"):
        index.add([1, 1], vecs[:2])
    assert len(index) == 10  # nothing half-added


def test_shape_and_dtype_validation() -> None:
    index = VectorIndex(DIM)
    with pytest.raises(ValueError, match="shape"):
        index.add([1], np.zeros((1, DIM + 1), dtype=np.float32))
    with pytest.raises(ValueError, match="ids but"):
        index.add([1, 2], unit_rows(3))
    with pytest.raises(ValueError, match="integers"):
        index.add(np.array([1.5]), unit_rows(1))
    with pytest.raises(ValueError, match="NaN"):
        index.add([1], np.full((1, DIM), np.nan))
    with pytest.raises(ValueError, match="shape"):
        index.search(np.zeros(DIM + 2, dtype=np.float32), 3)
    with pytest.raises(ValueError, match="dim"):
        VectorIndex(0)


def test_float64_input_converted() -> None:
    index = VectorIndex(DIM)
    vecs = unit_rows(3).astype(np.float64)
    index.add(np.array([7, 8, 9], dtype=np.int32), np.asfortranarray(vecs))
    assert index.search(vecs[2], 1)[0][0] == 9


def test_save_load_round_trip(filled: tuple[VectorIndex, np.ndarray], tmp_path: Path) -> None:
    index, vecs = filled
    index.remove([101])
    path = tmp_path / "sub" / "vectors.faiss"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert loaded.dim == DIM
    assert len(loaded) == 9
    assert 101 not in loaded
    q = unit_rows(1, seed=3)[0]
    assert loaded.search(q, 9) == index.search(q, 9)
    with pytest.raises(ValueError, match="already"):
        loaded.add([102], vecs[:1])  # known ids survive the round trip


def test_save_overwrites_and_leaves_no_temp_files(
    filled: tuple[VectorIndex, np.ndarray], tmp_path: Path
) -> None:
    index, _ = filled
    path = tmp_path / "vectors.faiss"
    VectorIndex(DIM).save(path)
    index.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"]
    assert len(VectorIndex.load(path)) == 10


def test_failed_save_keeps_old_file_and_cleans_up(
    filled: tuple[VectorIndex, np.ndarray], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, _ = filled
    path = tmp_path / "vectors.faiss"
    VectorIndex(DIM).save(path)
    before = path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr("index.vectors.os.replace", crash)
    with pytest.raises(OSError, match="simulated"):
        index.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"]


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no vector index"):
        VectorIndex.load(tmp_path / "nope.faiss")


@pytest.mark.parametrize("mangle", ["garbage", "truncated", "empty"])
def test_load_corrupt_file(
    filled: tuple[VectorIndex, np.ndarray], tmp_path: Path, mangle: str
) -> None:
    index, _ = filled
    path = tmp_path / "vectors.faiss"
    index.save(path)
    data = path.read_bytes()
    if mangle == "garbage":
        path.write_bytes(b"not a faiss index at all" * 20)
    elif mangle == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(b"")
    with pytest.raises(ValueError, match="corrupt"):
        VectorIndex.load(path)
