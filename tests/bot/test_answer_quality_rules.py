"""Rules every answer keeps on both sample libraries: reasons that quote no filler, baselines
that know nothing of the library's metadata, vague questions asked back, prospect names kept
out of retrieval."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.evaluate import read_questions
from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings
from content_store.db import transaction
from content_store.prospects import set_prospect_stage
from content_store.stage import Stage
from index.embedder import Embedder
from index.filler import is_filler
from index.search import HybridSearcher, SearchMode
from tests.conftest import EXAMPLES, start_ingested

ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = [
    ROOT / "examples",
    ROOT / "examples" / "servolta",
    ROOT / "examples" / "invoxa",
    ROOT / "holdout",
]
QUOTED = re.compile(r"“([^”]*)”")


@pytest.fixture(scope="module", params=LIBRARIES, ids=lambda p: p.name)
def sample(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[tuple[Services, Path]]:
    home = tmp_path_factory.mktemp(request.param.name) / "home"
    settings = Settings(home=home, database_url=f"sqlite:///{home.parent / 'lib.db'}")
    if request.param == EXAMPLES:
        # The session's ingest of examples/, copied: embedding it again here would add nothing.
        template = request.getfixturevalue("sample_template")
        services = start_ingested(settings, embedder, template, request.param / "content")
    else:
        services = Services(settings, embedder=embedder)
        ingest(services, request.param / "content")
    yield services, request.param / "questions.jsonl"
    services.close()


def test_no_reason_quotes_a_filler_word_or_a_short_word(sample: tuple[Services, Path]) -> None:
    services, questions = sample
    searcher = services.searcher()
    checked = 0
    for q in read_questions(questions):
        for result in searcher.search(q.question, stage=q.stage, k=5):
            for quoted in QUOTED.findall(result.reason):
                assert not is_filler(quoted), (q.question, result.reason)
                assert len(quoted) > 3, (q.question, result.reason)
            checked += 1
    assert checked > 400


def _stripped(searcher: HybridSearcher) -> HybridSearcher:
    return searcher.with_assets(
        {
            i: replace(a, type="", tags=(), competitors=(), stages=())
            for i, a in searcher.assets.items()
        }
    )


def test_baselines_do_not_change_when_the_metadata_is_removed(
    sample: tuple[Services, Path],
) -> None:
    services, questions = sample
    searcher = services.searcher()
    bare = _stripped(searcher)
    for q in read_questions(questions)[:60]:
        vector = services.embedder.encode_query(q.question)
        for mode in (SearchMode.DENSE, SearchMode.LEXICAL, SearchMode.FUSED):
            full = searcher.search(q.question, stage=q.stage, mode=mode, query_vector=vector)
            plain = bare.search(q.question, stage=q.stage, mode=mode, query_vector=vector)
            assert [r.asset_id for r in full] == [r.asset_id for r in plain], (mode, q.question)
    # ... while funnelbot's own ranking does use it.
    differs = 0
    for q in read_questions(questions)[:60]:
        vector = services.embedder.encode_query(q.question)
        full = searcher.search(q.question, stage=q.stage, query_vector=vector)
        plain = bare.search(q.question, stage=q.stage, query_vector=vector)
        differs += [r.asset_id for r in full] != [r.asset_id for r in plain]
    assert differs > 0


def test_a_question_with_nothing_to_search_on_is_asked_back_not_logged_as_a_gap(
    sample: tuple[Services, Path],
) -> None:
    services, _ = sample
    for text in ("what do I send?", "anything good for this one?", "wat stuur ik?"):
        answer = recommend(services, Question(text=text))
        assert answer.vague, text
        assert not answer.weak, text


def test_a_known_prospects_name_is_kept_out_of_retrieval(sample: tuple[Services, Path]) -> None:
    services, _ = sample
    with transaction(services.sessions) as session:
        set_prospect_stage(session, "Quantum Foods Logistics", Stage.CONSIDERATION)

    named = recommend(services, Question(text="overtime costs for Quantum Foods Logistics?"))
    without = recommend(services, Question(text="overtime costs for ?", stage=Stage.CONSIDERATION))

    assert named.prospect == "Quantum Foods Logistics"
    assert named.stage.stage is Stage.CONSIDERATION and not named.vague
    # "Foods" and "Logistics" pull nothing: the answer is the one for the question without them.
    assert [i.asset_id for i in named.items] == [i.asset_id for i in without.items]
