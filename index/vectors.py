"""Exact inner-product search over L2-normalised vectors (cosine similarity) with FAISS.

Vectors are keyed by int64 chunk ids. faiss is imported lazily so ``import index`` stays cheap.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _faiss() -> Any:
    import faiss

    return faiss


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class VectorIndex:
    """A flat (exact) inner-product FAISS index whose rows are addressed by chunk id.

    Searches may run concurrently; add/remove must not overlap with anything else.
    """

    def __init__(self, dim: int) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        faiss = _faiss()
        self._dim = int(dim)
        # IDMap2 (not IDMap) so vectors can be removed and reconstructed by id.
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(self._dim))
        self._ids: set[int] = set()

    @classmethod
    def _wrap(cls, index: Any) -> VectorIndex:
        self = cls.__new__(cls)
        self._dim = int(index.d)
        self._index = index
        ids = _faiss().vector_to_array(index.id_map).astype(np.int64)
        self._ids = set(ids.tolist())
        if len(self._ids) != len(ids):
            raise ValueError("vector index holds duplicate ids")
        return self

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._ids

    def ids(self) -> np.ndarray:
        """All ids in the index, in insertion order (int64)."""
        return _faiss().vector_to_array(self._index.id_map).astype(np.int64)

    def _as_matrix(self, vectors: np.ndarray, what: str) -> np.ndarray:
        arr = np.asarray(vectors)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[1] != self._dim:
            raise ValueError(f"{what} must have shape (n, {self._dim}), got {np.shape(vectors)}")
        if not np.issubdtype(arr.dtype, np.floating):
            raise ValueError(f"{what} must be floating point, got dtype {arr.dtype}")
        return np.ascontiguousarray(arr, dtype=np.float32)

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add one vector per id. Ids must be new and unique; rows should be unit length."""
        id_arr = np.asarray(ids)
        if id_arr.ndim != 1:
            raise ValueError(f"ids must be one-dimensional, got shape {id_arr.shape}")
        if id_arr.size and not np.issubdtype(id_arr.dtype, np.integer):
            raise ValueError(f"ids must be integers, got dtype {id_arr.dtype}")
        id_arr = np.ascontiguousarray(id_arr, dtype=np.int64)
        vecs = self._as_matrix(vectors, "vectors")
        if vecs.shape[0] != id_arr.shape[0]:
            raise ValueError(f"got {id_arr.shape[0]} ids but {vecs.shape[0]} vectors")
        if id_arr.size == 0:
            return
        if not np.isfinite(vecs).all():
            # One NaN row would poison every search result it is compared with.
            raise ValueError("vectors contain NaN or infinite values")
        new_ids = id_arr.tolist()
        if len(set(new_ids)) != len(new_ids):
            raise ValueError("ids contain duplicates")
        clash = self._ids.intersection(new_ids)
        if clash:
            shown = sorted(clash)[:5]
            raise ValueError(f"{len(clash)} id(s) already in the index, e.g. {shown}")
        self._index.add_with_ids(vecs, id_arr)
        self._ids.update(new_ids)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove the given ids (unknown ones are ignored); return how many were removed."""
        wanted = {int(i) for i in ids} & self._ids
        if not wanted:
            return 0
        selector = _faiss().IDSelectorBatch(np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
        removed = int(self._index.remove_ids(selector))
        self._ids.difference_update(wanted)
        return removed

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to ``k`` ``(id, score)`` pairs, best first, for one query vector."""
        q = np.asarray(query)
        if not (q.ndim == 1 or (q.ndim == 2 and q.shape[0] == 1)):
            raise ValueError(
                f"query must have shape ({self._dim},) or (1, {self._dim}), got {q.shape}"
            )
        return self.search_many(q.reshape(1, -1), k)[0]

    def search_many(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Like :meth:`search` for each row of ``queries``."""
        qs = self._as_matrix(queries, "queries")
        k = min(int(k), len(self))
        if k <= 0:
            return [[] for _ in range(qs.shape[0])]
        scores, labels = self._index.search(qs, k)
        results: list[list[tuple[int, float]]] = []
        for row_ids, row_scores in zip(labels.tolist(), scores.tolist(), strict=True):
            # FAISS pads with -1 when fewer than k vectors exist; chunk ids are never -1.
            results.append([(i, s) for i, s in zip(row_ids, row_scores, strict=True) if i != -1])
        return results

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        """The stored vector for ``chunk_id``."""
        if chunk_id not in self._ids:
            raise ValueError(f"id {chunk_id} is not in the index")
        return np.asarray(self._index.reconstruct(int(chunk_id)), dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically: readers see the old file or the new one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _faiss().serialize_index(self._index)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(memoryview(data))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(path.parent)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index written by :meth:`save`; ``ValueError`` if missing or unreadable."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"no vector index file at {path}")
        faiss = _faiss()
        try:
            raw = np.fromfile(path, dtype=np.uint8)
            index = faiss.deserialize_index(raw)
        except (RuntimeError, MemoryError, OSError) as e:
            raise ValueError(f"vector index at {path} is corrupt or unreadable: {e}") from e
        if not isinstance(index, faiss.IndexIDMap2):
            raise ValueError(
                f"vector index at {path} is a {type(index).__name__}, expected IndexIDMap2"
            )
        if index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError(f"vector index at {path} does not use inner-product similarity")
        return cls._wrap(index)

    def __repr__(self) -> str:
        return f"VectorIndex(dim={self._dim}, size={len(self)})"
