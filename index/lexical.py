"""BM25 keyword search over chunk texts, analysed per language.

Each chunk's language and each question's is detected (py3langid, among the configured
languages); its words are then stemmed with that language's Snowball stemmer (PyStemmer) and its
stop words dropped (the ``stop-words`` package; English keeps the NLTK list below). Every
language's tokens share one vocabulary, so names and numbers match across languages; a question
in one language finding a text in another is the dense side's job.

The index holds eager, per-token BM25 scores in a CSC layout, as bm25s's does, and its scores
are bm25s's "lucene" variant to the bit (tests/index checks them against bm25s); it is built
from token-id arrays with numpy, at half bm25s's peak memory. Searching is plain numpy on those
postings, which for one query on 100,000 chunks takes ~0.2 ms, and avoids bm25s's retrieve()
quirks (k > corpus size, queries with no known token, progress bars). The index is saved in our
own small format.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
import zipfile
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from index.durable import fsync_path

# Bump whenever tokenize() changes: an index built with another tokenizer must be rebuilt,
# or query tokens silently stop matching document tokens.
TOKENIZER_VERSION = 2
_FORMAT = "funnelbot-bm25"
_FORMAT_VERSION = 1

# BM25 parameters (bm25s's "lucene" variant; its idf is always positive).
_K1 = 1.5
_B = 0.75
_METHOD = "lucene"

_POSTINGS = "postings.npz"
_VOCAB = "vocab.json"
_META = "meta.json"

# English stopwords: bm25s's STOPWORDS_EN_PLUS (the NLTK list) minus entries with apostrophes,
# which \w+ never produces. Copied rather than imported so that a bm25s upgrade cannot change
# tokenisation under an existing index.
_STOPWORD_TEXT = """
a about above after again against ain all am an and any are aren as at be because been before
being below between both but by can couldn d did didn do does doesn doing don down during each
few for from further had hadn has hasn have haven having he her here hers herself him himself
his how i if in into is isn it its itself just ll m ma me mightn more most mustn my myself
needn no nor not now o of off on once only or other our ours ourselves out over own re s same
shan she should shouldn so some such t than that the their theirs them themselves then there
these they this those through to too under until up ve very was wasn we were weren what when
where which while who whom why will with won wouldn y you your yours yourself yourselves
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_WORD_RE = re.compile(r"\w+")

# The languages lexical search analyses: ISO 639-1 code -> PyStemmer's Snowball algorithm. Each
# has a Snowball stemmer, a stop-word list and a py3langid model ("no" is Bokmål).
SNOWBALL = {
    "en": "english",
    "nl": "dutch",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "da": "danish",
    "sv": "swedish",
    "no": "norwegian",
    "fi": "finnish",
}
DEFAULT_LANGUAGES = ("en", "nl")
# py3langid's confidence (0-1) below which a question is analysed in every configured
# language: a question of a word or two ("offerte", "contract") cannot be told reliably.
_SURE = 0.9
# Characters of a chunk that language detection reads: its time grows with the text (~0.75 ms
# for 1,700 characters), and a chunk's opening is as telling as the rest.
_DETECT_CHARS = 300


class _Language:
    """One language's stop words and Snowball stemmer."""

    def __init__(self, code: str) -> None:
        import Stemmer

        if code == "en":
            stop = _STOPWORDS
        else:
            from stop_words import get_stop_words

            # The stop-words package spells Norwegian Bokmål "nb"; py3langid says "no".
            stop = frozenset(
                unicodedata.normalize("NFKC", w).casefold()
                for w in get_stop_words("nb" if code == "no" else code)
            )
        self.stop = stop
        self._stemmer = Stemmer.Stemmer(SNOWBALL[code])
        # PyStemmer's stemmers keep a cache and are not safe to share between threads.
        self._lock = threading.Lock()

    def tokens(self, words: list[str]) -> list[str]:
        kept = [w for w in words if w not in self.stop]
        with self._lock:
            return list(self._stemmer.stemWords(kept))


@cache
def _language(code: str) -> _Language:
    return _Language(code)


@cache
def _detector(languages: tuple[str, ...]) -> Any:
    # Loading py3langid's model takes ~1 s, so once per process and language set.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())


def tokenize(text: str, language: str = "en") -> list[str]:
    """Lower-cased unicode word tokens of ``text`` in ``language``: stop words removed, the
    rest stemmed with the language's Snowball stemmer."""
    return _language(language).tokens(_words(text))


def check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    """``languages`` as a tuple of distinct codes; ``ValueError`` naming any unsupported one."""
    chosen = tuple(dict.fromkeys(code.strip().lower() for code in languages if code.strip()))
    if not chosen:
        raise ValueError("at least one language is needed for lexical search")
    unknown = [code for code in chosen if code not in SNOWBALL]
    if unknown:
        raise ValueError(
            f"unsupported language {', '.join(unknown)}; choose from {', '.join(SNOWBALL)}"
        )
    return chosen


