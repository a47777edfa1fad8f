"""Stated stages (narrow, in English and Dutch) and the trained stage model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from content_store.stage import Stage
from index.stage import (
    StageModel,
    combine,
    guess_from,
    library_evidence,
    stage_named_in,
)
from index.stage_training import (
    BUNDLED_DIR,
    data_hash,
    expected_calibration_error,
    model_file_name,
    read_training_data,
    train,
)

SENTENCES = yaml.safe_load((Path(__file__).parent / "data" / "stated_stage.yaml").read_text())


def test_the_everyday_sentences_are_at_least_forty_in_both_languages() -> None:
    assert len(SENTENCES["not_stated"]) >= 40
    assert len(SENTENCES["stated"]) >= 40


@pytest.mark.parametrize("sentence", SENTENCES["not_stated"])
def test_everyday_uses_of_stage_words_are_never_read_as_a_stated_stage(sentence: str) -> None:
    assert stage_named_in(sentence) is None


@pytest.mark.parametrize("item", SENTENCES["stated"], ids=lambda item: item["text"][:40])
def test_a_stage_the_rep_states_is_read_with_the_words_that_state_it(item: dict) -> None:
    found = stage_named_in(item["text"])
    assert found is not None, item["text"]
    stage, words = found
    assert stage is Stage(item["stage"])
    assert words.casefold() in item["text"].casefold()


def test_a_teams_own_stage_phrases_count_as_stated() -> None:
    phrases = {Stage.DECISION: ("in legal", "contract phase")}
    assert stage_named_in("they are In Legal with us since monday", phrases) == (
        Stage.DECISION,
        "In Legal",
    )
    assert stage_named_in("they are in legalese hell", phrases) is None


def _toy_model(temperature: float = 1.0) -> StageModel:
    weights = np.zeros((3, 4), dtype=np.float32)
    weights[0, 0] = weights[1, 1] = weights[2, 2] = 4.0
    return StageModel(
        model_id="toy",
        classes=[Stage.AWARENESS, Stage.CONSIDERATION, Stage.DECISION],
        weights=weights,
        bias=np.zeros(3),
        temperature=temperature,
    )


def test_stage_model_probabilities_sum_to_one_and_follow_the_vector() -> None:
    model = _toy_model()
    p = model.probabilities(np.array([0.0, 0.0, 1.0, 0.0]))
    assert p.sum() == pytest.approx(1.0)
    assert guess_from(p, model.classes).stage is Stage.DECISION


def test_a_higher_temperature_makes_the_model_less_sure() -> None:
    vector = np.array([1.0, 0.0, 0.0, 0.0])
    assert _toy_model(2.0).probabilities(vector).max() < _toy_model(1.0).probabilities(vector).max()


def test_stage_model_rejects_a_vector_of_another_embedding() -> None:
    with pytest.raises(ValueError, match="takes 4-d vectors"):
        _toy_model().probabilities(np.ones(8))


def test_stage_model_survives_a_save_and_load(tmp_path: Path) -> None:
    texts, stages = read_training_data()
    texts, stages = texts[::3], stages[::3]  # a third is plenty to check the mechanics
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
    model, report = train(texts, vectors, stages, model_id="toy", data_hash="abc", c_grid=(4.0,))
    model.save(tmp_path / "toy.npz")
    loaded = StageModel.load(tmp_path / "toy.npz")
    for text, vector in list(zip(texts, vectors, strict=True))[:20]:
        assert loaded.probabilities(vector, text) == pytest.approx(
            model.probabilities(vector, text), abs=1e-5
        )
    assert loaded.data_hash == "abc" and loaded.classes == model.classes
    # The n-grams alone carry the stage: well above chance (1/3) on held-out folds.
    assert report.cv_accuracy > 0.55
    assert report.cv_ece < 0.15


def test_the_bundled_stage_model_is_trained_on_the_shipped_questions() -> None:
    # A stale bundle (questions changed, weights not retrained) would be retrained at every
    # start: scripts/train_stage_model.py must be rerun when the questions change.
    model = StageModel.load(BUNDLED_DIR / model_file_name("all-MiniLM-L6-v2"))
    assert model.data_hash == data_hash()
    assert model.model_id == "all-MiniLM-L6-v2" and model.dim == 384


def test_training_questions_cover_every_stage_in_english_and_dutch() -> None:
    import json

    from index.stage_training import DATA_PATH

    records = [json.loads(line) for line in DATA_PATH.read_text().splitlines() if line.strip()]
    assert len(records) >= 500
    for lang in ("en", "nl"):
        stages = {r["stage"] for r in records if r["lang"] == lang}
        assert stages == {"awareness", "consideration", "decision"}


def test_library_evidence_follows_the_stages_of_the_best_matching_assets() -> None:
    classes = (Stage.AWARENESS, Stage.CONSIDERATION, Stage.DECISION)
    p = library_evidence([(Stage.DECISION,), (Stage.DECISION, Stage.CONSIDERATION)], classes)
    assert p.sum() == pytest.approx(1.0)
    assert p.argmax() == 2 and p[0] < p[1] < p[2]


def test_combining_evidence_moves_an_unsure_question_towards_the_library() -> None:
    unsure = np.array([0.34, 0.33, 0.33])
    library = np.array([0.1, 0.1, 0.8])
    assert combine(unsure, library, library_weight=1.0).argmax() == 2
    assert combine(unsure, None).argmax() == 0


def test_expected_calibration_error_is_zero_when_confidence_matches_the_share_right() -> None:
    confidences = [0.75] * 4 + [1.0] * 2
    correct = [True, True, True, False, True, True]
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.0)
    assert expected_calibration_error([0.9] * 10, [False] * 10) == pytest.approx(0.9)


@pytest.mark.parametrize(
    "text",
    [
        "Acme is comparing us with Forecastly, what do I send?",
        "ZE zitten   in de beslissingsfase!!",
        "a",
        "élan\tvital",
        "",
    ],
)
def test_the_fast_ngram_path_gives_scikit_learns_logits(text: str) -> None:
    from index.stage import char_wb_ngrams, ngram_vectorizer

    model = StageModel.load(BUNDLED_DIR / model_file_name("all-MiniLM-L6-v2"))
    vectorizer = ngram_vectorizer(model.ngrams, model.idf)
    assert char_wb_ngrams(text) == vectorizer.build_analyzer()(text)
    grams = vectorizer.transform([text])
    expected = np.asarray(grams @ model.weights[:, : len(model.ngrams)].T).reshape(-1)
    assert model._ngram_logits(text) == pytest.approx(expected, abs=1e-4)
