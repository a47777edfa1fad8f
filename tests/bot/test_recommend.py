"""The recommend use case end to end: stage sources, ranking and the log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.answer import StageSource
from bot.recommend import Question, QuestionError, recommend
from bot.services import Services
from content_store.db import transaction
from content_store.log import get_recommendation
from content_store.models import Recommendation, RecommendationItem
from content_store.prospects import set_prospect_stage
from content_store.stage import Stage


def test_stated_stage_option_wins(ingested: Services) -> None:
    answer = recommend(
        ingested, Question(text="what should I send about SOC 2?", stage=Stage.AWARENESS)
    )
    assert answer.stage.stage is Stage.AWARENESS
    assert answer.stage.source is StageSource.STATED


def test_stage_named_in_the_question(ingested: Services) -> None:
    answer = recommend(ingested, Question(text="they're in evaluation, need a logistics story"))
    assert answer.stage.stage is Stage.CONSIDERATION
    assert answer.stage.source is StageSource.STATED
    assert answer.stage.cue == "in evaluation"


def test_stored_prospect_stage_is_used_when_the_question_names_the_prospect(
    ingested: Services,
) -> None:
    with transaction(ingested.sessions) as session:
        set_prospect_stage(session, "Acme Foods", Stage.DECISION, changed_by="U1")

    answer = recommend(ingested, Question(text="what should I send to acme foods next?"))

    assert answer.stage.stage is Stage.DECISION
    assert answer.stage.source is StageSource.PROSPECT
    assert answer.prospect == "Acme Foods"


def test_the_longest_prospect_name_in_the_question_wins(ingested: Services) -> None:
    with transaction(ingested.sessions) as session:
        set_prospect_stage(session, "Acme", Stage.AWARENESS)
        set_prospect_stage(session, "Acme Foods", Stage.DECISION)
        set_prospect_stage(session, "Foods", Stage.CONSIDERATION)

    answer = recommend(ingested, Question(text="what should I send to Acme Foods?"))
    assert (answer.prospect, answer.stage.stage) == ("Acme Foods", Stage.DECISION)
    # Whole words only: "acmes" is not Acme.
    other = recommend(ingested, Question(text="the acmes team wants a logistics story"))
    assert other.stage.source is not StageSource.PROSPECT


def test_the_prospect_the_question_names_is_found_among_many(ingested: Services) -> None:
    # The database narrows the stored names to those the text contains: names with LIKE's
    # wildcards in them are plain text, and case is folded on both sides.
    with transaction(ingested.sessions) as session:
        for n in range(600):
            set_prospect_stage(session, f"Account {n} Holdings", Stage.AWARENESS)
        set_prospect_stage(session, "Ünïcorn_50% Labs", Stage.DECISION)
        set_prospect_stage(session, "Account 417 Holdings", Stage.CONSIDERATION)

    found = recommend(ingested, Question(text="what next for ACCOUNT 417 HOLDINGS?"))
    assert (found.prospect, found.stage.stage) == ("Account 417 Holdings", Stage.CONSIDERATION)
    unicode = recommend(ingested, Question(text="a case study for ünïcorn_50% labs"))
    assert (unicode.prospect, unicode.stage.stage) == ("Ünïcorn_50% Labs", Stage.DECISION)
    wildcard = recommend(ingested, Question(text="a case study for ünïcornx50z labs"))
    assert wildcard.stage.source is not StageSource.PROSPECT


def test_prospect_option_uses_its_stored_stage(ingested: Services) -> None:
    with transaction(ingested.sessions) as session:
        set_prospect_stage(session, "Globex", Stage.AWARENESS)

    answer = recommend(ingested, Question(text="what do I send?", prospect="globex"))

    assert (answer.stage.stage, answer.stage.source) == (Stage.AWARENESS, StageSource.PROSPECT)


def test_stage_inferred_from_wording(ingested: Services) -> None:
    answer = recommend(ingested, Question(text="Acme is comparing us with Forecastly"))
    assert answer.stage.stage is Stage.CONSIDERATION
    assert answer.stage.source is StageSource.INFERRED
    assert 0.0 < answer.stage.confidence < 1.0
    assert "inferred" in answer.stage.explain()


def test_everyday_words_never_override_the_stored_stage(ingested: Services) -> None:
    with transaction(ingested.sessions) as session:
        set_prospect_stage(session, "Initech", Stage.AWARENESS)

    answer = recommend(
        ingested, Question(text="How do they put forecasting into action at Initech?")
    )

    assert (answer.stage.stage, answer.stage.source) == (Stage.AWARENESS, StageSource.PROSPECT)


def test_stage_fit_changes_the_order(ingested: Services) -> None:
    question = "what should I send about inventory forecasting?"
    early = recommend(ingested, Question(text=question, stage=Stage.AWARENESS))
    late = recommend(ingested, Question(text=question, stage=Stage.DECISION))

    searcher = ingested.searcher()

    def decision_weight(answer) -> float:  # type: ignore[no-untyped-def]
        # Decision-stage assets weighted by 1/rank: moving one up counts, not only adding one.
        return sum(
            1 / item.rank
            for item in answer.items
            if Stage.DECISION in searcher.assets[item.asset_id].stages
        )

    assert decision_weight(late) > decision_weight(early)
    assert [i.asset_id for i in early.items] != [i.asset_id for i in late.items]


def test_one_result_per_asset_with_reasons(ingested: Services) -> None:
    answer = recommend(ingested, Question(text="how does Tidewell compare with Forecastly?", k=5))
    ids = [i.asset_id for i in answer.items]
    assert len(ids) == 5
    assert len(set(ids)) == 5
    assert all(item.reason for item in answer.items)
    assert [i.rank for i in answer.items] == [1, 2, 3, 4, 5]


def test_competitor_question_surfaces_the_competitor_content_with_a_reason(
    ingested: Services,
) -> None:
    answer = recommend(ingested, Question(text="Acme is comparing us with Forecastly"))
    top = answer.items[0]
    assert "Forecastly" in ingested.searcher().assets[top.asset_id].competitors
    assert "Forecastly" in top.reason


def test_every_answer_is_logged_with_its_items(ingested: Services) -> None:
    questions = ["SOC 2 report please", "pricing for 40 stores", "why not spreadsheets?"]
    answers = [
        recommend(ingested, Question(text=q, source="cli", asker="U7", prospect="Initech"))
        for q in questions
    ]

    with ingested.sessions() as session:
        assert session.scalar(select(func.count(Recommendation.id))) == 3
        for answer in answers:
            row = get_recommendation(session, answer.recommendation_id)
            assert row is not None
            assert row.question == answer.question
            assert (row.source, row.asker, row.prospect) == ("cli", "U7", "Initech")
            assert row.stage_source == str(answer.stage.source)
            assert [(i.item_id, i.rank) for i in row.items] == [
                (i.asset_id, i.rank) for i in answer.items
            ]
            assert row.latency_ms > 0
        assert session.scalar(select(func.count(RecommendationItem.id))) == sum(
            len(a.items) for a in answers
        )


def test_weak_match_is_flagged_and_logged(ingested: Services) -> None:
    answer = recommend(ingested, Question(text="recipe for sourdough bread with rye flour"))
    assert answer.weak is True
    with ingested.sessions() as session:
        row = session.get_one(Recommendation, answer.recommendation_id)
        assert row.weak is True


def test_strong_match_is_not_weak(ingested: Services) -> None:
    answer = recommend(ingested, Question(text="prospect asked for our SOC 2 report"))
    assert answer.weak is False
    assert answer.items[0].asset_id == "sec-security-whitepaper"


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_001])
def test_unanswerable_questions_are_refused_clearly_and_not_logged(
    ingested: Services, text: str
) -> None:
    with pytest.raises(QuestionError):
        recommend(ingested, Question(text=text))
    with ingested.sessions() as session:
        assert session.scalar(select(func.count(Recommendation.id))) == 0


def test_same_request_key_is_logged_once(ingested: Services) -> None:
    first = recommend(ingested, Question(text="pricing please", request_key="Ev123"))
    second = recommend(ingested, Question(text="pricing please", request_key="Ev123"))
    assert first.recommendation_id == second.recommendation_id
    with ingested.sessions() as session:
        assert session.scalar(select(func.count(Recommendation.id))) == 1
