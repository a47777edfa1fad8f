"""Inner-product search over L2-normalised vectors (cosine similarity) with FAISS.

Vectors are keyed by int64 chunk ids. Up to ``FLAT_MAX`` vectors the search is exact (flat);
past that, where a flat scan starts to show beside the question's forward pass, an HNSW graph
over float16 copies of the vectors answers instead (recall@10 against exact search >= 0.98,
measured by benchmarks/perf.py and the tests).
faiss is imported lazily so ``import index`` stays cheap.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.durable import fsync_path

# Exact search until it starts to show beside the model's forward pass (docs/performance.md).
FLAT_MAX = 4_000
KINDS = ("auto", "flat", "hnsw")
HNSW_M = 32
# Wide enough for recall@10 >= 0.98 on near-duplicate chunks (benchmarks.perf measures it).
HNSW_EF_CONSTRUCTION = 200
# Searches ask for 60 candidates; the beam must be much wider than that for recall.
HNSW_EF_SEARCH = 384

_configured = False


def _faiss() -> Any:
    import faiss

    global _configured
    if not _configured:
        # One question's search is short: OpenMP's spinning threads would fight the model's
        # for the cores. Builds raise the count for their duration (see _all_cores).
        faiss.omp_set_num_threads(1)
        _configured = True
    return faiss


@contextlib.contextmanager
def _all_cores() -> Iterator[None]:
    faiss = _faiss()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def choose_kind(size: int, *, flat_max: int = FLAT_MAX) -> str:
    """``"flat"`` (exact) up to ``flat_max`` vectors, ``"hnsw"`` beyond."""
    return "flat" if size <= flat_max else "hnsw"


def _new_index(kind: str, dim: int) -> Any:
    faiss = _faiss()
    if kind == "flat":
        inner = faiss.IndexFlatIP(dim)
    else:
        # float16 vectors: half the memory of float32, with the same recall (CHANGELOG 0.1.0).
        inner = faiss.IndexHNSWSQ(
            dim, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT
        )
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    # IDMap2 (not IDMap) so vectors can be reconstructed by id (and, if flat, removed).
    return faiss.IndexIDMap2(inner)


def _kind_of(index: Any) -> str:
    faiss = _faiss()
    inner = faiss.downcast_index(index.index)
    if isinstance(inner, faiss.IndexFlat):
        return "flat"
    # IndexHNSWFlat: index files written before the graph stored float16.
    if isinstance(inner, faiss.IndexHNSWSQ | faiss.IndexHNSWFlat):
        inner.hnsw.efSearch = max(int(inner.hnsw.efSearch), HNSW_EF_SEARCH)
        return "hnsw"
    raise ValueError(f"unsupported vector index type {type(inner).__name__}")


class VectorIndex:
    """An inner-product FAISS index whose rows are addressed by chunk id.

    ``kind="auto"`` starts flat and turns into HNSW when it grows past ``flat_max`` vectors
    (and back when removals shrink it); ``"flat"`` and ``"hnsw"`` fix the kind. Searches may
    run concurrently; add/remove must not overlap with anything else.
    """

    def __init__(self, dim: int, *, kind: str = "auto", flat_max: int = FLAT_MAX) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if flat_max < 0:
            raise ValueError(f"flat_max must be >= 0, got {flat_max}")
        self._dim = int(dim)
        self._policy = kind
        self._flat_max = flat_max
        self._kind = "hnsw" if kind == "hnsw" else "flat"
        self._index: Any = _new_index(self._kind, self._dim)
        self._ids: set[int] = set()

    @classmethod
    def for_size(cls, dim: int, size: int) -> VectorIndex:
        """An empty index of the kind ``size`` vectors call for, its storage allocated for
        them: filled in batches, it never holds all the vectors twice (one array handed to
        :meth:`add` would be a second copy; storage grown batch by batch is copied as it
        doubles)."""
        self = cls(dim, kind=choose_kind(size))
        inner = _faiss().downcast_index(self._index.index)
        storage = _faiss().downcast_index(inner.storage) if self._kind == "hnsw" else inner
        if size > 0 and storage.codes.is_owned:
            # Growing the vector to the full size and back keeps the capacity (std::vector),
            # so the adds that follow write into it without reallocating.
            storage.codes.resize(size * storage.code_size)
            storage.codes.resize(0)
        return self

    @classmethod
    def _wrap(cls, index: Any) -> VectorIndex:
        self = cls.__new__(cls)
        self._dim = int(index.d)
        self._index = index
        self._kind = _kind_of(index)
        self._policy = "auto"
        self._flat_max = FLAT_MAX
        ids = _faiss().vector_to_array(index.id_map).astype(np.int64)
        self._ids = set(ids.tolist())
        if len(self._ids) != len(ids):
            raise ValueError("vector index holds duplicate ids")
        return self

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def kind(self) -> str:
        """``"flat"`` (exact) or ``"hnsw"`` (approximate), as the index is now."""
        return self._kind

    def _wanted_kind(self, size: int) -> str:
        if self._policy == "auto":
            return choose_kind(size, flat_max=self._flat_max)
        return self._policy

    def vectors(self) -> np.ndarray:
        """All stored vectors, one row per id, in :meth:`ids` order (float16-rounded in HNSW)."""
        n = len(self)
        if n == 0:
            return np.zeros((0, self._dim), dtype=np.float32)
        # Rows of the inner index are in id_map order (insertion order).
        return np.asarray(self._index.index.reconstruct_n(0, n), dtype=np.float32)

    def _rebuild(self, kind: str, ids: np.ndarray, vectors: np.ndarray) -> None:
        index = _new_index(kind, self._dim)
        if len(ids):
            with _all_cores():
                index.add_with_ids(vectors, ids)
        self._index, self._kind = index, kind

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
        kind = self._wanted_kind(len(self) + len(new_ids))
        if kind != self._kind:
            if len(self):
                id_arr = np.concatenate([self.ids(), id_arr])
                vecs = np.concatenate([self.vectors(), vecs])
            self._rebuild(kind, id_arr, vecs)
        elif kind == "hnsw" and len(new_ids) > 1000:
            with _all_cores():
                self._index.add_with_ids(vecs, id_arr)
        else:
            self._index.add_with_ids(vecs, id_arr)
        self._ids.update(new_ids)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove the given ids (unknown ones are ignored); return how many were removed."""
        wanted = {int(i) for i in ids} & self._ids
        if not wanted:
            return 0
        kind = self._wanted_kind(len(self) - len(wanted))
        if self._kind == "hnsw" or kind != self._kind:
            # HNSW graphs cannot drop nodes: build the index again from what stays.
            all_ids = self.ids()
            keep = ~np.isin(all_ids, np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
            self._rebuild(kind, all_ids[keep], self.vectors()[keep])
            removed = len(wanted)
        else:
            selector = _faiss().IDSelectorBatch(
                np.fromiter(wanted, dtype=np.int64, count=len(wanted))
            )
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
        """The stored vector for ``chunk_id`` (float16-rounded in HNSW)."""
        if chunk_id not in self._ids:
            raise ValueError(f"id {chunk_id} is not in the index")
        return np.asarray(self._index.reconstruct(int(chunk_id)), dtype=np.float32)

    def reconstruct_many(self, chunk_ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``chunk_ids``, one row each, in one call into FAISS."""
        missing = [i for i in chunk_ids if i not in self._ids]
        if missing:
            raise ValueError(f"ids {missing[:5]} are not in the index")
        if not chunk_ids:
            return np.zeros((0, self._dim), dtype=np.float32)
        keys = np.asarray(chunk_ids, dtype=np.int64)
        return np.asarray(self._index.reconstruct_batch(keys), dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically: readers see the old file or the new one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            # FAISS writes the file itself: serialising to memory first would hold a second
            # copy of the index at the peak of a reindex.
            try:
                _faiss().write_index(self._index, tmp_name)
            except RuntimeError as e:
                raise OSError(f"could not write vector index {tmp}: {e}") from e
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        fsync_path(path.parent)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index written by :meth:`save`; ``ValueError`` if missing or unreadable."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"no vector index file at {path}")
        faiss = _faiss()
        try:
            # Read from the file, not through a bytes copy: see save().
            index = faiss.read_index(str(path))
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
        return f"VectorIndex(dim={self._dim}, size={len(self)}, kind={self._kind!r})"
