"""Reading a buyer-journey stage out of a rep's question: named outright, or inferred from cues."""

from __future__ import annotations

import re
from dataclasses import dataclass

from content_store.stage import STAGE_SYNONYMS, Stage

# "top", "middle" and "bottom" name a stage only as "... of the funnel": "in the middle of a
# reorg" is not a stage.
_POSITIONS = {"top", "middle", "bottom"}
_STAGE_WORDS = "|".join(sorted(set(STAGE_SYNONYMS) - _POSITIONS, key=len, reverse=True))
# "they're in consideration", "at the decision stage", "evaluation phase", "stage: decision".
# A bare "decision" is not enough: "decision maker" names a person, not a stage.
_NAMED = [
    re.compile(
        rf"\b(?:in|at|into|entering|reached|moved to|now in)\s+(?:the\s+)?({_STAGE_WORDS})\b"
        rf"(?!\s*-?\s*makers?\b)",
        re.IGNORECASE,
    ),
    re.compile(rf"\b({_STAGE_WORDS})[\s-]+(?:stage|phase)\b", re.IGNORECASE),
    re.compile(rf"\bstage\s*[:=]?\s*({_STAGE_WORDS})\b", re.IGNORECASE),
    re.compile(r"\b(top|middle|bottom)[\s-]+of[\s-]+(?:the[\s-]+)?funnel\b", re.IGNORECASE),
]

# Cue phrases with weights. Decision cues are about buying; consideration about choosing;
# awareness about not yet seeing the problem. Regexes so plurals and spellings match.
_CUES: dict[Stage, list[tuple[str, float]]] = {
    Stage.DECISION: [
        (r"pric(e|es|ing)|quote|discount", 1.0),
        (r"contract|procurement|legal review|redlines?|msa\b|terms", 1.0),
        (r"soc ?2|security (review|questionnaire|whitepaper|report)|pen ?test|gdpr|dpa\b", 1.0),
        (r"sign(ing|ed)?\b|signature|close the deal|closing|purchase order|\bpo\b", 0.9),
        (r"\bcfo\b|budget approval|business case|roi\b|payback|the numbers", 0.7),
        (r"implementation plan|onboarding plan|rollout|go-?live|timeline to launch", 0.7),
        (r"references?\b|reference call|final (round|decision)|shortlist(ed)?", 0.6),
    ],
    Stage.CONSIDERATION: [
        (r"compar(e|es|ed|ing|ison)|\bvs\.?\b|versus|alternatives?|competitors?", 1.0),
        (r"\bdemo\b|trial|proof of concept|\bpoc\b|walkthrough", 0.9),
        (r"evaluat(e|es|ed|ing|ion)|assess(ing)?|looking at (vendors|options|tools)", 0.9),
        (r"case stud(y|ies)|customer stor(y|ies)|how (others|customers)", 0.6),
        (r"features?|integrat(e|es|ion|ions)|how (does|do) (it|we|you) work", 0.6),
        (r"requirements|rfp\b|rfi\b", 0.7),
    ],
    Stage.AWARENESS: [
        (r"(doesn'?t|does not|don'?t|do not|didn'?t) (see|know|realise|realize|think)", 1.0),
        (r"not (yet )?(aware|convinced)|the problem|pain points?|why (should|would)", 0.9),
        (r"educat(e|ion|ional)|introduc(e|tion|tory)|\bintro\b|getting started|basics", 0.8),
        (r"first (call|meeting|touch)|cold|early|new (lead|contact)|just (met|started)", 0.8),
        (r"trends?|industry (report|research)|thought leadership|blog", 0.7),
        (r"spreadsheets?|status quo|manual(ly)?", 0.5),
    ],
}
_COMPILED = {
    stage: [(re.compile(rf"\b(?:{pattern})", re.IGNORECASE), w) for pattern, w in cues]
    for stage, cues in _CUES.items()
}


@dataclass(frozen=True)
class StageGuess:
    stage: Stage | None
    confidence: float  # 0..1; below about 0.6 the caller should say it is unsure
    cue: str | None  # the words that decided it


def stage_named_in(question: str) -> tuple[Stage, str] | None:
    """The stage the rep states in the question, with the words that state it."""
    for pattern in _NAMED:
        match = pattern.search(question)
        if match:
            return STAGE_SYNONYMS[match.group(1).lower()], match.group(0)
    return None


def infer_stage(question: str) -> StageGuess:
    """Guess the stage from cue words; confidence reflects how clearly one stage wins."""
    totals: dict[Stage, float] = {}
    best_cue: dict[Stage, tuple[float, str]] = {}
    for stage, cues in _COMPILED.items():
        for pattern, weight in cues:
            match = pattern.search(question)
            if match:
                totals[stage] = totals.get(stage, 0.0) + weight
                if weight > best_cue.get(stage, (0.0, ""))[0]:
                    best_cue[stage] = (weight, match.group(0))
    if not totals:
        return StageGuess(stage=None, confidence=0.0, cue=None)
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    winner, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    # Strength of evidence (saturating) times margin over the next stage.
    strength = min(1.0, 0.55 + 0.3 * top)
    margin = (top - runner_up) / top
    confidence = round(strength * (0.5 + 0.5 * margin), 2)
    return StageGuess(stage=winner, confidence=confidence, cue=best_cue[winner][1])