class TextAnalyzer:
    """Turns texts into BM25 tokens in their own language, among ``languages``."""

    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
        self.languages = check_languages(languages)
        self._analysers = {code: _language(code) for code in self.languages}

    def detect(self, text: str) -> tuple[str, float]:
        """The most likely of the configured languages, and py3langid's confidence (0-1)."""
        if len(self.languages) == 1:
            return self.languages[0], 1.0
        code, confidence = _detector(self.languages).classify(text)
        return str(code), float(confidence)

    def written_in(self, text: str) -> str | None:
        """The language ``text`` is clearly written in, or None for a name or a lone term.

        Clearly: py3langid is sure of it, and the text uses at least one of that language's
        function words ("wat", "the"): "Acme Foods" or "offerte" say nothing about the writer.
        """
        language, confidence = self.detect(text)
        if confidence < _SURE:
            return None
        stop = self._analysers[language].stop
        return language if any(len(w) > 1 and w in stop for w in _words(text)) else None

    def document_tokens(self, text: str) -> tuple[str, list[str]]:
        """A library text's language and tokens."""
        language = self.detect(text[:_DETECT_CHARS])[0]
        return language, self._analysers[language].tokens(_words(text))

    def query_tokens(self, text: str) -> list[str]:
        """A question's tokens: in its language, or in each configured one when unsure."""
        language, confidence = self.detect(text)
        words = _words(text)
        tokens = self._analysers[language].tokens(words)
        if confidence >= _SURE:
            return tokens
        seen = set(tokens)
        for code in self.languages:
            if code != language:
                extra = [t for t in self._analysers[code].tokens(words) if t not in seen]
                seen.update(extra)
                tokens += extra
        return tokens


