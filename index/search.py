"""Hybrid search over one content version: dense + lexical retrieval, then ranking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np

from content_store.stage import Stage
from index.embedder import Embedder
from index.lexical import LexicalIndex
from index.ranking import AssetMeta, RankedAsset, fuse, rank_assets, read_query
from index.vectors import VectorIndex

# How many chunks each retriever hands to the ranking; enough to fill k assets after grouping.
CANDIDATES = 60


class SearchMode(StrEnum):
    HYBRID = "hybrid"  # dense + lexical + fit re-ranking: what the bot uses
    DENSE = "dense"  # baseline for eval: embeddings alone
    LEXICAL = "lexical"  # baseline for eval: BM25 alone


@dataclass(frozen=True, slots=True)
class ChunkRecord:
    id: int
    asset_id: str
    text: str


class HybridSearcher:
    """Everything needed to answer questions against one content version, immutable once built.

    A reindex builds a new searcher and swaps the reference, so an answer in flight keeps reading
    a complete, consistent version.
    """

    def __init__(
        self,
        *,
        embedder: Embedder,
        vectors: VectorIndex,
        lexical: LexicalIndex,
        chunks: Sequence[ChunkRecord],
        assets: Mapping[str, AssetMeta],
        version: int | None,
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.lexical = lexical
        self.version = version
        self._chunk_assets = {c.id: c.asset_id for c in chunks}
        self._chunk_texts = {c.id: c.text for c in chunks}
        self.assets = dict(assets)
        self._competitors = sorted({c for a in self.assets.values() for c in a.competitors})
        self._tags = sorted({t for a in self.assets.values() for t in a.tags})
        self._expiring = [a for a in self.assets.values() if a.expires is not None]

    def _unexpired(self) -> Mapping[str, AssetMeta]:
        # An asset can expire while this version serves: it leaves answers that day.
        today = date.today()
        if not any(a.expires is not None and a.expires < today for a in self._expiring):
            return self.assets
        return {i: a for i, a in self.assets.items() if a.expires is None or a.expires >= today}

    def __len__(self) -> int:
        return len(self.assets)

    def chunk_text(self, chunk_id: int) -> str | None:
        """The text of a chunk of this version, or None."""
        return self._chunk_texts.get(chunk_id)

    def search(
        self,
        question: str,
        *,
        stage: Stage | None,
        k: int = 5,
        mode: SearchMode = SearchMode.HYBRID,
        query_vector: np.ndarray | None = None,
    ) -> list[RankedAsset]:
        if k <= 0 or not self.assets:
            return []
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode is not SearchMode.LEXICAL:
            vector = (
                query_vector if query_vector is not None else self.embedder.encode_query(question)
            )
            dense = self.vectors.search(vector, CANDIDATES)
        if mode is not SearchMode.DENSE:
            lexical = self.lexical.search(question, CANDIDATES)
        if mode is SearchMode.HYBRID:
            scores = fuse(dense, lexical)
            query = read_query(
                question, stage, known_competitors=self._competitors, known_tags=self._tags
            )
        else:
            # Baselines rank by one retriever alone: no fusion, no fit re-ranking.
            scores = (
                fuse(dense, [], dense_weight=1.0) if dense else fuse([], lexical, dense_weight=0.0)
            )
            query = read_query(question, None, known_competitors=(), known_tags=())
        return rank_assets(
            scores,
            self._chunk_assets,
            self._unexpired(),
            query,
            k=k,
            chunk_text=self._chunk_texts.__getitem__,
            diversify=mode is SearchMode.HYBRID,
        )
