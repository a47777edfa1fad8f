"""Changing FUNNELBOT_EMBEDDING_MODEL: detected, re-embedded in full, never searched mixed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.reembed import reembed, start_model_switch
from bot.services import MixedVectors, Services
from bot.settings import Settings
from content_store.library import recorded_models
from content_store.models import Chunk
from index.embedder import DEFAULT_MODEL, MULTILINGUAL_MODEL, Embedder
from tests.bot.bilingual_library import write_library

E5_SIGNATURE = f"{MULTILINGUAL_MODEL}@onnx"
SECURITY_QUESTION = "prospect asked for our SOC 2 audit report"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_library(tmp_path / "content")


@pytest.fixture
def english(settings: Settings, embedder: Embedder, content: Path) -> Iterator[Services]:
    """A library ingested with the default model (torch backend)."""
    services = Services(settings, embedder=embedder)
    ingest(services, content)
    yield services
    services.close()


@pytest.fixture
def switched(english: Services, multilingual_embedder: Embedder) -> Iterator[Services]:
    """The same home and database, started again with FUNNELBOT_EMBEDDING_MODEL changed."""
    settings = replace(english.settings, embedding_model=MULTILINGUAL_MODEL, embedding_backend="")
    services = Services(settings, embedder=multilingual_embedder)
    yield services
    services.close()


def _records(services: Services) -> set[str]:
    with services.sessions() as session:
        return recorded_models(session)


def test_each_vector_records_the_model_and_backend_that_made_it(english: Services) -> None:
    assert _records(english) == {f"{DEFAULT_MODEL}@torch"}


def test_a_changed_model_is_never_searched_with_the_other_one(
    switched: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        searcher = switched.searcher()
    # The library's own model answers, not the configured one, until the library is re-embedded.
    assert searcher.embedder.model_id == DEFAULT_MODEL
    assert searcher.embedder is not switched.embedder
    notices = [r.getMessage() for r in caplog.records if "re-embedded in full" in r.getMessage()]
    assert len(notices) == 1
    assert DEFAULT_MODEL in notices[0] and MULTILINGUAL_MODEL in notices[0]
    assert "\n" not in notices[0]
    answer = recommend(switched, Question(text=SECURITY_QUESTION))
    assert answer.items[0].asset_id == "en-security-whitepaper"


def test_ingest_after_a_change_of_model_re_embeds_everything(
    switched: Services, content: Path
) -> None:
    report = ingest(switched, content)

    # The files did not change: every item is re-embedded all the same.
    assert report.counts["changed"] == 6 and report.counts["unchanged"] == 0
    assert any(
        "re-embedded in full" in str(n) and MULTILINGUAL_MODEL in str(n) for n in report.notices
    )
    assert _records(switched) == {E5_SIGNATURE}
    assert switched.searcher().embedder is switched.embedder
    again = ingest(switched, content)
    assert again.counts["unchanged"] == 6
    assert not any("re-embedded" in str(n) for n in again.notices)


def test_a_re_embed_at_start_up_keeps_the_old_index_answering_until_it_is_done(
    switched: Services, caplog: pytest.LogCaptureFixture
) -> None:
    old = switched.searcher()
    during: list[tuple[str, str, int | None]] = []

    def ask_meanwhile(done: int) -> None:
        answer = recommend(switched, Question(text=SECURITY_QUESTION))
        searcher = switched.searcher()
        during.append((answer.items[0].asset_id, searcher.embedder.model_id, searcher.version))

    report = reembed(switched, started_by="test", progress=ask_meanwhile)

    assert report is not None
    assert report.old_models == [DEFAULT_MODEL]
    assert report.chunks == 6
    assert during and all(
        d == ("en-security-whitepaper", DEFAULT_MODEL, old.version) for d in during
    )
    new = switched.searcher()
    assert new.embedder is switched.embedder
    assert new.version == report.run_id != old.version
    assert _records(switched) == {E5_SIGNATURE}
    answer = recommend(switched, Question(text=SECURITY_QUESTION))
    assert answer.items[0].asset_id == "en-security-whitepaper"
    assert reembed(switched) is None  # nothing left to do


def test_serving_starts_the_re_embed_in_the_background_only_when_needed(
    switched: Services, caplog: pytest.LogCaptureFixture
) -> None:
    # The whole run at WARNING: the thread's INFO lines must not depend on what an earlier
    # test left the root logger at.
    with caplog.at_level(logging.WARNING, logger="bot.reembed"):
        thread = start_model_switch(switched)
        assert thread is not None
        thread.join(timeout=300)
    assert not thread.is_alive()
    assert [r.getMessage() for r in caplog.records if r.name == "bot.reembed"] == [
        f"The library was embedded with {DEFAULT_MODEL}; FUNNELBOT_EMBEDDING_MODEL is "
        f"{MULTILINGUAL_MODEL}: it is re-embedded in full with {MULTILINGUAL_MODEL}, and "
        f"{DEFAULT_MODEL} answers until that is done."
    ]
    assert switched.searcher().embedder is switched.embedder
    assert start_model_switch(switched) is None


def test_vectors_of_two_models_side_by_side_are_refused(english: Services) -> None:
    with english.sessions.begin() as session:
        first = session.scalars(select(Chunk.id).order_by(Chunk.id).limit(1)).one()
        session.execute(update(Chunk).where(Chunk.id == first).values(embedding_model=E5_SIGNATURE))
    fresh = Services(english.settings, embedder=english.embedder)
    try:
        with pytest.raises(MixedVectors, match="several models"):
            fresh.searcher()
        # An ingest re-embeds the odd ones out, and the library is searchable again.
        ingest(fresh, english.settings.home.parent / "content")
        assert _records(fresh) == {f"{DEFAULT_MODEL}@torch"}
        assert fresh.searcher().embedder is english.embedder
    finally:
        fresh.close()
