"""What the recommend use case returns: the answer every surface (CLI, Slack) renders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from content_store.stage import Stage

# Below this confidence an inferred stage is said as "probably …" (chosen on the development set:
# inferred stages under it were right less often than not).
UNSURE_BELOW = 0.6


class StageSource(StrEnum):
    STATED = "stated"  # the rep said it: --stage, or "they're in consideration"
    CRM = "crm"  # the prospect's most recently changed open deal in the CRM (bot/crm)
    PROSPECT = "prospect"  # stored for the prospect with `prospect set`
    INFERRED = "inferred"  # guessed from the question's wording
    UNKNOWN = "unknown"  # nothing to go on: ranking ignores stage


@dataclass(frozen=True)
class StageDecision:
    stage: Stage | None
    source: StageSource
    confidence: float  # 1.0 for stated/prospect; the inference's own estimate otherwise
    cue: str | None = None  # the words that decided it, for the explanation
    note: str | None = None  # why a source was passed over ("no open deal in HubSpot for Acme")

    @property
    def uncertain(self) -> bool:
        return self.source is StageSource.INFERRED and self.confidence < UNSURE_BELOW

    def explain(self) -> str:
        """One line a rep can read: which stage, and why we think so."""
        text = self._explain()
        return f"{text} ({self.note})" if self.note else text

    def _explain(self) -> str:
        if self.stage is None:
            return "stage unknown: no stage stated, stored or recognisable in the question"
        if self.source is StageSource.STATED:
            return f"{self.stage} stage, as you said"
        if self.source is StageSource.CRM:
            return f"{self.stage} stage, {self.cue}"
        if self.source is StageSource.PROSPECT:
            who = f" for {self.cue}" if self.cue else ""
            return f"{self.stage} stage, stored{who}"
        cue = f" from “{self.cue}”" if self.cue else " from the question and the closest assets"
        if self.uncertain:
            return f"probably {self.stage} stage (inferred{cue}, {self.confidence:.0%} sure)"
        return f"{self.stage} stage (inferred{cue}, {self.confidence:.0%} sure)"


@dataclass(frozen=True)
class AnswerItem:
    asset_id: str
    title: str
    url: str | None
    type: str
    stages: tuple[Stage, ...]
    score: float
    reason: str
    rank: int  # 1-based
    internal: bool = False  # for reps only: "internal, don't forward"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.asset_id,
            "title": self.title,
            "url": self.url,
            "type": self.type,
            "stages": [str(s) for s in self.stages],
            "score": round(self.score, 4),
            "reason": self.reason,
        }
        if self.internal:
            out["internal"] = True
        return out


@dataclass(frozen=True)
class CrmRef:
    """The deal a CRM stage was read from, as the log and `ask --json` carry it."""

    system: str  # hubspot | salesforce
    deal_id: str
    deal_name: str
    raw_stage: str  # the CRM's own stage value
    stage_label: str  # how the CRM shows it: "Contract sent"

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "deal_id": self.deal_id,
            "deal_name": self.deal_name,
            "raw_stage": self.raw_stage,
            "stage_label": self.stage_label,
        }


@dataclass(frozen=True)
class Answer:
    recommendation_id: int
    question: str
    prospect: str | None
    stage: StageDecision
    items: tuple[AnswerItem, ...]
    weak: bool  # the best match is poor: say so instead of dressing it up
    latency_ms: float
    crm: CrmRef | None = None  # set when the stage came from the CRM
    vague: bool = False  # too little to search on: the surface asks the rep for more

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "recommendation_id": self.recommendation_id,
            "question": self.question,
            "prospect": self.prospect,
            "stage": str(self.stage.stage) if self.stage.stage else None,
            "stage_source": str(self.stage.source),
            "stage_confidence": round(self.stage.confidence, 2),
            **({"stage_note": self.stage.note} if self.stage.note else {}),
            "weak_match": self.weak,
            "vague": self.vague,
            "items": [item.to_json() for item in self.items],
            "latency_ms": round(self.latency_ms, 1),
        }
        if self.crm is not None:
            result["crm"] = self.crm.to_json()
        return result
