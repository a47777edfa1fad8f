"""Hybrid search over one content version: dense + lexical retrieval, stage, then ranking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import islice

import numpy as np

from content_store.stage import Stage
from index import stage as stage_module
from index.embedder import Embedder
from index.filler import content_words, is_filler
from index.lexical import LexicalIndex
from index.match_quality import MatchEvidence
from index.ranking import (
    PLAIN_RRF_K,
    AssetMeta,
    Candidate,
    QueryContext,
    RankedAsset,
    Vocabulary,
    fuse_assets,
    rank_assets,
    read_query,
    single_retriever,
)
from index.stage import StageGuess, StageModel, combine, guess_from, library_evidence
from index.vectors import VectorIndex

# How many chunks each retriever hands to the ranking; enough to fill k assets after grouping.
CANDIDATES = 60


class SearchMode(StrEnum):
    HYBRID = "hybrid"  # fused retrieval + stage and fit re-ranking: what the bot uses
    FUSED = "fused"  # baseline for eval: plain reciprocal-rank fusion (k=60) of the two alone
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
        vocabulary: Vocabulary | None = None,
        stage_model: StageModel | None = None,
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.lexical = lexical
        self.version = version
        self._chunk_assets = {c.id: c.asset_id for c in chunks}
        self._chunk_texts = {c.id: c.text for c in chunks}
        self.assets = dict(assets)
        self._tokens_of: dict[int, frozenset[str]] = {}
        self.vocabulary = vocabulary or Vocabulary.from_library(self.assets.values())
        self.stage_model = stage_model
        self._expiring = [a for a in self.assets.values() if a.expires is not None]

    def _unexpired(self) -> Mapping[str, AssetMeta]:
        # An asset can expire while this version serves: it leaves answers that day.
        today = date.today()
        if not any(a.expires is not None and a.expires < today for a in self._expiring):
            return self.assets
        return {i: a for i, a in self.assets.items() if a.expires is None or a.expires >= today}

    def __len__(self) -> int:
        return len(self.assets)

    def with_assets(self, assets: Mapping[str, AssetMeta]) -> HybridSearcher:
        """The same indexes and texts with other asset records (eval: metadata left out)."""
        chunks = [
            ChunkRecord(id=c, asset_id=a, text=self._chunk_texts[c])
            for c, a in self._chunk_assets.items()
        ]
        return HybridSearcher(
            embedder=self.embedder,
            vectors=self.vectors,
            lexical=self.lexical,
            chunks=chunks,
            assets=assets,
            version=self.version,
            stage_model=self.stage_model,
        )

    def chunk_text(self, chunk_id: int) -> str | None:
        """The text of a chunk of this version, or None."""
        return self._chunk_texts.get(chunk_id)

    def retrieve(
        self,
        question: str,
        *,
        mode: SearchMode = SearchMode.HYBRID,
        query_vector: np.ndarray | None = None,
    ) -> list[Candidate]:
        """The assets either retriever finds, best first by fused relevance (or by the one
        retriever's score, for the baselines)."""
        if not self.assets:
            return []
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        vector = None
        if mode is not SearchMode.LEXICAL:
            vector = (
                query_vector if query_vector is not None else self.embedder.encode_query(question)
            )
            dense = self.vectors.search(vector, CANDIDATES)
        if mode is not SearchMode.DENSE:
            lexical = self.lexical.search(question, CANDIDATES)
        if mode is SearchMode.DENSE:
            return single_retriever(dense, self._chunk_assets, dense=True)
        if mode is SearchMode.LEXICAL:
            return single_retriever(lexical, self._chunk_assets, dense=False)
        assert vector is not None

        def cosines_of(chunk_ids: list[int]) -> list[float]:
            return (self.vectors.reconstruct_many(chunk_ids) @ vector).tolist()

        plain = mode is SearchMode.FUSED
        return fuse_assets(
            dense,
            lexical,
            self._chunk_assets,
            cosines_of=cosines_of,
            rrf_k=PLAIN_RRF_K if plain else None,
            plain=plain,
        )

    def infer_stage(
        self, query_vector: np.ndarray | None, candidates: Sequence[Candidate], text: str = ""
    ) -> StageGuess:
        """The stage the question suggests: the stage model on its vector, times the stages of
        the assets it matches best. No model and no candidates: no stage."""
        # Only the first few vote (library_evidence): ~100 candidates need not be read. Read
        # through the module: scripts/tune_ranking.py sets the depth at run time.
        ranked_stages = list(
            islice(
                (self.assets[c.asset_id].stages for c in candidates if c.asset_id in self.assets),
                max(1, stage_module.LIBRARY_EVIDENCE_DEPTH),
            )
        )
        if self.stage_model is not None and query_vector is not None:
            classes = self.stage_model.classes
            probabilities = combine(
                self.stage_model.probabilities(query_vector, text),
                library_evidence(ranked_stages, classes) if ranked_stages else None,
            )
            return guess_from(probabilities, classes)
        return StageGuess(stage=None, confidence=0.0)

    def match_evidence(self, question: str, ranked: Sequence[RankedAsset]) -> MatchEvidence | None:
        """What tells whether the best answer fits the question (see index.match_quality)."""
        if not ranked:
            return None
        tokens = self.lexical.query_tokens(" ".join(content_words(question)))

        def covered(chunk_ids: Sequence[int]) -> float:
            if not tokens:
                return 1.0
            passages = [self._passage_tokens(c) for c in chunk_ids]
            return sum(any(t in p for p in passages) for t in tokens) / len(tokens)

        return MatchEvidence(
            top_cosine=ranked[0].dense,
            library_coverage=self.lexical.known_share(tokens),
            answer_coverage=covered([ranked[0].chunk_id]),
            top3_coverage=covered([r.chunk_id for r in ranked[:3]]),
            language_share=self.lexical.share_written_like(question),
        )

    def _passage_tokens(self, chunk_id: int) -> frozenset[str]:
        # Per chunk, once: detecting a passage's language costs more than the rest of a search.
        found = self._tokens_of.get(chunk_id)
        if found is None:
            text = self._chunk_texts.get(chunk_id, "")
            found = self._tokens_of[chunk_id] = frozenset(self.lexical.query_tokens(text))
        return found

    def read_query(
        self, question: str, stage: Stage | None, stage_confidence: float = 1.0
    ) -> QueryContext:
        return read_query(question, stage, self.vocabulary, stage_confidence=stage_confidence)

    def rank(
        self,
        candidates: Sequence[Candidate],
        query: QueryContext | None,
        *,
        k: int = 5,
    ) -> list[RankedAsset]:
        """Re-rank for fit and pick k (``query`` None: keep the candidates' order, no fit)."""
        if k <= 0:
            return []
        return rank_assets(
            candidates,
            self._unexpired(),
            query,
            k=k,
            chunk_text=self._chunk_texts.get,
            diversify=query is not None,
            is_filler=is_filler,
        )

    def search(
        self,
        question: str,
        *,
        stage: Stage | None,
        stage_confidence: float = 1.0,
        k: int = 5,
        mode: SearchMode = SearchMode.HYBRID,
        query_vector: np.ndarray | None = None,
    ) -> list[RankedAsset]:
        """Retrieve and rank in one call, with the stage given (None: no stage weighting)."""
        if k <= 0 or not self.assets:
            return []
        candidates = self.retrieve(question, mode=mode, query_vector=query_vector)
        query = self.read_query(question, stage, stage_confidence)
        return self.rank(candidates, query if mode is SearchMode.HYBRID else None, k=k)
