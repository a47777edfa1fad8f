"""Reading the buyer's stage from a rep's question: stated outright, or inferred from cues."""

from __future__ import annotations

import pytest

from content_store.stage import Stage
from index.stage import infer_stage, stage_named_in

# --- stage_named_in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "stage", "words"),
    [
        ("they're in evaluation, what should I send?", Stage.CONSIDERATION, "in evaluation"),
        ("Acme is at the decision stage now", Stage.DECISION, "at the decision"),
        ("we are in the negotiation phase with them", Stage.DECISION, "in the negotiation"),
        ("Negotiation phase: need the MSA", Stage.DECISION, "Negotiation phase"),
        ("they just moved to consideration", Stage.CONSIDERATION, "moved to consideration"),
        ("stage: BOFU, anything for the CFO?", Stage.DECISION, "stage: BOFU"),
        ("an awareness-stage lead from the webinar", Stage.AWARENESS, "awareness-stage"),
        ("they're at the top of the funnel", Stage.AWARENESS, "top of the funnel"),
        ("entering the interest phase", Stage.CONSIDERATION, "entering the interest"),
    ],
)
def test_stage_named_in_reads_a_stated_stage_and_its_synonyms(
    question: str, stage: Stage, words: str
) -> None:
    assert stage_named_in(question) == (stage, words)


@pytest.mark.parametrize(
    "question",
    [
        "I'm meeting the decision maker tomorrow",
        "send something for the decision-maker",
        "get this in the decision makers' hands",
        "they made a decision last week",
        "what do we have on SOC 2?",
    ],
)
def test_stage_named_in_does_not_mistake_other_words_for_a_stage(question: str) -> None:
    assert stage_named_in(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "they're in the middle of a reorg, what should I send?",
        "meeting their CEO at the top of the hour",
    ],
)
def test_stage_named_in_does_not_read_funnel_words_used_in_everyday_phrases(
    question: str,
) -> None:
    # Like "decision maker", these use a stage synonym ("middle", "top") without naming a
    # stage; reading them as stated would label the answer "as you said" with confidence 1.
    assert stage_named_in(question) is None


# --- infer_stage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "stage", "cue"),
    [
        ("they asked for pricing and the contract terms", Stage.DECISION, "pricing"),
        ("legal wants our SOC 2 report before signing", Stage.DECISION, "SOC 2"),
        ("they want to compare us with PlanRight and see a demo", Stage.CONSIDERATION, "compare"),
        ("they're evaluating three vendors, any case studies?", Stage.CONSIDERATION, "evaluating"),
        ("they don't see the problem, still on spreadsheets", Stage.AWARENESS, "don't see"),
        ("first call with a new lead", Stage.AWARENESS, "first call"),
    ],
)
def test_infer_stage_reads_clear_cues_for_each_stage(question: str, stage: Stage, cue: str) -> None:
    guess = infer_stage(question)

    assert guess.stage is stage
    assert guess.cue == cue
    assert guess.confidence >= 0.6  # clear enough that the bot need not say it is unsure


def test_infer_stage_without_cues_has_no_stage_and_zero_confidence() -> None:
    guess = infer_stage("hello, what's new?")

    assert guess.stage is None
    assert guess.confidence == 0.0
    assert guess.cue is None


def test_infer_stage_mixed_cues_are_less_confident_than_the_same_cues_alone() -> None:
    clear = infer_stage("they asked for pricing and the contract terms")
    mixed = infer_stage("they asked for pricing and the contract terms, compared with PlanRight")

    assert clear.stage is mixed.stage is Stage.DECISION
    assert mixed.confidence < clear.confidence


def test_infer_stage_is_unsure_when_two_stages_are_cued_equally() -> None:
    guess = infer_stage("pricing versus PlanRight")  # one decision cue, one consideration cue

    assert guess.stage in (Stage.DECISION, Stage.CONSIDERATION)
    assert 0.0 < guess.confidence < 0.6


def test_infer_stage_more_evidence_for_one_stage_raises_confidence() -> None:
    one_cue = infer_stage("they asked about pricing")
    two_cues = infer_stage("they asked about pricing and the contract")

    assert one_cue.stage is two_cues.stage is Stage.DECISION
    assert one_cue.confidence < two_cues.confidence <= 1.0


def test_infer_stage_ignores_case() -> None:
    assert infer_stage("PRICING PLEASE").stage is Stage.DECISION
