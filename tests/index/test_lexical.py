from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.lexical import LexicalIndex, TextAnalyzer, tokenize
from tests.conftest import EXAMPLES

DOCS = {
    11: "Acme SOC 2 Type II report. Our security controls pass an audit every year.",
    12: "Pricing overview: per-seat pricing with annual discounts for larger teams.",
    13: "Case study: how a fintech company cut onboarding time in half with Acme.",
    14: "Integration guide for Salesforce and HubSpot, with API examples.",
    15: "Security whitepaper covering encryption at rest and in transit.",
}

DUTCH = {
    21: "Offerte en prijzen voor grotere klanten, met een korting bij een jaarcontract.",
    22: "Klantcase: hoe een logistiek bedrijf zijn planning met de helft verkortte.",
    23: "Handleiding voor de koppeling met Salesforce en HubSpot, met voorbeelden.",
}


@pytest.fixture
def lex() -> LexicalIndex:
    return LexicalIndex.build(list(DOCS), list(DOCS.values()))


def test_tokenize() -> None:
    # English Snowball: "policies" and "policy" both become "polici".
    assert tokenize("The SOC 2 Report, and the Policies!") == ["soc", "2", "report", "polici"]
    assert tokenize("policy") == ["polici"]
    assert tokenize("") == []
    assert tokenize("the of and is") == []
    assert tokenize("Café ＡＰＩ naïve") == ["café", "api", "naïv"]  # NFKC + casefold
    assert tokenize("reports") == tokenize("report")
    assert tokenize("pricing") == tokenize("prices")


def test_dutch_is_stemmed_and_its_stop_words_dropped() -> None:
    assert tokenize("de offertes van onze klanten", "nl") == ["offert", "onze", "klant"]
    assert tokenize("offerte", "nl") == tokenize("offertes", "nl")
    # The same words under English rules keep the Dutch stop words and plurals.
    assert tokenize("de offertes van onze klanten") == ["de", "offert", "van", "onz", "klanten"]


def test_each_text_and_question_is_analysed_in_its_own_language() -> None:
    analyzer = TextAnalyzer(["en", "nl"])
    assert analyzer.document_tokens(DUTCH[21])[0] == "nl"
    assert analyzer.document_tokens(DOCS[12])[0] == "en"
    assert analyzer.query_tokens("Welke klantcases hebben we voor logistieke bedrijven?") == [
        "welke",
        "klantcas",
        "logistieke",
        "bedrijf",
    ]
    # One word says too little to tell the language: analysed in each, each token once.
    assert analyzer.detect("klanten")[1] < 0.9
    assert analyzer.query_tokens("klanten") == ["klant", "klanten"]


def test_a_dutch_question_finds_the_dutch_text_by_its_stems() -> None:
    index = LexicalIndex.build([*DOCS, *DUTCH], [*DOCS.values(), *DUTCH.values()])
    assert index.languages == ("en", "nl")
    # "offertes"/"klant"/"jaarcontracten" appear in the text only as "Offerte"/"klanten"/
    # "jaarcontract".
    assert index.search("offertes voor een klant met jaarcontracten", 5)[0][0] == 21
    assert index.search("een klantcase over planning", 5)[0][0] == 22
    shares = index.language_shares()
    assert set(shares) == {"en", "nl"}
    assert shares["nl"] == pytest.approx(
        sum(map(len, DUTCH.values())) / sum(map(len, [*DOCS.values(), *DUTCH.values()]))
    )


def test_a_question_is_told_how_much_of_the_library_is_in_its_language() -> None:
    # The weak-match signal: word overlap means little where the library is in another language.
    english = LexicalIndex.build(list(DOCS), list(DOCS.values()))
    mixed = LexicalIndex.build([*DOCS, *DUTCH], [*DOCS.values(), *DUTCH.values()])
    dutch_question = "hebben we een klantcase voor een logistiek bedrijf?"
    english_question = "do we have a case study for a logistics company?"

    assert english.share_written_like(dutch_question) == 0.0
    assert english.share_written_like(english_question) == 1.0
    assert mixed.share_written_like(dutch_question) == pytest.approx(mixed.language_shares()["nl"])
    assert mixed.share_written_like(english_question) == pytest.approx(
        mixed.language_shares()["en"]
    )


