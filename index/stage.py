"""A question's buyer-journey stage: stated by the rep, or inferred by a trained model.

*Stated* is narrow on purpose: only phrases that name a funnel stage as a stage ("decision
stage", "they're in evaluation", "bottom of the funnel", "beslissingsfase") count, plus the
phrases a team adds in its ``funnelbot.yml``. Everyday uses of the same words ("put it into
action", "purchase history", "decision maker") never do.

*Inferred* is a small softmax classifier over the question's embedding (``StageModel``, trained by
``index.stage_training`` on labelled rep questions), combined with the stages of the assets the
question matches best (``library_evidence``). Its confidence is a probability: ``funnelbot
eval`` checks it against the share of questions it gets right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from content_store.stage import STAGE_SYNONYMS, Stage

# Words that name a stage only when followed by "stage"/"phase" ("interest stage", not "in the
# interest of time"); funnel positions only as "... of the funnel".
_POSITIONS = {"top", "middle", "bottom"}
_ANY_WORD = "|".join(sorted(set(STAGE_SYNONYMS) - _POSITIONS, key=len, reverse=True))
# Funnel words every sales team uses, named as a stage only before "stage"/"phase" ("closing
# stage", "selection phase"), never alone ("closing the books").
_SALES_STAGE_WORDS: dict[str, Stage] = {
    "research": Stage.AWARENESS,
    "exploration": Stage.AWARENESS,
    "exploratory": Stage.AWARENESS,
    "education": Stage.AWARENESS,
    "selection": Stage.CONSIDERATION,
    "shortlist": Stage.CONSIDERATION,
    "comparison": Stage.CONSIDERATION,
    "closing": Stage.DECISION,
    "buying": Stage.DECISION,
    "ready to buy": Stage.DECISION,
    "contract": Stage.DECISION,
    "procurement": Stage.DECISION,
}
_STAGE_NOUN_WORDS = {**STAGE_SYNONYMS, **_SALES_STAGE_WORDS}
for _position in _POSITIONS:
    _STAGE_NOUN_WORDS.pop(_position, None)
_NOUN_WORDS = "|".join(sorted(_STAGE_NOUN_WORDS, key=len, reverse=True))
# Words that state a stage after "in"/"at" with nothing between ("they're in evaluation").
_BARE: dict[str, Stage] = {
    "awareness": Stage.AWARENESS,
    "consideration": Stage.CONSIDERATION,
    "evaluation": Stage.CONSIDERATION,
    "decision": Stage.DECISION,
    "negotiation": Stage.DECISION,
    "negotiations": Stage.DECISION,
}
_BARE_WORDS = "|".join(sorted(_BARE, key=len, reverse=True))
# Dutch compounds on -fase: "beslissingsfase", "oriëntatiefase", "evaluatiefase".
_DUTCH_PHASES: dict[str, Stage] = {
    "oriëntatie": Stage.AWARENESS,
    "orientatie": Stage.AWARENESS,
    "bewustwording": Stage.AWARENESS,
    "awareness": Stage.AWARENESS,
    "overweging": Stage.CONSIDERATION,
    "consideratie": Stage.CONSIDERATION,
    "evaluatie": Stage.CONSIDERATION,
    "vergelijking": Stage.CONSIDERATION,
    "selectie": Stage.CONSIDERATION,
    "verkenning": Stage.AWARENESS,
    "beslissing": Stage.DECISION,
    "contract": Stage.DECISION,
    "beslis": Stage.DECISION,
    "aankoop": Stage.DECISION,
    "koop": Stage.DECISION,
    "onderhandeling": Stage.DECISION,
    "decision": Stage.DECISION,
}
_DUTCH_WORDS = "|".join(sorted(_DUTCH_PHASES, key=len, reverse=True))
_FUNNEL_POSITION: dict[str, Stage] = {
    "top": Stage.AWARENESS,
    "bovenaan": Stage.AWARENESS,
    "bovenin": Stage.AWARENESS,
    "boven in": Stage.AWARENESS,
    "middle": Stage.CONSIDERATION,
    "mid": Stage.CONSIDERATION,
    "midden in": Stage.CONSIDERATION,
    "middenin": Stage.CONSIDERATION,
    "halverwege": Stage.CONSIDERATION,
    "bottom": Stage.DECISION,
    "onderaan": Stage.DECISION,
    "onderin": Stage.DECISION,
    "onder in": Stage.DECISION,
}
_NAMED: list[tuple[re.Pattern[str], Mapping[str, Stage]]] = [
    # "decision stage", "evaluation-phase", "closing stage", "decision fase"
    (re.compile(rf"\b({_NOUN_WORDS})[\s-]*(?:stage|phase|fase)\b", re.I), _STAGE_NOUN_WORDS),
    # "late-stage opp", "early stage lead"
    (
        re.compile(
            r"\b(early|late)[\s-]+stage[\s-]+(?:\w+\s+)?(?:opp|opps|opportunity|deal|lead)\b",
            re.I,
        ),
        {"early": Stage.AWARENESS, "late": Stage.DECISION},
    ),
    # "they're in evaluation", "moved into consideration" (not "in consideration of")
    (
        re.compile(
            rf"\b(?:in|at|into|entering|reached|moved to|moving to)\s+({_BARE_WORDS})\b"
            r"(?!\s+of\b)(?!\s*-?\s*(?:makers?|making|tree|matrix|criteria|process)\b)",
            re.I,
        ),
        _BARE,
    ),
    (re.compile(rf"\bstage\s*[:=]\s*({_ANY_WORD})\b", re.I), STAGE_SYNONYMS),
    (re.compile(r"\b(tofu|mofu|bofu)\b", re.I), STAGE_SYNONYMS),
    (re.compile(rf"\b({_DUTCH_WORDS})s?-?fase\b", re.I), _DUTCH_PHASES),
    (re.compile(rf"\bfase van de ({_DUTCH_WORDS})\b", re.I), _DUTCH_PHASES),
    (
        re.compile(
            r"\b(top|middle|mid|bottom)[\s-]+(?:of[\s-]+)?(?:the[\s-]+|our[\s-]+)?funnel\b", re.I
        ),
        _FUNNEL_POSITION,
    ),
    (
        re.compile(
            r"\b(bovenaan|bovenin|boven in|midden in|middenin|halverwege|onderaan|onderin|onder in)"
            r"\s+(?:de\s+|onze\s+)?(?:funnel|trechter)\b",
            re.I,
        ),
        _FUNNEL_POSITION,
    ),
]


def stage_named_in(
    question: str, phrases: Mapping[Stage, Sequence[str]] | None = None
) -> tuple[Stage, str] | None:
    """The stage the rep states in ``question``, with the words that state it.

    ``phrases`` are a team's own ways of stating a stage (``stages:`` in ``funnelbot.yml``).
    """
    for pattern, words in _NAMED:
        for match in pattern.finditer(question):
            # "take into consideration", "taking it into consideration": not a stage.
            if _TAKE_INTO.search(question[: match.start()]):
                continue
            return words[match.group(1).casefold()], match.group(0)
    if phrases:
        folded = question.casefold()
        for stage, stage_phrases in phrases.items():
            for phrase in stage_phrases:
                found = _phrase_pattern(phrase.casefold()).search(folded)
                if found:
                    return stage, question[found.start() : found.end()]
    return None


_TAKE_INTO = re.compile(r"\b(?:take|takes|taking|took|taken)(?:\s+\w+)?\s*$", re.I)


@lru_cache(maxsize=1024)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


@dataclass(frozen=True)
class StageGuess:
    stage: Stage | None
    confidence: float  # a probability: of questions guessed with 0.7, about 7 in 10 are right
    cue: str | None = None  # the words that decided it, when words did


# Character n-grams of the question, beside its embedding: they carry a team's phrasing in any
# language (an English-only embedding reads Dutch poorly). Fixed here: the weights depend on it.
NGRAM_RANGE = (2, 5)


def ngram_vectorizer(vocabulary: Sequence[str] | None = None, idf: np.ndarray | None = None) -> Any:
    """TF-IDF over character n-grams within words (fitted when no vocabulary is given)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        min_df=1 if vocabulary is not None else 2,
        vocabulary=list(vocabulary) if vocabulary is not None else None,
        dtype=np.float32,
    )
    if idf is not None:
        vectorizer.idf_ = idf
    return vectorizer


