"""The eval use case: funnelbot's ranking, stage and weak-match flag against plain baselines.

Baselines are what a user would get without funnelbot's ranking: BM25 alone and dense alone over
the same chunks (each asset's best chunk, no boosts, no stage), and their reciprocal-rank fusion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bot.i18n import N_
from bot.recommend import is_weak_match
from bot.services import Services
from content_store.stage import Stage, parse_stage
from index.metrics import mean_interval, ndcg_at_k, recall_at_k, reciprocal_rank
from index.search import SearchMode
from index.stage import stage_named_in
from index.stage_training import expected_calibration_error

K = 5
# Each system's label in the report's table (a catalog message; --json keeps the keys).
SYSTEMS: dict[str, str] = {
    "funnelbot": N_("funnelbot (fused + stage + fit)"),
    "fused": N_("plain hybrid (RRF k=60, no fit)"),
    "dense": N_("dense only"),
    "lexical": N_("BM25 only"),
}
BASELINES = ("fused", "dense", "lexical")
_MODES = {
    "funnelbot": SearchMode.HYBRID,
    "fused": SearchMode.FUSED,
    "dense": SearchMode.DENSE,
    "lexical": SearchMode.LEXICAL,
}
CALIBRATION_BINS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    stage: Stage | None
    relevant: dict[str, float]
    lang: str = "en"
    vague: bool = False

    @property
    def answerable(self) -> bool:
        """Some asset is a good (2) or perfect (3) answer."""
        return any(grade >= 2 for grade in self.relevant.values())


@dataclass
class Scores:
    ndcg: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    mrr: list[float] = field(default_factory=list)

    def means(self) -> dict[str, float]:
        return {
            "ndcg@5": _mean(self.ndcg),
            "recall@5": _mean(self.recall),
            "mrr@5": _mean(self.mrr),
        }


@dataclass
class Slice:
    """The figures for one group of questions (all, or one language)."""

    systems: dict[str, Scores] = field(default_factory=lambda: {s: Scores() for s in SYSTEMS})
    stage_hits: list[bool] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    flagged: list[bool] = field(default_factory=list)  # weak-match flag raised
    no_answer: list[bool] = field(default_factory=list)  # labelled: no good asset

    def best_baseline(self) -> str:
        """The plain system with the highest mean nDCG@5 (the first of a tie)."""
        return max(BASELINES, key=lambda s: _mean(self.systems[s].ndcg))

    def to_json(self) -> dict[str, object]:
        flagged_right = sum(f and n for f, n in zip(self.flagged, self.no_answer, strict=True))
        hits = [float(h) for h in self.stage_hits]
        baseline = self.best_baseline()
        ours, best = self.systems["funnelbot"].ndcg, self.systems[baseline].ndcg
        gains = [a - b for a, b in zip(ours, best, strict=True)]
        return {
            "questions_ranked": len(ours),
            "systems": {
                s: {**scores.means(), "ndcg@5_ci95": mean_interval(scores.ndcg)}
                for s, scores in self.systems.items()
            },
            # Paired per question: the interval of funnelbot's gain over the best plain system.
            "over_best_baseline": {
                "baseline": baseline,
                "ndcg@5": _mean(gains),
                "ci95": mean_interval(gains),
            },
            "stage_questions": len(self.stage_hits),
            "stage_accuracy": _mean(hits),
            "stage_accuracy_ci95": mean_interval(hits),
            "ece": expected_calibration_error(self.confidences, self.stage_hits),
            "reliability": reliability(self.confidences, self.stage_hits),
            "weak_match": {
                "questions": len(self.flagged),
                "no_answer": sum(self.no_answer),
                "flagged": sum(self.flagged),
                "precision": flagged_right / sum(self.flagged) if any(self.flagged) else 0.0,
                "recall": flagged_right / sum(self.no_answer) if any(self.no_answer) else 0.0,
            },
        }


@dataclass
class EvalReport:
    questions: int
    slices: dict[str, Slice]  # "all", then one per language
    unknown_ids: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "questions": self.questions,
            "slices": {name: s.to_json() for name, s in self.slices.items()},
            "unknown_ids": self.unknown_ids,
        }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def reliability(confidences: list[float], correct: list[bool]) -> list[dict[str, float]]:
    """Confidence bins against the share right in each: the table behind the ECE."""
    rows = []
    for low, high in pairwise(CALIBRATION_BINS):
        members = [c for c, _ in zip(confidences, correct, strict=True) if low <= c < high]
        hits = [h for c, h in zip(confidences, correct, strict=True) if low <= c < high]
        if members:
            rows.append(
                {
                    "low": low,
                    "high": min(high, 1.0),
                    "count": len(members),
                    "confidence": _mean(members),
                    "right": _mean([float(h) for h in hits]),
                }
            )
    return rows


def read_questions(path: Path) -> list[LabelledQuestion]:
    """Parse a JSONL file of labelled questions; a bad line is an error naming its number."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            stage = parse_stage(record["stage"]) if record.get("stage") else None
            relevant = {str(k): float(v) for k, v in dict(record["relevant"]).items()}
            questions.append(
                LabelledQuestion(
                    str(record["question"]),
                    stage,
                    relevant,
                    lang=str(record.get("lang") or "en"),
                    vague=bool(record.get("vague", False)),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{path}:{number}: not a labelled question ({error})") from None
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


def evaluate(services: Services, questions: Iterable[LabelledQuestion]) -> EvalReport:
    """Score every system on every question, overall and per language, in one run.

    Eval reads the index but writes no log rows: these are not questions from reps. The stage is
    decided as an answer decides it when nothing is stored for the prospect: stated, else
    inferred; a question with no stage counts as wrong.
    """
    searcher = services.searcher()
    threshold = services.settings.weak_match
    phrases = searcher.vocabulary.stage_phrases
    slices: dict[str, Slice] = {"all": Slice()}
    unknown: set[str] = set()
    count = 0
    for q in questions:
        count += 1
        unknown |= {i for i in q.relevant if i not in searcher.assets}
        targets = [slices["all"], slices.setdefault(q.lang, Slice())]
        vector = searcher.embedder.encode_query(q.question)
        candidates = searcher.retrieve(q.question, query_vector=vector)
        named = stage_named_in(q.question, phrases)
        stage: Stage | None
        if named is not None:
            stage, confidence = named[0], 1.0
        else:
            guess = searcher.infer_stage(vector, candidates, q.question)
            stage, confidence = guess.stage, guess.confidence
        context = searcher.read_query(q.question, stage, confidence)
        ranked = {"funnelbot": searcher.rank(candidates, context, k=K)}
        for system in BASELINES:
            found = searcher.retrieve(q.question, mode=_MODES[system], query_vector=vector)
            ranked[system] = searcher.rank(found, None, k=K)
        for target in targets:
            if q.answerable and not q.vague:
                for system, results in ranked.items():
                    ids = [r.asset_id for r in results]
                    target.systems[system].ndcg.append(ndcg_at_k(ids, q.relevant, K))
                    target.systems[system].recall.append(recall_at_k(ids, q.relevant, K))
                    target.systems[system].mrr.append(reciprocal_rank(ids[:K], q.relevant))
            if q.stage is not None and not q.vague:
                target.stage_hits.append(stage == q.stage)
                target.confidences.append(confidence if stage is not None else 0.0)
            if not q.vague:
                evidence = searcher.match_evidence(q.question, ranked["funnelbot"])
                target.flagged.append(is_weak_match(evidence, threshold))
                target.no_answer.append(not q.answerable)
    return EvalReport(questions=count, slices=slices, unknown_ids=sorted(unknown))