def test_languages_are_configurable_and_checked() -> None:
    english_only = LexicalIndex.build(list(DUTCH), list(DUTCH.values()), languages=["en"])
    assert english_only.languages == ("en",)
    assert english_only.language_shares() == {"en": 1.0}
    # Dutch stop words are then ordinary words, and Dutch plurals are not folded.
    assert english_only.search("de", 5)
    assert english_only.search("klant", 5) == []
    german = LexicalIndex.build([1], ["Die Angebote für unsere Kunden"], languages=["en", "de"])
    assert german.search("Angebot Kunde", 5)[0][0] == 1
    with pytest.raises(ValueError, match="unsupported language xx"):
        TextAnalyzer(["en", "xx"])


def test_exact_term_ranks_first(lex: LexicalIndex) -> None:
    assert len(lex) == 5
    hits = lex.search("salesforce", 5)
    assert hits[0][0] == 14
    assert len(hits) == 1
    hits = lex.search("security audit", 5)
    assert hits[0][0] == 11
    assert {i for i, _ in hits} == {11, 15}
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert all(isinstance(i, int) and isinstance(s, float) for i, s in hits)


def test_unknown_tokens_give_nothing(lex: LexicalIndex) -> None:
    assert lex.search("kubernetes zebra", 5) == []
    assert lex.search("the and of", 5) == []  # stopwords only
    assert lex.search("", 5) == []
    # Known and unknown mixed: the unknown part is ignored.
    assert lex.search("zebra pricing", 5)[0][0] == 12


def test_k_bounds(lex: LexicalIndex) -> None:
    assert len(lex.search("acme", 100)) == 2  # k larger than corpus / matches
    assert len(lex.search("acme security", 1)) == 1
    assert lex.search("acme", 0) == []
    assert lex.search("acme", -1) == []


def test_empty_index(tmp_path: Path) -> None:
    empty = LexicalIndex.build([], [])
    assert len(empty) == 0
    assert empty.search("security", 5) == []
    empty.save(tmp_path / "lex")
    assert LexicalIndex.load(tmp_path / "lex").search("security", 5) == []


def test_corpus_without_any_token() -> None:
    index = LexicalIndex.build([1, 2], ["", "the and of"])
    assert len(index) == 2
    assert index.search("the", 5) == []


def test_build_validation() -> None:
    with pytest.raises(ValueError, match="ids but"):
        LexicalIndex.build([1, 2], ["one"])
    with pytest.raises(ValueError, match="duplicates"):
        LexicalIndex.build([1, 1], ["one", "two"])
    with pytest.raises(ValueError, match="expected str"):
        LexicalIndex.build([1], [None])  # type: ignore[list-item]


def test_save_load_round_trip(lex: LexicalIndex, tmp_path: Path) -> None:
    directory = tmp_path / "lexical"
    lex.save(directory)
    loaded = LexicalIndex.load(directory)
    assert len(loaded) == len(lex)
    for query in ["security audit", "pricing", "acme api", "fintech onboarding"]:
        assert loaded.search(query, 10) == lex.search(query, 10)


def test_languages_and_their_shares_survive_a_save(tmp_path: Path) -> None:
    built = LexicalIndex.build([1, 2], [DUTCH[21], DOCS[11]], languages=["nl", "en"])
    built.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded.languages == ("nl", "en")
    assert loaded.language_shares() == built.language_shares()
    assert loaded.search("offertes", 5) == built.search("offertes", 5) != []


def test_save_replaces_previous_and_leaves_no_temp_dirs(lex: LexicalIndex, tmp_path: Path) -> None:
    directory = tmp_path / "lexical"
    LexicalIndex.build([1], ["kubernetes operators"]).save(directory)
    lex.save(directory)
    assert [p.name for p in tmp_path.iterdir()] == ["lexical"]
    loaded = LexicalIndex.load(directory)
    assert loaded.search("kubernetes", 5) == []
    assert loaded.search("salesforce", 5)[0][0] == 14


