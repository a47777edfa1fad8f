"""The alternatives funnelbot is measured against, on the same chunks and questions.

- LangChain's FAISS vector store with HuggingFaceEmbeddings over the same bundled model (the
  `bench` extra installs it); where LangChain is missing, a plain FAISS + sentence-transformers
  pipeline stands in and says so in its name.
- plain BM25 with bm25s, as its README shows it.

Both retrieve chunks and keep each asset's best chunk, as funnelbot does, so all three answer
with asset ids.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from index.embedder import resolve_model

# Chunks to fetch so that five distinct assets remain after keeping each asset's best chunk.
FETCH = 30


def _distinct(asset_ids: Sequence[str], k: int) -> list[str]:
    seen: list[str] = []
    for a in asset_ids:
        if a not in seen:
            seen.append(a)
            if len(seen) == k:
                break
    return seen


class Bm25Peer:
    """bm25s over the chunk texts: tokenize with English stopwords, index, retrieve."""

    name = "bm25s (plain BM25)"

    def __init__(self, texts: Sequence[str], assets: Sequence[str]) -> None:
        import bm25s

        self._bm25s = bm25s
        self._assets = list(assets)
        self._retriever = bm25s.BM25()
        tokens = bm25s.tokenize(list(texts), stopwords="en", show_progress=False)
        self._retriever.index(tokens, show_progress=False)
        self._vocab = set(self._retriever.vocab_dict)

    def search(self, question: str, k: int = 5) -> list[str]:
        tokens = self._bm25s.tokenize(
            [question], stopwords="en", return_ids=False, show_progress=False
        )[0]
        # bm25s rejects tokens its index has never seen and k above the corpus size.
        known = [t for t in tokens if t in self._vocab]
        if not known:
            return []
        docs, scores = self._retriever.retrieve(
            [known], k=min(FETCH, len(self._assets)), show_progress=False
        )
        # It pads with zero-score chunks when fewer match.
        found = [
            self._assets[int(i)] for i, score in zip(docs[0], scores[0], strict=True) if score > 0
        ]
        return _distinct(found, k)


class VectorStorePeer:
    """LangChain FAISS + HuggingFaceEmbeddings, or plain FAISS + sentence-transformers."""

    def __init__(
        self,
        texts: Sequence[str],
        assets: Sequence[str],
        *,
        vectors: np.ndarray | None = None,
    ) -> None:
        """Embed ``texts`` with the peer's own model, or take ``vectors`` already made for them
        (latency runs on big libraries: embedding them again with torch would take hours)."""
        path = resolve_model(None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from langchain_community.vectorstores import FAISS
                from langchain_huggingface import HuggingFaceEmbeddings
        except ImportError:
            self._store = None
            self.name = "FAISS + sentence-transformers (LangChain not installed)"
            self._plain(path, texts, assets, vectors)
            return
        self.name = "LangChain FAISS + HuggingFaceEmbeddings"
        embeddings = HuggingFaceEmbeddings(
            model_name=path,
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True},
        )
        metadatas = [{"asset": a} for a in assets]
        if vectors is None:
            self._store = FAISS.from_texts(list(texts), embeddings, metadatas=metadatas)
        else:
            pairs = list(zip(texts, vectors.tolist(), strict=True))
            self._store = FAISS.from_embeddings(pairs, embeddings, metadatas=metadatas)

    def _plain(
        self, path: str, texts: Sequence[str], assets: Sequence[str], vectors: np.ndarray | None
    ) -> None:
        import faiss
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        if vectors is None:
            vectors = self._model.encode(list(texts), normalize_embeddings=True)
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._assets = list(assets)

    def search(self, question: str, k: int = 5) -> list[str]:
        fetch = FETCH
        if self._store is not None:
            docs = self._store.similarity_search(question, k=fetch)
            return _distinct([d.metadata["asset"] for d in docs], k)
        q = self._model.encode([question], normalize_embeddings=True)
        _, rows = self._index.search(
            np.asarray(q, dtype=np.float32), min(fetch, self._index.ntotal)
        )
        return _distinct([self._assets[int(i)] for i in rows[0] if i >= 0], k)
