"""What the recommend use case returns: the answer every surface (CLI, Slack) renders."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.i18n import N_, Phrase, Translator, english
from content_store.stage import Stage
from index.ranking import Reason

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
    cue: str | Phrase | None = None  # the words that decided it, for the explanation
    # Why a source was passed over ("no open deal in HubSpot for Acme").
    note: str | Phrase | None = None

    @property
    def uncertain(self) -> bool:
        return self.source is StageSource.INFERRED and self.confidence < UNSURE_BELOW

    def explain(self, t: Translator | None = None) -> str:
        """One line a rep can read, in t's language (English by default): which stage, and why
        we think so."""
        t = t or english()
        text = self._explain(t)
        return (
            t.gettext("%(line)s (%(note)s)", line=text, note=t.say(self.note))
            if self.note
            else text
        )

    def _explain(self, t: Translator) -> str:
        _ = t.gettext
        if self.stage is None:
            return _("stage unknown: no stage stated, stored or recognisable in the question")
        stage = t.stage_phrase(self.stage)
        cue = t.say(self.cue) if self.cue is not None else None
        if self.source is StageSource.STATED:
            return _("%(stage)s, as you said", stage=stage)
        if self.source is StageSource.CRM:
            return _("%(stage)s, %(cue)s", stage=stage, cue=cue or "")
        if self.source is StageSource.PROSPECT:
            if cue:
                return _("%(stage)s, stored for %(prospect)s", stage=stage, prospect=cue)
            return _("%(stage)s, stored", stage=stage)
        sure = t.percent(self.confidence)
        if self.uncertain:
            if cue:
                return _(
                    "probably %(stage)s (inferred from “%(cue)s”, %(sure)s sure)",
                    stage=stage,
                    cue=cue,
                    sure=sure,
                )
            return _(
                "probably %(stage)s (inferred from the question and the closest assets, "
                "%(sure)s sure)",
                stage=stage,
                sure=sure,
            )
        if cue:
            return _(
                "%(stage)s (inferred from “%(cue)s”, %(sure)s sure)",
                stage=stage,
                cue=cue,
                sure=sure,
            )
        return _(
            "%(stage)s (inferred from the question and the closest assets, %(sure)s sure)",
            stage=stage,
            sure=sure,
        )


def crm_cue(crm: str, deal: str, deal_stage: str) -> Phrase:
    """How a CRM stage is explained: "from HubSpot: deal 'Acme renewal' is in Contract sent"."""
    return Phrase(
        N_("from %(crm)s: deal '%(deal)s' is in %(deal_stage)s"),
        {"crm": crm, "deal": deal, "deal_stage": deal_stage},
    )


def say_reason(reason: Reason, t: Translator) -> str:
    """An asset's reason (index.ranking.Reason) in t's language: in English, exactly the line
    the log keeps."""
    _ = t.gettext
    kind = reason.type.replace("-", " ")
    head = kind
    if reason.stages:
        stage = (
            _stage_adjective(reason.stages[0], t)
            if len(reason.stages) == 1
            else _("%(stages)s-stage", stages=t.stages(reason.stages))
        )
        head = _("%(stage)s %(type)s", stage=stage, type=kind)
    details: list[str] = []
    if reason.competitors:
        details.append(_("covers %(competitors)s", competitors=", ".join(reason.competitors)))
    if reason.tags:
        tags = ", ".join(tag.replace("-", " ") for tag in reason.tags)
        details.append(_("for %(tags)s", tags=tags))
    if reason.terms:
        terms = ", ".join(f"“{term}”" for term in reason.terms)
        details.append(_("on %(terms)s", terms=terms))
    if reason.off_stage is not None:
        details.append(_("not written for %(stage)s", stage=t.stage_phrase(reason.off_stage)))
    return "; ".join([head, *details])


def _stage_adjective(stage: Stage, t: Translator) -> str:
    _ = t.gettext
    adjectives = {
        Stage.AWARENESS: _("awareness-stage"),
        Stage.CONSIDERATION: _("consideration-stage"),
        Stage.DECISION: _("decision-stage"),
        Stage.CUSTOMER: _("customer-stage"),
    }
    return adjectives.get(stage, f"{stage}-stage")


@dataclass(frozen=True)
class AnswerItem:
    asset_id: str
    title: str
    url: str | None
    type: str
    stages: tuple[Stage, ...]
    score: float
    reason: str | Phrase  # English in the log; a Phrase where it is the bot's own sentence
    rank: int  # 1-based
    internal: bool = False  # for reps only: "internal, don't forward"
    why: Reason | None = None  # the reason in parts, to say it in the reader's language

    def explain(self, t: Translator | None = None) -> str:
        """Why this asset, in t's language (English by default)."""
        t = t or english()
        return say_reason(self.why, t) if self.why is not None else t.say(self.reason)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.asset_id,
            "title": self.title,
            "url": self.url,
            "type": self.type,
            "stages": [str(s) for s in self.stages],
            "score": round(self.score, 4),
            "reason": self.explain(),
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

    @property
    def internal_items(self) -> int:
        return sum(1 for item in self.items if item.internal)

    def without_internal(self) -> Answer:
        """The answer fit for people outside the company: its internal items left out, the rest
        numbered again."""
        kept = [item for item in self.items if not item.internal]
        items = tuple(replace(item, rank=rank) for rank, item in enumerate(kept, 1))
        return replace(self, items=items)

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "recommendation_id": self.recommendation_id,
            "question": self.question,
            "prospect": self.prospect,
            "stage": str(self.stage.stage) if self.stage.stage else None,
            "stage_source": str(self.stage.source),
            "stage_confidence": round(self.stage.confidence, 2),
            **({"stage_note": str(self.stage.note)} if self.stage.note else {}),
            "weak_match": self.weak,
            "vague": self.vague,
            "items": [item.to_json() for item in self.items],
            "latency_ms": round(self.latency_ms, 1),
        }
        if self.crm is not None:
            result["crm"] = self.crm.to_json()
        return result
