"""Split an asset's text into overlapping, title-prefixed passages for embedding and BM25."""

from __future__ import annotations

import re

_PARAGRAPH_RE = re.compile(r"\n\s*\n")
# A word ends a sentence if it ends in . ! or ? (optionally followed by closing quotes or
# brackets), unless it is a common abbreviation.
_SENTENCE_END_RE = re.compile(r"[.!?][\"'\u2019\u201d)\]]*$")
_ABBREVIATION_TEXT = """
e.g. i.e. etc. vs. mr. mrs. ms. dr. inc. ltd. co. corp. jr. sr. st. no. fig. approx.
u.s. u.k. a.m. p.m.
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())

_NONE, _SENTENCE, _PARAGRAPH = 0, 1, 2


def _words_and_breaks(body: str) -> tuple[list[str], list[int]]:
    """Body words plus, per word, how strong a break follows it (none/sentence/paragraph)."""
    words: list[str] = []
    breaks: list[int] = []
    for paragraph in _PARAGRAPH_RE.split(body):
        para_words = paragraph.split()
        if not para_words:
            continue
        for w in para_words:
            words.append(w)
            ends = bool(_SENTENCE_END_RE.search(w)) and w.lower() not in _ABBREVIATIONS
            breaks.append(_SENTENCE if ends else _NONE)
        breaks[-1] = _PARAGRAPH
    return words, breaks


def _prefix(title: str) -> str:
    if not title:
        return ""
    # Don't stack punctuation: "Pricing FAQ?" stays as is, "Pricing" becomes "Pricing."
    return f"{title} " if title[-1] in ".!?:;" else f"{title}. "


# The rule chunks are cut by, recorded with each chunk: a library chunked by another rule is
# chunked again at its next ingest. 80 words and the title come to ~128 word pieces, the length
# all-MiniLM-L6-v2 was trained at; at 180 words 40% of passages ran past its 256-token limit
# and their tails never reached the vectors.
CHUNKING = "words-80/20"
MAX_WORDS = 80
OVERLAP = 20


def chunk_text(
    title: str, body: str, *, max_words: int = MAX_WORDS, overlap: int = OVERLAP
) -> list[str]:
    """Split ``body`` into passages of at most ``max_words`` words, each prefixed by ``title``.

    Passages end at a paragraph break where one falls in their second half, else at a
    sentence end, else exactly at ``max_words``. Each passage after the first starts with the
    last ``overlap`` words of the one before it (the overlap counts towards ``max_words``;
    the title does not). Whitespace is normalised to single spaces. An empty body gives
    ``[title]``; the result is never empty.
    """
    if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1:
        raise ValueError(f"max_words must be a positive integer, got {max_words!r}")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < max_words:
        raise ValueError(f"overlap must be an integer in [0, max_words), got {overlap!r}")
    title = " ".join(title.split())
    words, breaks = _words_and_breaks(body)
    if not words:
        return [title]

    prefix = _prefix(title)
    n = len(words)
    chunks: list[str] = []
    start = 0
    while True:
        limit = start + max_words
        if limit >= n:
            chunks.append(prefix + " ".join(words[start:]))
            return chunks
        # A chunk must be at least half full, and must add at least one word beyond the
        # overlap so that the next start moves forward.
        lowest = start + max(overlap + 1, max_words // 2)
        end = limit  # hard cut if no boundary qualifies
        for strength in (_PARAGRAPH, _SENTENCE):
            found = next(
                (e for e in range(limit, lowest - 1, -1) if breaks[e - 1] >= strength), None
            )
            if found is not None:
                end = found
                break
        chunks.append(prefix + " ".join(words[start:end]))
        start = end - overlap