def _bm25_postings(
    texts: Sequence[str], analyse: Callable[[str], list[str]]
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """Per-token BM25 scores of every document, token-major (CSC): vocab, data, indices, indptr.

    The scores are bm25s's "lucene" variant, computed the way bm25s computes them (float64,
    stored as float32), but from token-id arrays: bm25s wants the corpus as lists of token
    strings, which at 100,000 chunks took 1.2 GB at the peak. Each document's distinct tokens
    and counts are taken as it is read, so the corpus is never held as one array per token
    occurrence.
    """
    vocab: dict[str, int] = {}
    n_docs = len(texts)
    lengths = np.zeros(n_docs, dtype=np.int64)
    per_doc = np.zeros(n_docs, dtype=np.int64)
    # Growing buffers, not an array per document: 100,000 small arrays cost more in headers
    # than in data, and joining them made a second copy.
    token_buffer, count_buffer = array("i"), array("i")
    for i, text in enumerate(texts):
        ids = [vocab.setdefault(token, len(vocab)) for token in analyse(text)]
        lengths[i] = len(ids)
        tokens, counts = np.unique(np.asarray(ids, dtype=np.int32), return_counts=True)
        per_doc[i] = len(tokens)
        token_buffer.frombytes(tokens.tobytes())
        count_buffer.frombytes(counts.astype(np.int32).tobytes())
    n_tokens = len(vocab)
    if not n_tokens:
        return {}, np.empty(0, np.float32), np.empty(0, np.int32), np.zeros(1, np.int64)
    # Document-major now; a stable sort by token makes it token-major with each token's
    # documents still in order: the postings in CSC order. Each array is replaced by its
    # sorted copy one at a time, so that at most one extra copy exists at once.
    order = np.argsort(np.frombuffer(token_buffer, dtype=np.int32), kind="stable")
    token_of = np.frombuffer(token_buffer, dtype=np.int32)[order]
    del token_buffer
    tf = np.frombuffer(count_buffer, dtype=np.int32)[order]
    del count_buffer
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int32), per_doc)[order]
    del order
    df = np.bincount(token_of, minlength=n_tokens)
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    data = np.empty(len(tf), dtype=np.float32)
    mean_length = lengths.mean()
    # In blocks: the float64 temporaries of the whole corpus at once would set the peak.
    for lo in range(0, len(tf), _SCORE_BLOCK):
        hi = lo + _SCORE_BLOCK
        block_tf = tf[lo:hi]
        norm = _K1 * ((1 - _B) + _B * lengths[doc_of[lo:hi]] / mean_length)
        data[lo:hi] = block_tf / (norm + block_tf) * idf[token_of[lo:hi]]
    indptr = np.zeros(n_tokens + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return vocab, data, doc_of, indptr


# Postings scored per block when building (float64 temporaries of 8 bytes per posting).
_SCORE_BLOCK = 1 << 20


def _backup_dir(directory: Path) -> Path:
    return directory.with_name(f".{directory.name}.old")


class LexicalIndex:
    """BM25 over chunk texts; documents are addressed by integer chunk id."""

    def __init__(
        self,
        ids: np.ndarray,
        vocab: dict[str, int],
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        *,
        analyzer: TextAnalyzer | None = None,
        language_chars: dict[str, int] | None = None,
    ) -> None:
        # Low-level: use build() or load(). Postings for token t are
        # indices[indptr[t]:indptr[t+1]] (document positions) with BM25 weights in data.
        if ids.ndim != 1 or data.shape != indices.shape or indptr.shape != (len(vocab) + 1,):
            raise ValueError("inconsistent lexical index arrays")
        self._ids = ids
        self._vocab = vocab
        self._data = data
        self._indices = indices
        self._indptr = indptr
        self._analyzer = analyzer or TextAnalyzer()
        self._language_chars = dict(language_chars or {})

    @classmethod
    def build(
        cls,
        ids: Sequence[int],
        texts: Sequence[str],
        *,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
    ) -> LexicalIndex:
        """Index ``texts[i]`` under ``ids[i]``, each analysed in its language among
        ``languages``. Empty input gives an index that finds nothing."""
        if isinstance(texts, str):
            raise ValueError("texts must be a sequence of strings, not one string")
        id_arr = np.asarray(ids)
        if id_arr.ndim != 1:
            raise ValueError(f"ids must be one-dimensional, got shape {id_arr.shape}")
        if id_arr.size and not np.issubdtype(id_arr.dtype, np.integer):
            raise ValueError(f"ids must be integers, got dtype {id_arr.dtype}")
        id_arr = id_arr.astype(np.int64)
        if len(id_arr) != len(texts):
            raise ValueError(f"got {len(id_arr)} ids but {len(texts)} texts")
        if len(np.unique(id_arr)) != len(id_arr):
            raise ValueError("ids contain duplicates")
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ValueError(f"texts[{i}] is {type(t).__name__}, expected str")
        analyzer = TextAnalyzer(languages)
        language_chars: Counter[str] = Counter()

        def analyse(text: str) -> list[str]:
            language, tokens = analyzer.document_tokens(text)
            language_chars[language] += len(text)
            return tokens

        vocab, data, indices, indptr = _bm25_postings(texts, analyse)
        return cls(
            id_arr,
            vocab,
            data,
            indices,
            indptr,
            analyzer=analyzer,
            language_chars=dict(language_chars),
        )

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages texts and questions are analysed in."""
        return self._analyzer.languages

    def language_shares(self) -> dict[str, float]:
        """The share of the indexed text (in characters) detected in each language."""
        total = sum(self._language_chars.values())
        return {code: n / total for code, n in self._language_chars.items()} if total else {}

    def share_written_like(self, text: str) -> float:
        """The share of the indexed text in the language ``text`` is most likely written in."""
        language = self._analyzer.detect(text)[0]
        return self.language_shares().get(language, 0.0)

    def query_tokens(self, text: str) -> list[str]:
        """The BM25 tokens of a question (or any short text), as search() reads them."""
        return self._analyzer.query_tokens(text)

    def known_share(self, tokens: list[str]) -> float:
        """The share of ``tokens`` (from :meth:`query_tokens`) that some chunk contains; 1.0 for
        none."""
        if not tokens:
            return 1.0
        return sum(t in self._vocab for t in tokens) / len(tokens)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Up to ``k`` ``(id, score)`` pairs with score > 0, best first."""
        if not isinstance(query, str):
            raise ValueError(f"query must be a str, got {type(query).__name__}")
        if k <= 0 or not self._ids.size:
            return []
        tokens = self._analyzer.query_tokens(query)
        token_ids = [t for t in (self._vocab.get(w) for w in tokens) if t is not None]
        if not token_ids:
            return []
        indptr, indices, data = self._indptr, self._indices, self._data
        if len(token_ids) == 1:
            lo, hi = indptr[token_ids[0]], indptr[token_ids[0] + 1]
            docs, scores = indices[lo:hi], data[lo:hi]
            keep = scores > 0
            if not keep.all():
                docs, scores = docs[keep], scores[keep]
        else:
            # Repeated query terms count once per occurrence, as in bm25s.
            docs_all = np.concatenate([indices[indptr[t] : indptr[t + 1]] for t in token_ids])
            weights = np.concatenate([data[indptr[t] : indptr[t + 1]] for t in token_ids])
            dense = np.bincount(docs_all, weights=weights, minlength=len(self._ids))
            docs = np.flatnonzero(dense > 0)
            scores = dense[docs]
        if len(docs) > k:
            cut = len(scores) - k
            top = np.argpartition(scores, cut)[cut:]
            docs, scores = docs[top], scores[top]
        # Best first; ties broken by document position so results are deterministic.
        order = np.lexsort((docs, -scores))
        return [
            (int(i), float(s))
            for i, s in zip(self._ids[docs[order]].tolist(), scores[order].tolist(), strict=True)
        ]

    def save(self, directory: Path) -> None:
        """Write the index into ``directory``, replacing any previous one.

        Everything is written to a temporary sibling directory first, then swapped in with
        renames, so ``directory`` never holds a half-written index. Should a crash land
        between the two renames, :meth:`load` falls back to the previous copy.
        """
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(
            tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.", suffix=".tmp")
        )
        backup = _backup_dir(directory)
        try:
            with open(tmp / _POSTINGS, "wb") as f:
                np.savez(
                    f,
                    ids=self._ids,
                    data=self._data,
                    indices=self._indices,
                    indptr=self._indptr,
                )
                f.flush()
                os.fsync(f.fileno())
            meta = {
                "format": _FORMAT,
                "format_version": _FORMAT_VERSION,
                "tokenizer_version": TOKENIZER_VERSION,
                "method": _METHOD,
                "k1": _K1,
                "b": _B,
                "n_docs": len(self._ids),
                "n_terms": len(self._vocab),
                "languages": list(self.languages),
                "language_chars": self._language_chars,
            }
            for name, obj in ((_VOCAB, self._vocab), (_META, meta)):
                with open(tmp / name, "w", encoding="utf-8") as f:
                    json.dump(obj, f, ensure_ascii=False)
                    f.flush()
                    os.fsync(f.fileno())
            fsync_path(tmp)
            if directory.exists():
                if backup.exists():
                    shutil.rmtree(backup)
                os.replace(directory, backup)
            os.replace(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsync_path(directory.parent)
        shutil.rmtree(backup, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by :meth:`save`; ``ValueError`` if missing or unreadable."""
        directory = Path(directory)
        if not directory.is_dir():
            backup = _backup_dir(directory)
            if not (backup / _META).is_file():
                raise ValueError(f"no lexical index at {directory}")
            directory = backup  # a save was interrupted between its two renames
        try:
            meta = json.loads((directory / _META).read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
                raise ValueError("not a lexical index")
            if meta.get("format_version") != _FORMAT_VERSION:
                raise ValueError(f"unsupported format version {meta.get('format_version')!r}")
            if meta.get("tokenizer_version") != TOKENIZER_VERSION:
                raise ValueError(
                    f"built with tokenizer version {meta.get('tokenizer_version')!r}, "
                    f"this code uses {TOKENIZER_VERSION}; rebuild the index"
                )
            vocab_raw: Any = json.loads((directory / _VOCAB).read_text(encoding="utf-8"))
            if not isinstance(vocab_raw, dict):
                raise ValueError("vocabulary is not a mapping")
            vocab = {str(t): int(i) for t, i in vocab_raw.items()}
            analyzer = TextAnalyzer(meta.get("languages") or ["en"])
            chars = meta.get("language_chars") or {}
            if not isinstance(chars, dict):
                raise ValueError("language_chars is not a mapping")
            with np.load(directory / _POSTINGS, allow_pickle=False) as z:
                # copy=False: the arrays as stored need no second copy.
                ids = z["ids"].astype(np.int64, copy=False)
                data = z["data"].astype(np.float32, copy=False)
                indices = z["indices"].astype(np.int32, copy=False)
                indptr = z["indptr"].astype(np.int64, copy=False)
            n_docs = len(ids)
            if (
                n_docs != meta.get("n_docs")
                or indptr[0] != 0
                or indptr[-1] != len(indices)
                or np.any(np.diff(indptr) < 0)
                or (indices.size and (indices.min() < 0 or indices.max() >= n_docs))
                or sorted(vocab.values()) != list(range(len(vocab)))
            ):
                raise ValueError("arrays are inconsistent")
            return cls(
                ids,
                vocab,
                data,
                indices,
                indptr,
                analyzer=analyzer,
                language_chars={str(k): int(v) for k, v in chars.items()},
            )
        except ValueError as e:
            raise ValueError(f"lexical index at {directory} is corrupt: {e}") from e
        except (OSError, KeyError, TypeError, EOFError, IndexError, zipfile.BadZipFile) as e:
            raise ValueError(f"lexical index at {directory} is unreadable: {e}") from e

    def __repr__(self) -> str:
        languages = ",".join(self.languages)
        return (
            f"LexicalIndex(docs={len(self)}, terms={self.vocabulary_size}, languages={languages})"
        )
