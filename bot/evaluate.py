"""The eval use case: retrieval quality of the bot's ranking against its own baselines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from bot.services import Services
from content_store.stage import Stage, parse_stage
from index.metrics import ndcg_at_k, recall_at_k, reciprocal_rank
from index.search import SearchMode
from index.stage import infer_stage, stage_named_in

K = 5


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    stage: Stage | None
    relevant: dict[str, float]


@dataclass
class ModeScores:
    ndcg: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    mrr: list[float] = field(default_factory=list)

    def means(self) -> dict[str, float]:
        def mean(values: list[float]) -> float:
            return sum(values) / len(values) if values else 0.0

        return {"ndcg@5": mean(self.ndcg), "recall@5": mean(self.recall), "mrr": mean(self.mrr)}


@dataclass
class EvalReport:
    questions: int
    modes: dict[str, dict[str, float]]
    stage_accuracy: float
    unknown_ids: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "questions": self.questions,
            "modes": self.modes,
            "stage_accuracy": self.stage_accuracy,
            "unknown_ids": self.unknown_ids,
        }


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
            questions.append(LabelledQuestion(str(record["question"]), stage, relevant))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a labelled question ({error})") from None
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


def inferred_stage(question: str) -> Stage | None:
    named = stage_named_in(question)
    return named[0] if named else infer_stage(question).stage


def evaluate(services: Services, questions: list[LabelledQuestion]) -> EvalReport:
    """Score hybrid+stage ranking and the BM25-only and dense-only baselines in one run.

    Eval reads the index but writes no log rows: these are not questions from reps.
    """
    searcher = services.searcher()
    scores = {mode: ModeScores() for mode in SearchMode}
    stage_hits = 0
    unknown: set[str] = set()
    for q in questions:
        unknown |= {i for i in q.relevant if i not in searcher.assets}
        stage = inferred_stage(q.question)
        stage_hits += stage == q.stage
        vector = services.embedder.encode_query(q.question)
        for mode in SearchMode:
            ranked = [
                r.asset_id
                for r in searcher.search(
                    q.question,
                    stage=stage,
                    k=K,
                    mode=mode,
                    query_vector=vector,
                )
            ]
            scores[mode].ndcg.append(ndcg_at_k(ranked, q.relevant, K))
            scores[mode].recall.append(recall_at_k(ranked, q.relevant, K))
            scores[mode].mrr.append(reciprocal_rank(ranked, q.relevant))
    return EvalReport(
        questions=len(questions),
        modes={str(mode): s.means() for mode, s in scores.items()},
        stage_accuracy=stage_hits / len(questions),
        unknown_ids=sorted(unknown),
    )
