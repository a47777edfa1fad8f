"""Loading the searcher for the content version the database says is current.

The database holds the vectors (the source of truth); index files under FUNNELBOT_HOME are a cache
per version, rebuilt from the database when missing or unreadable.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from content_store.index_runs import current_index_version
from content_store.library import active_items, iter_active_chunks
from content_store.stage import Stage
from index.embedder import Embedder
from index.lexical import LexicalIndex
from index.ranking import AssetMeta
from index.search import ChunkRecord, HybridSearcher
from index.vectors import VectorIndex

log = logging.getLogger(__name__)


def load_searcher(
    sessions: sessionmaker[Session], embedder: Embedder, index_dir: Path
) -> HybridSearcher:
    with sessions() as session:
        _snapshot(session)
        version = current_index_version(session)
        assets = {
            item.id: AssetMeta(
                id=item.id,
                title=item.title,
                url=item.url,
                type=item.type,
                stages=tuple(Stage(s) for s in item.stages),
                tags=tuple(item.tags),
                competitors=tuple(item.competitors),
            )
            for item in active_items(session)
        }
        cache = cache_dir(index_dir, version, embedder.name)
        cached = _load_cache(cache) if version is not None else None
        chunks, raw = _read_chunks(session, with_vectors=cached is None)
    if cached is not None and len(cached[0]) == len(chunks):
        vectors, lexical = cached
        return HybridSearcher(
            embedder=embedder,
            vectors=vectors,
            lexical=lexical,
            chunks=chunks,
            assets=assets,
            version=version,
        )
    if cached is not None:  # the cache disagrees with the database: the database wins
        with sessions() as session:
            chunks, raw = _read_chunks(session, with_vectors=True)
    vectors = _vector_index(chunks, raw, embedder.dim)
    # FAISS holds its own copy: the raw vectors go before the lexical index is built (at
    # 100,000 chunks they are 150 MB of the peak).
    del raw
    searcher = HybridSearcher(
        embedder=embedder,
        vectors=vectors,
        lexical=LexicalIndex.build([c.id for c in chunks], [c.text for c in chunks]),
        chunks=chunks,
        assets=assets,
        version=version,
    )
    if version is not None:
        _save_cache(cache, searcher)
    return searcher


def cache_dir(index_dir: Path, version: int | None, model: str) -> Path:
    model_key = hashlib.sha256(model.encode()).hexdigest()[:12]
    return index_dir / f"v{version}-{model_key}"


def _snapshot(session: Session) -> None:
    # Read the version and the chunks from one snapshot: a reindex committing in between must
    # not give us the new version with the old chunks.
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _read_chunks(session: Session, *, with_vectors: bool) -> tuple[list[ChunkRecord], bytearray]:
    """The active chunks and, if asked, their vectors end to end in one buffer (a list of each
    chunk's bytes joined at the end would hold 100,000 chunks' vectors twice)."""
    chunks: list[ChunkRecord] = []
    raw = bytearray()
    for c in iter_active_chunks(session, with_vectors=with_vectors):
        chunks.append(ChunkRecord(id=c.id, asset_id=c.item_id, text=c.text))
        if c.vector:
            raw += c.vector
    return chunks, raw


def _vector_index(chunks: list[ChunkRecord], raw: bytearray, dim: int) -> VectorIndex:
    index = VectorIndex(dim)
    if chunks:
        ids = np.fromiter((c.id for c in chunks), dtype=np.int64, count=len(chunks))
        index.add(ids, np.frombuffer(raw, dtype=np.float32).reshape(len(chunks), dim))
    return index


def _load_cache(cache: Path) -> tuple[VectorIndex, LexicalIndex] | None:
    if not cache.is_dir():
        return None
    try:
        return VectorIndex.load(cache / "vectors.faiss"), LexicalIndex.load(cache / "lexical")
    except (ValueError, OSError) as error:
        log.warning("index cache %s unreadable, rebuilding from the database: %s", cache, error)
        return None


def _save_cache(cache: Path, searcher: HybridSearcher) -> None:
    """Write the version's files into a temporary folder, then rename it into place."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{cache.name}-", dir=cache.parent))
    try:
        searcher.vectors.save(staging / "vectors.faiss")
        searcher.lexical.save(staging / "lexical")
        os.replace(staging, cache)
    except OSError as error:
        # A full disk or a racing writer only costs the cache: the database still has it all.
        log.warning("could not write index cache %s: %s", cache, error)
        shutil.rmtree(staging, ignore_errors=True)
    _prune(cache.parent, keep=cache.name)


def _prune(index_dir: Path, *, keep: str) -> None:
    # Keep the newest few versions: a process still serving an older one may reload it.
    versions = sorted(
        (p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in versions[:-3]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
