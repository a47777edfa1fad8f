"""The stage vocabulary shared by content, prospects and questions."""

from __future__ import annotations

import pytest

from content_store.stage import STAGE_ORDER, STAGE_SYNONYMS, Stage, parse_stage


def test_stages_are_ordered_along_the_funnel() -> None:
    assert STAGE_ORDER == (Stage.AWARENESS, Stage.CONSIDERATION, Stage.DECISION, Stage.CUSTOMER)
    assert [s.position for s in STAGE_ORDER] == [0, 1, 2, 3]


def test_customer_is_parsed_but_never_read_from_a_question() -> None:
    from index.stage import stage_named_in

    assert parse_stage("customer") is Stage.CUSTOMER
    assert stage_named_in("anything for a customer in customer success?") is None


def test_a_stage_prints_as_its_plain_name() -> None:
    assert str(Stage.DECISION) == "decision"
    assert f"{Stage.AWARENESS}-stage" == "awareness-stage"


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("awareness", Stage.AWARENESS),
        ("Consideration", Stage.CONSIDERATION),
        ("  DECISION \n", Stage.DECISION),
        ("decision-stage", Stage.DECISION),
        ("Consideration Stage", Stage.CONSIDERATION),
    ],
)
def test_parse_stage_accepts_stage_names_in_any_case_with_or_without_stage(
    text: str, stage: Stage
) -> None:
    assert parse_stage(text) is stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # TOFU / MOFU / BOFU
        ("TOFU", Stage.AWARENESS),
        ("mofu", Stage.CONSIDERATION),
        ("BoFu", Stage.DECISION),
        ("top", Stage.AWARENESS),
        ("middle", Stage.CONSIDERATION),
        ("bottom", Stage.DECISION),
        # AIDA
        ("attention", Stage.AWARENESS),
        ("interest", Stage.CONSIDERATION),
        ("action", Stage.DECISION),
        # Words reps use
        ("discovery", Stage.AWARENESS),
        ("evaluation", Stage.CONSIDERATION),
        ("evaluating", Stage.CONSIDERATION),
        ("negotiation", Stage.DECISION),
        ("purchase", Stage.DECISION),
    ],
)
def test_parse_stage_maps_other_funnel_models_onto_our_stages(text: str, stage: Stage) -> None:
    assert parse_stage(text) is stage


def test_every_synonym_is_a_lowercase_key_that_parse_stage_accepts() -> None:
    for word, stage in STAGE_SYNONYMS.items():
        assert word == word.lower().strip()
        assert parse_stage(word.upper()) is stage


def test_every_stage_name_is_its_own_synonym() -> None:
    # All but customer, which a question's wording never names (it comes from the CRM).
    for stage in Stage:
        if stage is not Stage.CUSTOMER:
            assert STAGE_SYNONYMS[stage.value] is stage


@pytest.mark.parametrize("text", ["closing", "stage", "", "decisions", "late"])
def test_parse_stage_rejects_unknown_words_naming_them_and_the_accepted_stages(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_stage(text)

    message = str(error.value)
    assert repr(text) in message
    for stage in Stage:
        assert stage.value in message