_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str) -> list[str]:
    """Character n-grams inside word boundaries, padded with a space: scikit-learn's
    ``char_wb`` analyser on lower-cased text, which ``ngram_vectorizer`` uses."""
    low, high = NGRAM_RANGE
    grams: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class StageModel:
    """Softmax regression from a question (its embedding and its character n-grams) to stage
    probabilities.

    Well under a megabyte of weights per embedding model (``index/stage_models/<model>.npz``);
    applying it is two small products, so it costs a fraction of the encode.
    """

    def __init__(
        self,
        *,
        model_id: str,
        classes: Sequence[Stage],
        weights: np.ndarray,
        bias: np.ndarray,
        temperature: float = 1.0,
        data_hash: str = "",
        ngrams: Sequence[str] = (),
        idf: np.ndarray | None = None,
    ) -> None:
        weights = np.asarray(weights, dtype=np.float32)
        bias = np.asarray(bias, dtype=np.float32)
        if weights.ndim != 2 or weights.shape[0] != len(classes) or bias.shape != (len(classes),):
            raise ValueError(
                f"stage model for {model_id}: weights {weights.shape} and bias {bias.shape} "
                f"do not fit {len(classes)} stages"
            )
        if temperature <= 0:
            raise ValueError(f"stage model temperature must be positive, got {temperature}")
        if ngrams and (idf is None or len(idf) != len(ngrams)):
            raise ValueError(f"stage model for {model_id}: n-grams and idf do not match")
        self.model_id = model_id
        self.classes = tuple(classes)
        self.weights = weights
        self.bias = bias
        self.temperature = float(temperature)
        self.data_hash = data_hash
        self.ngrams = tuple(ngrams)
        self.idf = np.asarray(idf, dtype=np.float32) if idf is not None else np.zeros(0)
        self._ngram_index = {g: i for i, g in enumerate(self.ngrams)}
        # The n-gram weights, one row per n-gram, with its idf folded in.
        self._ngram_weights = (
            np.ascontiguousarray(self.weights[:, : len(self.ngrams)].T * self.idf[:, None])
            if self.ngrams
            else np.zeros((0, len(self.classes)), dtype=np.float32)
        )

    @property
    def dim(self) -> int:
        """The embedding's dimension."""
        return int(self.weights.shape[1]) - len(self.ngrams)

    def probabilities(self, vector: np.ndarray, text: str = "") -> np.ndarray:
        """Probability of each of ``classes`` for one question, from its vector and text."""
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        if v.shape[0] != self.dim:
            raise ValueError(
                f"stage model for {self.model_id} takes {self.dim}-d vectors, got {v.shape[0]}"
            )
        logits = self.weights[:, len(self.ngrams) :] @ v + self.bias
        if self.ngrams:
            logits = logits + self._ngram_logits(text)
        return softmax(logits / self.temperature)

    def _ngram_logits(self, text: str) -> np.ndarray:
        """The n-grams' share of the logits: TF-IDF exactly as ``ngram_vectorizer`` computes it
        (sublinear tf, L2 norm), then the weights.

        Hand-written because scikit-learn's transform costs ~1 ms per question (its sparse
        matrix set-up), a quarter of the encode; this costs ~0.05 ms. A test checks that both
        give the same logits.
        """
        # char_wb_ngrams inline, in its order: no list of ~250 strings per question.
        counts: dict[int, int] = {}
        index_of = self._ngram_index.get
        low, high = NGRAM_RANGE
        for word in _SPACES.sub(" ", text.lower()).split():
            padded = f" {word} "
            size = len(padded)
            for n in range(low, high + 1):
                if size <= n:
                    index = index_of(padded)
                    if index is not None:
                        counts[index] = counts.get(index, 0) + 1
                    break
                for start in range(size - n + 1):
                    index = index_of(padded[start : start + n])
                    if index is not None:
                        counts[index] = counts.get(index, 0) + 1
        if not counts:
            return np.zeros(len(self.classes), dtype=np.float64)
        rows = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        norm = float(np.sqrt(np.sum((tf * self.idf[rows]) ** 2)))
        return np.asarray((tf / norm) @ self._ngram_weights[rows], dtype=np.float64)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez(
                handle,
                model_id=np.array(self.model_id),
                classes=np.array([str(c) for c in self.classes]),
                weights=self.weights,
                bias=self.bias,
                temperature=np.array(self.temperature),
                data_hash=np.array(self.data_hash),
                ngrams=np.array(self.ngrams, dtype=str),
                idf=self.idf,
            )

    @classmethod
    def load(cls, path: Path) -> StageModel:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                model_id=str(data["model_id"]),
                classes=[Stage(c) for c in data["classes"].tolist()],
                weights=data["weights"],
                bias=data["bias"],
                temperature=float(data["temperature"]),
                data_hash=str(data["data_hash"]),
                ngrams=[str(g) for g in data["ngrams"].tolist()] if "ngrams" in data else (),
                idf=data["idf"] if "ngrams" in data else None,
            )


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - np.max(logits))
    return np.asarray(shifted / shifted.sum(), dtype=np.float64)