def test_failed_save_keeps_previous_index(
    lex: LexicalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "lexical"
    lex.save(directory)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError("simulated crash while writing")

    monkeypatch.setattr("index.lexical.json.dump", crash)
    with pytest.raises(OSError, match="simulated"):
        LexicalIndex.build([1], ["other"]).save(directory)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["lexical"]
    assert LexicalIndex.load(directory).search("salesforce", 5)[0][0] == 14


def test_load_falls_back_to_backup_after_interrupted_swap(
    lex: LexicalIndex, tmp_path: Path
) -> None:
    directory = tmp_path / "lexical"
    lex.save(directory)
    # What a crash between "move old aside" and "move new in" leaves behind.
    directory.rename(tmp_path / ".lexical.old")
    assert LexicalIndex.load(directory).search("salesforce", 5)[0][0] == 14
    lex.save(directory)
    assert [p.name for p in tmp_path.iterdir()] == ["lexical"]


def test_load_missing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no lexical index"):
        LexicalIndex.load(tmp_path / "nothing")


@pytest.mark.parametrize("victim", ["meta.json", "vocab.json", "postings.npz"])
def test_load_corrupt(lex: LexicalIndex, tmp_path: Path, victim: str) -> None:
    directory = tmp_path / "lexical"
    lex.save(directory)
    (directory / victim).write_bytes(b"\x00garbage")
    with pytest.raises(ValueError, match="lexical index"):
        LexicalIndex.load(directory)


def test_load_rejects_other_tokenizer_version(lex: LexicalIndex, tmp_path: Path) -> None:
    directory = tmp_path / "lexical"
    lex.save(directory)
    meta = json.loads((directory / "meta.json").read_text())
    meta["tokenizer_version"] = -1
    (directory / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="rebuild"):
        LexicalIndex.load(directory)


def test_postings_are_bm25s_lucene_scores_to_the_bit() -> None:
    """The index is built without bm25s; every (token, chunk) score must still be bm25s's."""
    bm25s = pytest.importorskip("bm25s", reason="bm25s comes with the dev extra")
    from content_store.loaders import load_library
    from index.chunking import chunk_text

    examples = Path(__file__).resolve().parents[2] / "examples" / "content"
    texts = [c for item in load_library(examples).items for c in chunk_text(item.title, item.body)]
    texts += ["", "the of and", "SOC 2 SOC 2 SOC 2 audits", "Audits? audits. AUDITS"]
    texts += [*DUTCH.values(), "De offertes, de offerte en nog een offerte voor de klanten."]
    ours = LexicalIndex.build(list(range(100, 100 + len(texts))), texts)

    # bm25s is given the very tokens our analysis makes, each text in its detected language.
    analyzer = TextAnalyzer(ours.languages)
    tokens = [analyzer.document_tokens(t) for t in texts]
    assert {language for language, _ in tokens} == {"en", "nl"}
    reference = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    reference.index([t for _, t in tokens], create_empty_token=False, show_progress=False)
    scores = reference.scores
    assert set(reference.vocab_dict) == set(ours._vocab)
    for token, theirs_id in reference.vocab_dict.items():
        lo, hi = scores["indptr"][theirs_id], scores["indptr"][theirs_id + 1]
        theirs = dict(
            zip(scores["indices"][lo:hi].tolist(), scores["data"][lo:hi].tolist(), strict=True)
        )
        mine_id = ours._vocab[token]
        lo, hi = ours._indptr[mine_id], ours._indptr[mine_id + 1]
        mine = dict(zip(ours._indices[lo:hi].tolist(), ours._data[lo:hi].tolist(), strict=True))
        assert mine == theirs, token


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Onze prospect twijfelt nog tussen ons en Forecastly. Wat kan ik het beste sturen?", "nl"),
        ("welke casestudy voor logistiek", "nl"),
        ("prospect asked for our SOC 2 report", "en"),
        ("What do I send Acme?", "en"),
        # A name or a lone term says nothing of the writer's language.
        ("Forecastly", None),
        ("Acme Foods", None),
        ("Jansen Bouw", None),
        ("offerte", None),
        ("SOC 2", None),
    ],
)
def test_the_language_a_question_is_clearly_written_in(text: str, language: str | None) -> None:
    assert TextAnalyzer(("en", "nl")).written_in(text) == language


def test_every_development_question_is_read_in_its_own_language() -> None:
    analyzer = TextAnalyzer(("en", "nl"))
    rows = [json.loads(line) for line in (EXAMPLES / "questions.jsonl").open()]
    assert {r["lang"] for r in rows} == {"en", "nl"}
    assert [analyzer.written_in(r["question"]) for r in rows] == [r["lang"] for r in rows]
