from __future__ import annotations

import itertools

import pytest

from index.chunking import chunk_text

TITLE = "Acme Security Whitepaper"
PREFIX = TITLE + ". "


def passages(chunks: list[str], prefix: str = PREFIX) -> list[list[str]]:
    assert all(c.startswith(prefix) for c in chunks)
    return [c[len(prefix) :].split() for c in chunks]


def sentence(i: int, n_words: int = 12) -> str:
    return " ".join(f"s{i}w{j}" for j in range(n_words - 1)) + f" s{i}end."


def make_body(paragraphs: int = 6, sentences: int = 5) -> str:
    k = 0
    paras = []
    for _ in range(paragraphs):
        paras.append(" ".join(sentence(k + j) for j in range(sentences)))
        k += sentences
    return "\n\n".join(paras)


def rebuild(parts: list[list[str]], overlap: int) -> list[str]:
    words = list(parts[0])
    for p in parts[1:]:
        words.extend(p[overlap:])
    return words


@pytest.mark.parametrize(("max_words", "overlap"), [(180, 30), (50, 10), (25, 0), (13, 12)])
def test_limits_overlap_and_coverage(max_words: int, overlap: int) -> None:
    body = make_body()
    chunks = chunk_text(TITLE, body, max_words=max_words, overlap=overlap)
    parts = passages(chunks)
    assert all(0 < len(p) <= max_words for p in parts)
    for prev, nxt in itertools.pairwise(parts):
        if overlap:
            assert nxt[:overlap] == prev[-overlap:]
        assert len(nxt) > overlap  # every chunk brings something new
    # Nothing lost, nothing reordered.
    assert rebuild(parts, overlap) == body.split()


def test_short_body_is_one_chunk() -> None:
    assert chunk_text(TITLE, "Encryption at rest.\n\nAnd in transit.") == [
        f"{PREFIX}Encryption at rest. And in transit."
    ]


def test_prefers_paragraph_then_sentence_boundaries() -> None:
    # Paragraphs of 30 words (sentences of 10): with room for 40 words a chunk should
    # end at the paragraph break rather than mid-way through the next paragraph.
    body = "\n\n".join(" ".join(sentence(p * 3 + s, 10) for s in range(3)) for p in range(4))
    parts = passages(chunk_text(TITLE, body, max_words=40, overlap=0))
    assert [len(p) for p in parts] == [30, 30, 30, 30]
    # Without paragraph breaks the cut falls on the last sentence end that fits.
    flat = body.replace("\n\n", " ")
    parts = passages(chunk_text(TITLE, flat, max_words=45, overlap=0))
    assert all(p[-1].endswith(".") for p in parts)
    assert [len(p) for p in parts] == [40, 40, 40]


def test_long_paragraph_without_punctuation() -> None:
    body = " ".join(f"w{i}" for i in range(1000))
    chunks = chunk_text(TITLE, body, max_words=100, overlap=20)
    parts = passages(chunks)
    assert all(len(p) == 100 for p in parts[:-1])  # hard cuts at the limit
    assert 0 < len(parts[-1]) <= 100
    assert rebuild(parts, 20) == body.split()
    assert len(chunks) == 13  # 100 + 12 * 80 >= 1000


def test_empty_body_gives_title() -> None:
    assert chunk_text(TITLE, "") == [TITLE]
    assert chunk_text(TITLE, "  \n\n \t ") == [TITLE]
    assert chunk_text("", "") == [""]  # never an empty list


def test_title_prefix_forms() -> None:
    assert chunk_text("Pricing FAQ?", "Seats are billed monthly.") == [
        "Pricing FAQ? Seats are billed monthly."
    ]
    assert chunk_text("  Pricing \n overview ", "Per seat.") == ["Pricing overview. Per seat."]
    assert chunk_text("", "Per seat.") == ["Per seat."]


def test_abbreviations_are_not_sentence_ends() -> None:
    body = "Works with CRMs e.g. Salesforce and HubSpot today. " * 20
    parts = passages(chunk_text(TITLE, body, max_words=20, overlap=0))
    assert all(p[-1] == "today." for p in parts)


def test_deterministic() -> None:
    body = make_body(4, 7)
    assert chunk_text(TITLE, body, max_words=33, overlap=7) == chunk_text(
        TITLE, body, max_words=33, overlap=7
    )


@pytest.mark.parametrize(("max_words", "overlap"), [(0, 0), (-5, 0), (10, 10), (10, -1), (10, 11)])
def test_bad_arguments(max_words: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        chunk_text(TITLE, "body", max_words=max_words, overlap=overlap)
