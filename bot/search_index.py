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
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from content_store.errors import FunnelbotError
from content_store.index_runs import current_index_version
from content_store.library import (
    iter_active_chunks,
    iter_active_items,
    iter_active_vectors,
    model_of,
    recorded_models,
)
from content_store.stage import Stage
from index.embedder import Embedder
from index.lexical import DEFAULT_LANGUAGES, LexicalIndex
from index.ranking import AssetMeta, Vocabulary
from index.search import ChunkRecord, HybridSearcher
from index.stage import StageModel
from index.vectors import VectorIndex

log = logging.getLogger(__name__)


def load_searcher(
    sessions: sessionmaker[Session],
    embedder: Embedder,
    index_dir: Path,
    *,
    previous: HybridSearcher | None = None,
    stage_model: StageModel | None = None,
    team_config: dict[str, object] | None = None,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> HybridSearcher:
    """The searcher for the current version, with the stage model and the library's vocabulary
    (its own metadata plus ``team_config``, its ``funnelbot.yml``). ``previous``, the version
    still serving, lends the new one its unchanged texts and asset records, so that the two share
    them while both are held (at 100,000 assets, ~175 MB a reindex would otherwise hold twice).

    Raises :class:`ModelMismatch` when the stored vectors are not all ``embedder``'s model's.
    """
    for _ in range(_ATTEMPTS):
        try:
            searcher = _load(sessions, embedder, index_dir, previous, tuple(languages))
            searcher.stage_model = stage_model
            assets = searcher.assets.values()
            searcher.vocabulary = Vocabulary.from_library(assets, team_config)
            return searcher
        except _ChunksMoved:
            log.info("the library changed while its index was being read; reading it again")
    raise RuntimeError(f"the library changed during each of {_ATTEMPTS} reads of its index")


_ATTEMPTS = 3


class _ChunksMoved(Exception):
    """The chunks read for the vectors are not those read for the texts."""


class ModelMismatch(FunnelbotError):
    """The stored vectors were made by another model than the embedder's (or by several):
    searching them with it would compare vectors of different spaces."""

    def __init__(self, records: set[str], model: str) -> None:
        self.records = records  # "<model>@<backend>" (or a bare model name, from older rows)
        self.models = sorted({model_of(r) for r in records})
        super().__init__(f"the library was embedded with {' and '.join(self.models)}, not {model}")


def _load(
    sessions: sessionmaker[Session],
    embedder: Embedder,
    index_dir: Path,
    previous: HybridSearcher | None,
    languages: tuple[str, ...],
) -> HybridSearcher:
    with sessions() as session:
        _snapshot(session)
        records = recorded_models(session)
        if {model_of(r) for r in records} - {embedder.model_id}:
            raise ModelMismatch(records, embedder.model_id)
        version = current_index_version(session)
        assets, redirects = _read_assets(session, previous)
        cache = cache_dir(index_dir, version, embedder.model_id, languages)
        cached = _load_cache(cache) if version is not None else None
        chunks = _read_chunks(session, assets, previous, redirects)
        if cached is not None and len(cached[0]) == len(chunks):
            return HybridSearcher(
                embedder=embedder,
                vectors=cached[0],
                lexical=cached[1],
                chunks=chunks,
                assets=assets,
                version=version,
            )
        del cached  # none, or it disagrees with the database: the database wins
        # BM25 first, then the vectors, read again: each build's passing peak then sits beside
        # the other's result alone, not beside its peak too (~100 MB at 100,000 chunks).
        lexical = LexicalIndex.build(
            [c.id for c in chunks], [c.text for c in chunks], languages=languages
        )
        vectors = _read_vectors(session, chunks, embedder.dim)
    searcher = HybridSearcher(
        embedder=embedder,
        vectors=vectors,
        lexical=lexical,
        chunks=chunks,
        assets=assets,
        version=version,
    )
    if version is not None:
        _save_cache(cache, searcher)
    return searcher


def cache_dir(
    index_dir: Path, version: int | None, model: str, languages: Sequence[str] = DEFAULT_LANGUAGES
) -> Path:
    # Another model's vectors or another language set's tokens are another cache.
    model_key = hashlib.sha256(f"{model}|{','.join(languages)}".encode()).hexdigest()[:12]
    return index_dir / f"v{version}-{model_key}"


def _snapshot(session: Session) -> None:
    # Read the version and the chunks from one snapshot: a reindex committing in between must
    # not give us the new version with the old chunks.
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _read_assets(
    session: Session, previous: HybridSearcher | None
) -> tuple[dict[str, AssetMeta], dict[str, str]]:
    """The assets a rep may be handed, and where a superseded asset's chunks now point.

    Drafts, archived and expired assets are left out, so no answer can name them; an asset
    superseded by a servable one hands its chunks to its successor.
    """
    held = previous.assets if previous is not None else {}
    today = date.today()
    assets: dict[str, AssetMeta] = {}
    successors: dict[str, str] = {}
    for item in iter_active_items(session):
        if item.superseded_by:
            successors[item.id] = item.superseded_by
        if not item.servable(today):
            continue
        asset = AssetMeta(
            id=item.id,
            title=item.title,
            url=item.url,
            type=item.type,
            stages=tuple(Stage(s) for s in item.stages),
            tags=tuple(item.tags),
            competitors=tuple(item.competitors),
            internal=item.internal,
            expires=item.expires,
        )
        same = held.get(asset.id)
        assets[asset.id] = same if same == asset else asset
    redirects: dict[str, str] = {}
    for old in successors:
        target = _final_successor(old, successors)
        if target is not None and target in assets:
            redirects[old] = target
            assets.pop(old, None)
    return assets, redirects


def _final_successor(item_id: str, successors: dict[str, str]) -> str | None:
    seen = {item_id}
    current = successors.get(item_id)
    while current is not None and current in successors and current not in seen:
        seen.add(current)
        current = successors[current]
    return None if current in seen else current


def _read_chunks(
    session: Session,
    assets: dict[str, AssetMeta],
    previous: HybridSearcher | None,
    redirects: dict[str, str] | None = None,
) -> list[ChunkRecord]:
    redirects = redirects or {}
    chunks: list[ChunkRecord] = []
    for c in iter_active_chunks(session, with_vectors=False):
        # One string per asset id and per unchanged text, shared with what is already held.
        item_id = redirects.get(c.item_id, c.item_id)
        asset = assets.get(item_id)
        held = previous.chunk_text(c.id) if previous is not None else None
        chunks.append(
            ChunkRecord(
                id=c.id,
                asset_id=asset.id if asset is not None else item_id,
                text=held if held == c.text else c.text,
            )
        )
    return chunks


def _read_vectors(session: Session, chunks: list[ChunkRecord], dim: int) -> VectorIndex:
    """A vector index of ``chunks``, filled batch by batch as their vectors are read (at
    100,000 chunks, all vectors read first would be 150 MB more at the peak of a reindex)."""
    index = VectorIndex.for_size(dim, len(chunks))
    ids: list[int] = []
    raw = bytearray()
    position = 0
    for chunk_id, vector in iter_active_vectors(session):
        if position >= len(chunks) or chunks[position].id != chunk_id:
            raise _ChunksMoved
        position += 1
        ids.append(chunk_id)
        raw += vector
        if len(ids) == _ADD_BATCH:
            _add(index, ids, raw)
            ids, raw = [], bytearray()
    if position != len(chunks):
        raise _ChunksMoved
    if ids:
        _add(index, ids, raw)
    return index


# Vectors handed to FAISS at a time while the index is built: 30 MB of 384 floats. Each batch
# joins the graph as a whole, and smaller batches lowered HNSW's recall (CHANGELOG.md, 0.1.0).
_ADD_BATCH = 20_000


def _add(index: VectorIndex, ids: list[int], raw: bytearray) -> None:
    matrix = np.frombuffer(raw, dtype=np.float32)
    if matrix.size != len(ids) * index.dim:
        raise ValueError(f"stored vectors do not have {index.dim} dimensions")
    index.add(np.asarray(ids, dtype=np.int64), matrix.reshape(len(ids), index.dim))


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
