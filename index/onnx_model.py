"""A sentence-transformers model run with ONNX Runtime, exported locally at first use.

The export (fp32, or fp32 then dynamically quantized to int8) is written once per model into a
folder the caller names, through a temporary folder renamed into place; nothing is downloaded.
sentence-transformers' own ONNX backend needs optimum-onnx, whose releases pin transformers
below 5 while sentence-transformers 6 needs transformers 5, so the export uses ``torch.onnx``
and ``onnxruntime.quantization`` directly, and inference needs neither torch nor transformers:
the Rust tokenizer, one ONNX Runtime session, then mean pooling and normalisation in numpy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from index.durable import fsync_path

log = logging.getLogger(__name__)

# Bump when the export recipe changes: older exports then live in another folder.
EXPORT_VERSION = 1
MODEL_FILE = "model.onnx"
_TOKENIZER_FILE = "tokenizer.json"
_META_FILE = "funnelbot-onnx.json"
# Only these are quantized: per-channel int8 MatMul weights keep cosine ~0.99 to fp32, while
# also quantizing the embedding Gather (onnxruntime's default) drops it to ~0.93.
_QUANTIZED_OPS = ["MatMul"]


def reduce_range() -> bool:
    """Whether to quantize weights to 7 bits: x86 CPUs without VNNI can saturate in onnxruntime's
    u8 x s8 kernels (its quantization guide); VNNI and ARM do not."""
    if platform.machine().lower() not in {"x86_64", "amd64", "i386", "i686"}:
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # cannot tell: the safe choice
    return "vnni" not in flags


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def check_exportable(model_dir: Path) -> None:
    """Raise ``ValueError`` unless ``model_dir`` is a local Transformer + mean-pooling model."""
    modules_file = model_dir / "modules.json"
    if not modules_file.is_file():
        raise ValueError(
            f"the ONNX backends need a local sentence-transformers folder; {model_dir} has no "
            "modules.json (use FUNNELBOT_EMBEDDING_BACKEND=torch for this model)"
        )
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in _read_json(modules_file)]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ValueError(
            f"the ONNX backends support Transformer + Pooling (+ Normalize) models; {model_dir} "
            f"has {kinds}"
        )
    pooling_dir = next(m for m in _read_json(modules_file) if m["type"].endswith("Pooling"))
    pooling = _read_json(model_dir / pooling_dir["path"] / "config.json")
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"}:
        raise ValueError(
            f"the ONNX backends support mean pooling only; {model_dir} uses {sorted(modes)}"
        )


def export_folder(
    models_dir: Path, model_dir: Path, *, quantized: bool, label: str | None = None
) -> Path:
    """Where the export of ``model_dir`` lives: one folder per model contents and recipe.

    ``label`` (the model's name) makes the folder recognisable; the hash makes it unique.
    """
    model_dir = model_dir.resolve()
    # A home moved to another CPU kind gets the export that suits it.
    digest = hashlib.sha256(f"{EXPORT_VERSION}|{model_dir}|{quantized and reduce_range()}".encode())
    # The files' sizes and times stand for their contents: an upgraded model gets a new export.
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"|{path.relative_to(model_dir)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    kind = "onnx-int8" if quantized else "onnx"
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", label or model_dir.name).strip("-.") or "model"
    return models_dir / kind / f"{readable[-60:]}-{digest.hexdigest()[:12]}"


def ensure_exported(model_dir: Path, target: Path, *, quantized: bool) -> Path:
    """Export ``model_dir`` into ``target`` unless already there; return ``target``.

    Safe against a concurrent exporter: each writes its own temporary folder and the first
    rename wins.
    """
    if (target / MODEL_FILE).is_file() and (target / _META_FILE).is_file():
        return target
    check_exportable(model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        log.info(
            "exporting %s to ONNX (%s) in %s", model_dir, "int8" if quantized else "fp32", target
        )
        _export_in_child(model_dir, staging, quantized=quantized)
        _fsync_tree(staging)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / MODEL_FILE).is_file():
                raise
            # Another process finished the same export first; theirs is as good as ours.
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _export_in_child(model_dir: Path, out: Path, *, quantized: bool) -> None:
    """Export in a child process: the export needs torch, which would otherwise stay resident
    (~500 MB) in a process that then goes on to ingest a library."""
    command = [sys.executable, "-m", "index.onnx_model", str(model_dir), str(out)]
    done = subprocess.run(
        [*command, "--int8"] if quantized else command,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise ValueError(f"exporting {model_dir} to ONNX failed: {reason}")


def _fsync_tree(folder: Path) -> None:
    # The rename must not publish files a crash could still leave half-written.
    for path in [*folder.iterdir(), folder]:
        fsync_path(path)


def _export(model_dir: Path, out: Path, *, quantized: bool) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"the ONNX backends need a fast tokenizer; {model_dir} has none")
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    model.eval()
    st_config = model_dir / "sentence_bert_config.json"
    settings = _read_json(st_config) if st_config.is_file() else {}
    max_length = int(settings.get("max_seq_length") or tokenizer.model_max_length)
    normalize = any(
        str(m.get("type", "")).endswith("Normalize") for m in _read_json(model_dir / "modules.json")
    )
    names: list[str] = [
        n
        for n in ("input_ids", "attention_mask", "token_type_ids")
        if n in tokenizer.model_input_names
    ]
    sample = tokenizer(
        ["a probe sentence", "a second, longer probe sentence"], padding=True, return_tensors="pt"
    )

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    fp32_path = out / ("fp32.onnx" if quantized else MODEL_FILE)
    axes: dict[str, dict[int, str]] = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter is deprecated but needs no onnxscript, and it handles BERT.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            tuple(sample[n] for n in names),
            str(fp32_path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    if quantized:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # It warns through logging.warning(), which would configure the root logger for the
        # whole process; a handler on the root for the call's duration prevents that.
        quiet = logging.NullHandler()
        logging.getLogger().addHandler(quiet)
        try:
            quantize_dynamic(
                str(fp32_path),
                str(out / MODEL_FILE),
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=reduce_range(),
                op_types_to_quantize=_QUANTIZED_OPS,
            )
        finally:
            logging.getLogger().removeHandler(quiet)
        fp32_path.unlink()
    tokenizer.backend_tokenizer.save(str(out / _TOKENIZER_FILE))
    meta = {
        "export_version": EXPORT_VERSION,
        "source": str(model_dir),
        "quantized": quantized,
        "reduce_range": quantized and reduce_range(),
        "inputs": names,
        "max_length": max_length,
        "normalize": normalize,
        "dim": int(model.config.hidden_size),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
        "lowercase": bool(settings.get("do_lower_case", False)),
    }
    (out / _META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")


class OnnxEncoder:
    """Encodes texts with an exported model; thread-safe (ONNX Runtime sessions are)."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            self._open(folder, ort, Tokenizer)
        except Exception as error:  # onnxruntime's errors derive from Exception alone
            raise ValueError(f"the ONNX export in {folder} is unreadable: {error}") from error

    def _open(self, folder: Path, ort: Any, tokenizer_class: Any) -> None:
        meta = _read_json(folder / _META_FILE)
        self._inputs: list[str] = list(meta["inputs"])
        self._normalize = bool(meta["normalize"])
        self._lowercase = bool(meta["lowercase"])
        self.dim = int(meta["dim"])
        tokenizer = tokenizer_class.from_file(str(folder / _TOKENIZER_FILE))
        tokenizer.enable_truncation(int(meta["max_length"]))
        tokenizer.enable_padding(pad_id=int(meta["pad_id"]), pad_token=str(meta["pad_token"]))
        self._tokenizer = tokenizer
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning idle workers would steal the cores other answers need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        # One thread a run: for a short question a second thread costs more than it saves;
        # bulk encoding runs one batch per core at once instead (Embedder.encode).
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        # A run with these options hands the arena's free blocks back when it ends.
        self._shrink = ort.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def release_memory(self) -> None:
        """Give back the memory ONNX Runtime's arena kept from the largest batch so far.

        The arena keeps its peak (after batches of 16 texts of 256 tokens, ~235 MB) that a
        question never needs, beneath everything a reindex builds next.
        """
        one, zero = np.ones((1, 1), dtype=np.int64), np.zeros((1, 1), dtype=np.int64)
        feeds = {"input_ids": one, "attention_mask": one, "token_type_ids": zero}
        self._session.run(None, {n: feeds[n] for n in self._inputs}, self._shrink)

    def encode(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32 sentence vectors, unit length if the model normalises."""
        # sentence-transformers strips (and lower-cases, if configured) before tokenising.
        cleaned = [t.strip().lower() if self._lowercase else t.strip() for t in texts]
        encodings = self._tokenizer.encode_batch(cleaned)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, {n: feeds[n] for n in self._inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self._normalize:
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.asarray(pooled, dtype=np.float32)


def _main() -> None:
    # The child of _export_in_child: python -m index.onnx_model MODEL_DIR OUT [--int8]
    model_dir, out, *flags = sys.argv[1:]
    _export(Path(model_dir), Path(out), quantized=flags == ["--int8"])


if __name__ == "__main__":
    _main()
