"""The ONNX backends: local export at first use, faithful vectors, and how the bot picks one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings, SettingsError
from index.embedder import Embedder, cuda_available, resolve_model
from index.onnx_model import MODEL_FILE, check_exportable, ensure_exported, export_folder
from tests.conftest import SampleTemplate, start_ingested

TEXTS = [
    "Do you have a SOC 2 Type II report?",
    "   pricing sheet for a mid-market retailer  ",
    "x",
    "Ünïcödé naïve café — résumé, 日本語のテキスト",
    "case study about demand forecasting in logistics " * 60,  # far past 256 tokens
]


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def onnx_embedder(models_dir: Path) -> Embedder:
    """Exported once per session: the export takes seconds."""
    e = Embedder(backend="onnx", models_dir=models_dir)
    e.load()
    return e


@pytest.fixture(scope="session")
def int8_embedder(models_dir: Path) -> Embedder:
    e = Embedder(backend="onnx-int8", models_dir=models_dir)
    e.load()
    return e


def test_onnx_fp32_gives_the_same_vectors_as_sentence_transformers(
    embedder: Embedder, onnx_embedder: Embedder
) -> None:
    assert onnx_embedder.dim == embedder.dim == 384
    np.testing.assert_allclose(onnx_embedder.encode(TEXTS), embedder.encode(TEXTS), atol=2e-4)
    np.testing.assert_allclose(
        onnx_embedder.encode_query(TEXTS[0]), embedder.encode_query(TEXTS[0]), atol=2e-4
    )


def test_int8_vectors_stay_close_to_fp32(embedder: Embedder, int8_embedder: Embedder) -> None:
    quantized = int8_embedder.encode(TEXTS)
    exact = embedder.encode(TEXTS)

    np.testing.assert_allclose(np.linalg.norm(quantized, axis=1), 1.0, atol=1e-5)
    cosines = (quantized * exact).sum(axis=1)
    assert cosines.mean() >= 0.985
    assert cosines.min() >= 0.97  # the one-letter text moves most
    query = int8_embedder.encode_query("Do you have a SOC 2 security audit report?")
    security, cooking = int8_embedder.encode(
        [
            "Our SOC 2 Type II audit covers security controls, access reviews and encryption.",
            "Simmer the tomatoes with garlic and basil, then toss with fresh pasta.",
        ]
    )
    assert float(query @ security) > float(query @ cooking) + 0.2


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_bulk_encoding_gives_back_the_arena_a_question_never_needs(
    int8_embedder: Embedder,
) -> None:
    # Batches of 16 texts of 256 tokens grow ONNX Runtime's arena by ~450 MB, which it would
    # keep under everything a reindex builds next.
    long_texts = [f"forecasting case study number {i} " * 80 for i in range(64)]
    before = _resident_mb()
    vectors = int8_embedder.encode(long_texts)
    assert vectors.shape == (64, 384)
    assert _resident_mb() - before < 150
    # Questions still encode after the arena was given back, to the same vectors.
    question = "forecasting case study"
    np.testing.assert_allclose(
        int8_embedder.encode_query(question), int8_embedder.encode([question])[0], atol=1e-5
    )


def test_bulk_batches_run_side_by_side_and_come_back_in_order(onnx_embedder: Embedder) -> None:
    # fp32: a text's vector does not depend on its batch-mates, so each row can be checked
    # against the text encoded alone.
    texts = [f"{topic} for a {size} retailer" for topic in ("pricing", "SOC 2", "forecasting")
             for size in ("small", "mid-market", "global", "regional", "online")]  # fmt: skip
    seen: list[int] = []
    vectors = onnx_embedder.encode(texts, progress=seen.append)
    alone = np.stack([onnx_embedder.encode_query(t) for t in texts])
    np.testing.assert_allclose(vectors, alone, atol=1e-4)
    assert seen == sorted(seen) and seen[-1] == len(texts)


class _CountingSession:
    """ONNX Runtime's session, counting its runs (the library's object, not ours, is wrapped)."""

    def __init__(self, session: object) -> None:
        self._session = session
        self.runs = 0

    def run(self, *args: object, **kwargs: object) -> object:
        self.runs += 1
        return self._session.run(*args, **kwargs)  # type: ignore[attr-defined]


def test_one_text_runs_the_model_once_and_a_bulk_call_also_gives_the_arena_back(
    models_dir: Path,
) -> None:
    # The benchmark's floor is encode([question]): a second, arena-releasing run there would
    # add ~1.5 ms to the floor and flatter every ratio measured against it.
    embedder = Embedder(backend="onnx-int8", models_dir=models_dir)
    embedder.load()
    counting = _CountingSession(embedder._model._session)  # type: ignore[union-attr]
    embedder._model._session = counting  # type: ignore[union-attr]

    embedder.encode(["pricing for a retailer"])
    assert counting.runs == 1
    embedder.encode(["pricing for a retailer", "a case study"])
    assert counting.runs == 3  # one batch of two, then the run that gives the arena back


def test_the_export_is_made_once_under_the_models_folder_and_reused(
    models_dir: Path, int8_embedder: Embedder
) -> None:
    folder = export_folder(models_dir, Path(resolve_model(None)), quantized=True, label="x")
    exported = [p for p in (models_dir / "onnx-int8").iterdir()]
    assert len(exported) == 1
    assert exported[0].name.startswith("all-MiniLM-L6-v2-")
    assert exported[0].name.split("-")[-1] == folder.name.split("-")[-1]
    # int8 layers; the token embedding table stays fp32 (quantizing it costs cosine 0.06).
    assert (exported[0] / MODEL_FILE).stat().st_size < 0.7 * 90e6
    made = (exported[0] / MODEL_FILE).stat().st_mtime_ns

    again = Embedder(backend="onnx-int8", models_dir=models_dir)
    again.load()

    assert (exported[0] / MODEL_FILE).stat().st_mtime_ns == made
    assert [p.name for p in (models_dir / "onnx-int8").iterdir()] == [exported[0].name]
    np.testing.assert_array_equal(again.encode(TEXTS[:2]), int8_embedder.encode(TEXTS[:2]))


def test_the_first_export_leaves_torch_out_of_the_process_that_asked(tmp_path: Path) -> None:
    # The export runs in a child: a bot or an ingest on a new home must not carry torch.
    script = (
        "import sys; from pathlib import Path; from index.embedder import Embedder; "
        f"e = Embedder(backend='onnx-int8', models_dir=Path({str(tmp_path)!r})); "
        "v = e.encode(['pricing for retail']); "
        "print(v.shape, 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "False"
    assert (tmp_path / "onnx-int8").is_dir()


def test_a_damaged_export_is_made_again(
    tmp_path: Path, models_dir: Path, int8_embedder: Embedder
) -> None:
    shutil.copytree(models_dir / "onnx-int8", tmp_path / "onnx-int8")
    (exported,) = (tmp_path / "onnx-int8").iterdir()
    (exported / MODEL_FILE).write_bytes(b"half a model")

    again = Embedder(backend="onnx-int8", models_dir=tmp_path)
    again.load()

    assert (exported / MODEL_FILE).stat().st_size > 1e6
    np.testing.assert_allclose(again.encode(TEXTS[:2]), int8_embedder.encode(TEXTS[:2]), atol=1e-6)


def test_a_changed_model_gets_a_new_export_folder(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    before = export_folder(tmp_path / "models", model, quantized=True)

    (model / "config.json").write_text('{"hidden_size": 384}')

    assert export_folder(tmp_path / "models", model, quantized=True) != before
    assert export_folder(tmp_path / "models", model, quantized=False).parent.name == "onnx"


def test_a_failed_export_leaves_no_folder_behind(tmp_path: Path) -> None:
    # A sentence-transformers layout without weights or tokenizer: the export fails midway.
    broken = tmp_path / "broken"
    shutil.copytree(
        resolve_model(None),
        broken,
        ignore=shutil.ignore_patterns("*.safetensors", "tokenizer*", "vocab.txt"),
    )
    target = tmp_path / "models" / "onnx-int8" / "broken"

    with pytest.raises(Exception):  # noqa: B017 - whatever transformers raises for it
        ensure_exported(broken, target, quantized=True)

    assert not target.exists()
    assert list((tmp_path / "models" / "onnx-int8").iterdir()) == []


def test_models_the_onnx_path_cannot_reproduce_are_refused(tmp_path: Path) -> None:
    cls = tmp_path / "cls"
    shutil.copytree(resolve_model(None), cls, ignore=shutil.ignore_patterns("*.safetensors"))
    pooling = cls / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config |= {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    pooling.write_text(json.dumps(config))
    with pytest.raises(ValueError, match="mean pooling"):
        check_exportable(cls)
    with pytest.raises(ValueError, match=r"modules\.json"):
        check_exportable(tmp_path)


def test_bad_backend_choices_fail_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="backend must be one of"):
        Embedder(backend="tensorrt")
    with pytest.raises(ValueError, match="models_dir"):
        Embedder(backend="onnx-int8")
    with pytest.raises(ValueError, match="runs on the CPU"):
        Embedder(backend="onnx", models_dir=tmp_path, device="cuda")
    with pytest.raises(ValueError, match="local model folder"):
        Embedder("org/some-hub-model", backend="onnx", models_dir=tmp_path)


def test_without_a_gpu_ingest_encodes_on_the_cpu(tmp_path: Path) -> None:
    if cuda_available():
        assert Embedder().bulk_device == "cuda"
    else:
        assert Embedder().bulk_device == "cpu"
    assert Embedder(device="cpu").bulk_device == "cpu"
    assert Embedder(backend="onnx-int8", models_dir=tmp_path).device == "cpu"


def test_backend_setting_defaults_to_int8_for_the_bundled_model_only(tmp_path: Path) -> None:
    assert Settings.from_env({}).embedding_backend == "onnx-int8"
    other = {"FUNNELBOT_EMBEDDING_MODEL": str(tmp_path)}  # a local model folder
    assert Settings.from_env(other).embedding_backend == "torch"
    chosen = Settings.from_env({"FUNNELBOT_EMBEDDING_BACKEND": " Torch "})
    assert chosen.embedding_backend == "torch"
    with pytest.raises(SettingsError, match="FUNNELBOT_EMBEDDING_BACKEND must be one of"):
        Settings.from_env({"FUNNELBOT_EMBEDDING_BACKEND": "gpu"})


def test_services_build_the_configured_backend_with_exports_under_the_home(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    services = Services(settings)
    try:
        assert services.embedder.backend == "onnx-int8"
        assert not services.embedder.loaded  # nothing exported until the model is needed
        assert services.settings.models_dir == tmp_path / "home" / "models"
        assert services.embedder.models_dir == tmp_path / "home" / "models"
    finally:
        services.close()


def test_the_bot_answers_with_the_int8_backend(
    settings: Settings, int8_embedder: Embedder, sample_template: SampleTemplate
) -> None:
    services = start_ingested(settings, int8_embedder, sample_template)
    try:
        answer = recommend(services, Question(text="prospect asked for our SOC 2 report"))
    finally:
        services.close()
    assert answer.items[0].asset_id == "sec-security-whitepaper"
    assert not answer.weak
