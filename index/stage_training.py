"""Training the stage model: labelled rep questions in, a calibrated ``StageModel`` out.

The labelled questions (``index/stage_data/stage_questions.jsonl``, English and Dutch, many
industries) ship with the package, so a library embedded with another model gets its own stage
model at first use; ``scripts/train_stage_model.py`` writes the bundled weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from content_store.stage import STAGE_ORDER, Stage, parse_stage
from index.stage import StageModel, ngram_vectorizer

log = logging.getLogger(__name__)

DATA_PATH = Path(__file__).parent / "stage_data" / "stage_questions.jsonl"
BUNDLED_DIR = Path(__file__).parent / "stage_models"
# Regularisation strengths tried by cross-validation; the one with the lowest held-out log loss
# wins. Chosen on the training questions alone.
_C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0)
_TEMPERATURES = np.round(np.arange(0.4, 3.01, 0.05), 2)
_FOLDS = 5


@dataclass(frozen=True)
class TrainingReport:
    examples: int
    c: float
    temperature: float
    cv_accuracy: float  # out-of-fold, before calibration (temperature does not change argmax)
    cv_ece: float  # out-of-fold expected calibration error after the temperature


def read_training_data(path: Path = DATA_PATH) -> tuple[list[str], list[Stage]]:
    texts: list[str] = []
    stages: list[Stage] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            texts.append(str(record["text"]))
            stages.append(parse_stage(str(record["stage"])))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a labelled question ({error})") from None
    return texts, stages


def data_hash(path: Path = DATA_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """Mean |confidence − share right| over equal-width confidence bins, weighted by count."""
    conf = np.asarray(confidences, dtype=np.float64)
    hit = np.asarray(correct, dtype=np.float64)
    if conf.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            error += mask.sum() / conf.size * abs(conf[mask].mean() - hit[mask].mean())
    return float(error)


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def _fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    best, best_loss = 1.0, float("inf")
    for t in _TEMPERATURES:
        probs = _softmax_rows(logits / t)
        loss = -np.mean(np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0)))
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


def train(
    texts: Sequence[str],
    vectors: np.ndarray,
    stages: Sequence[Stage],
    *,
    model_id: str,
    data_hash: str = "",
    seed: int = 0,
    c_grid: Sequence[float] = _C_GRID,
) -> tuple[StageModel, TrainingReport]:
    """Fit softmax regression on the questions' character n-grams and vectors, pick C by
    cross-validated log loss, then a temperature on the out-of-fold logits so that confidences
    are probabilities."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    classes = [s for s in STAGE_ORDER if s in set(stages)]
    labels = np.array([classes.index(s) for s in stages])
    dense = csr_matrix(np.asarray(vectors, dtype=np.float32))
    folds = list(StratifiedKFold(_FOLDS, shuffle=True, random_state=seed).split(dense, labels))

    def features(vectorizer: Any, rows: np.ndarray, fit: bool) -> Any:
        chosen = [texts[i] for i in rows]
        grams = vectorizer.fit_transform(chosen) if fit else vectorizer.transform(chosen)
        return hstack([grams, dense[rows]]).tocsr()

    def out_of_fold(c: float) -> np.ndarray:
        logits = np.zeros((len(labels), len(classes)))
        for train_idx, test_idx in folds:
            vectorizer = ngram_vectorizer()
            model = LogisticRegression(C=c, max_iter=3000)
            model.fit(features(vectorizer, train_idx, True), labels[train_idx])
            logits[test_idx] = model.decision_function(features(vectorizer, test_idx, False))
        return logits

    best_c, best_loss, best_logits = c_grid[0], float("inf"), np.zeros(0)
    for c in c_grid:
        logits = out_of_fold(c)
        probs = _softmax_rows(logits)
        loss = -np.mean(np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0)))
        if loss < best_loss:
            best_c, best_loss, best_logits = c, loss, logits
    temperature = _fit_temperature(best_logits, labels)
    calibrated = _softmax_rows(best_logits / temperature)
    predicted = calibrated.argmax(axis=1)
    report = TrainingReport(
        examples=len(labels),
        c=best_c,
        temperature=temperature,
        cv_accuracy=float((predicted == labels).mean()),
        cv_ece=expected_calibration_error(calibrated.max(axis=1), predicted == labels),
    )
    vectorizer = ngram_vectorizer()
    everything = np.arange(len(labels))
    final = LogisticRegression(C=best_c, max_iter=3000)
    final.fit(features(vectorizer, everything, True), labels)
    model = StageModel(
        model_id=model_id,
        classes=classes,
        weights=final.coef_,
        bias=final.intercept_,
        temperature=temperature,
        data_hash=data_hash,
        ngrams=vectorizer.get_feature_names_out().tolist(),
        idf=vectorizer.idf_,
    )
    return model, report


def model_file_name(model_id: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model_id)
    return f"{safe}.npz"


def load_or_train(
    model_id: str,
    encode: Callable[[list[str]], np.ndarray],
    cache_dir: Path | None,
) -> StageModel:
    """The stage model for ``model_id``: the bundled one, else one cached in ``cache_dir``, else
    trained now (seconds) and cached. A model trained on other data than the shipped questions
    is trained again."""
    wanted = data_hash()
    name = model_file_name(model_id)
    for folder in (BUNDLED_DIR, cache_dir):
        if folder is None or not (folder / name).is_file():
            continue
        try:
            model = StageModel.load(folder / name)
        except (OSError, ValueError, KeyError) as error:
            log.warning("stage model %s unreadable, training again: %s", folder / name, error)
            continue
        if model.model_id == model_id and model.data_hash == wanted:
            return model
    log.info("training the stage model for %s (no trained weights for it yet)", model_id)
    texts, stages = read_training_data()
    model, report = train(texts, encode(texts), stages, model_id=model_id, data_hash=wanted)
    log.info("stage model for %s: %s", model_id, report)
    if cache_dir is not None:
        try:
            model.save(cache_dir / name)
        except OSError as error:
            log.warning("could not cache the stage model in %s: %s", cache_dir, error)
    return model