# How the two sources of evidence are combined, tuned on the development sets (examples/ and
# its servolta/ and invoxa/ libraries) by scripts/tune_ranking.py: the library evidence's weight
# against the question model's.
LIBRARY_EVIDENCE_WEIGHT = 4.0
# How many of the best-matching assets vote, and how much each rank's vote counts.
LIBRARY_EVIDENCE_DEPTH = 5
# Added to every stage's vote: one asset must not make a stage certain.
LIBRARY_EVIDENCE_PRIOR = 0.5
# The product of two sources overstates its certainty on real questions: the combined log
# probabilities are divided by this temperature, fitted (least log loss) on the development set.
COMBINED_TEMPERATURE = 2.75


def library_evidence(
    ranked_stages: Iterable[tuple[Stage, ...]], classes: Sequence[Stage]
) -> np.ndarray:
    """A distribution over ``classes`` from the stages of the best-matching assets, best first.

    The asset a question matches best is most often written for the prospect's stage: each of
    the first few votes for its stages, with weight falling with rank.
    """
    votes = np.full(len(classes), LIBRARY_EVIDENCE_PRIOR, dtype=np.float64)
    position = {stage: i for i, stage in enumerate(classes)}
    for rank, stages in enumerate(ranked_stages):
        if rank >= LIBRARY_EVIDENCE_DEPTH:
            break
        known = [position[s] for s in stages if s in position]
        for i in known:
            votes[i] += 1.0 / (rank + 1) / len(known)
    return votes / votes.sum()


def combine(
    question_probabilities: np.ndarray,
    library_probabilities: np.ndarray | None,
    *,
    library_weight: float | None = None,
    temperature: float | None = None,
) -> np.ndarray:
    """Product of experts: the question model's probabilities times the library's, weighted,
    then softened by the temperature."""
    if library_weight is None:
        library_weight = LIBRARY_EVIDENCE_WEIGHT
    if temperature is None:
        temperature = COMBINED_TEMPERATURE
    log_p = np.log(np.clip(question_probabilities, 1e-9, 1.0))
    if library_probabilities is not None and library_weight > 0:
        log_p = log_p + library_weight * np.log(np.clip(library_probabilities, 1e-9, 1.0))
    return softmax(log_p / temperature)


def guess_from(probabilities: np.ndarray, classes: Sequence[Stage]) -> StageGuess:
    best = int(np.argmax(probabilities))
    return StageGuess(stage=classes[best], confidence=round(float(probabilities[best]), 3))
