"""The answer object every surface renders: the stage line and the JSON form."""

from __future__ import annotations

import json

import pytest

from bot.answer import Answer, AnswerItem, StageDecision, StageSource
from content_store.stage import Stage


def test_a_stated_stage_is_explained_as_what_the_rep_said() -> None:
    decision = StageDecision(Stage.DECISION, StageSource.STATED, 1.0, cue="at the decision stage")

    assert decision.explain() == "decision stage, as you said"


def test_a_stored_stage_names_the_prospect_it_was_stored_for() -> None:
    with_prospect = StageDecision(Stage.CONSIDERATION, StageSource.PROSPECT, 1.0, cue="Acme")
    without = StageDecision(Stage.CONSIDERATION, StageSource.PROSPECT, 1.0)

    assert with_prospect.explain() == "consideration stage, stored for Acme"
    assert without.explain() == "consideration stage, stored"


def test_a_confident_inference_quotes_the_cue_without_hedging() -> None:
    decision = StageDecision(Stage.DECISION, StageSource.INFERRED, 0.85, cue="pricing")

    assert decision.explain() == "decision stage (inferred from “pricing”, 85% sure)"
    assert "probably" not in decision.explain()


def test_a_low_confidence_inference_says_probably_and_low_confidence() -> None:
    decision = StageDecision(Stage.CONSIDERATION, StageSource.INFERRED, 0.42, cue="versus")

    assert decision.explain() == ("probably consideration stage (inferred from “versus”, 42% sure)")


def test_an_inference_without_a_cue_says_what_it_came_from() -> None:
    decision = StageDecision(Stage.AWARENESS, StageSource.INFERRED, 0.9)

    assert decision.explain() == (
        "awareness stage (inferred from the question and the closest assets, 90% sure)"
    )


def test_no_stage_is_explained_as_unknown() -> None:
    decision = StageDecision(None, StageSource.UNKNOWN, 0.0)

    assert decision.explain().startswith("stage unknown")


@pytest.mark.parametrize(
    ("source", "confidence", "uncertain"),
    [
        (StageSource.INFERRED, 0.59, True),
        (StageSource.INFERRED, 0.6, False),
        (StageSource.INFERRED, 0.95, False),
        (StageSource.STATED, 0.3, False),
        (StageSource.PROSPECT, 0.3, False),
    ],
)
def test_only_a_low_confidence_inference_is_uncertain(
    source: StageSource, confidence: float, uncertain: bool
) -> None:
    assert StageDecision(Stage.DECISION, source, confidence).uncertain is uncertain


def item(rank: int, **changes: object) -> AnswerItem:
    values: dict[str, object] = {
        "asset_id": f"asset-{rank}",
        "title": f"Asset {rank}",
        "url": f"https://example.com/{rank}",
        "type": "case-study",
        "stages": (Stage.CONSIDERATION, Stage.DECISION),
        "score": 0.123456,
        "reason": "consideration-stage case study",
        "rank": rank,
    }
    values.update(changes)
    return AnswerItem(**values)  # type: ignore[arg-type]


def test_answer_to_json_has_the_documented_keys_and_plain_values() -> None:
    answer = Answer(
        recommendation_id=42,
        question="case study for a retailer?",
        prospect="Acme",
        stage=StageDecision(Stage.CONSIDERATION, StageSource.INFERRED, 0.876, cue="case study"),
        items=(item(1), item(2, url=None)),
        weak=False,
        latency_ms=12.345,
    )

    data = answer.to_json()

    assert set(data) == {
        "recommendation_id",
        "question",
        "prospect",
        "stage",
        "stage_source",
        "stage_confidence",
        "weak_match",
        "vague",
        "items",
        "latency_ms",
    }
    assert data["recommendation_id"] == 42
    assert data["question"] == "case study for a retailer?"
    assert data["prospect"] == "Acme"
    assert data["stage"] == "consideration"
    assert data["stage_source"] == "inferred"
    assert data["stage_confidence"] == 0.88
    assert data["weak_match"] is False
    assert data["latency_ms"] == 12.3
    assert [i["id"] for i in data["items"]] == ["asset-1", "asset-2"]
    first = data["items"][0]
    assert set(first) == {"id", "title", "url", "type", "stages", "score", "reason"}
    assert first["stages"] == ["consideration", "decision"]
    assert first["score"] == 0.1235
    assert data["items"][1]["url"] is None
    # Plain JSON types only: the CLI prints it with json.dumps.
    assert json.loads(json.dumps(data)) == data


def test_answer_to_json_without_a_stage_gives_null() -> None:
    answer = Answer(
        recommendation_id=1,
        question="anything?",
        prospect=None,
        stage=StageDecision(None, StageSource.UNKNOWN, 0.0),
        items=(),
        weak=True,
        latency_ms=3.0,
    )

    data = answer.to_json()

    assert data["stage"] is None
    assert data["stage_source"] == "unknown"
    assert data["prospect"] is None
    assert data["weak_match"] is True
    assert data["items"] == []
