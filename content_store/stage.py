"""Buyer-journey stages: the vocabulary shared by content, prospects and questions."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    AWARENESS = "awareness"
    CONSIDERATION = "consideration"
    DECISION = "decision"
    # After the sale (a won deal): onboarding and expansion content. Named only outright
    # (`stage: customer`, a CRM's closed-won); never inferred from a question's wording.
    CUSTOMER = "customer"

    @property
    def position(self) -> int:
        return STAGE_ORDER.index(self)


STAGE_ORDER: tuple[Stage, ...] = (
    Stage.AWARENESS,
    Stage.CONSIDERATION,
    Stage.DECISION,
    Stage.CUSTOMER,
)

# Marketing teams use several funnel models (AIDA, TOFU/MOFU/BOFU); map their words onto ours.
STAGE_SYNONYMS: dict[str, Stage] = {
    "awareness": Stage.AWARENESS,
    "attention": Stage.AWARENESS,
    "discovery": Stage.AWARENESS,
    "tofu": Stage.AWARENESS,
    "top": Stage.AWARENESS,
    "consideration": Stage.CONSIDERATION,
    "interest": Stage.CONSIDERATION,
    "evaluation": Stage.CONSIDERATION,
    "evaluating": Stage.CONSIDERATION,
    "mofu": Stage.CONSIDERATION,
    "middle": Stage.CONSIDERATION,
    "decision": Stage.DECISION,
    "action": Stage.DECISION,
    "purchase": Stage.DECISION,
    "negotiation": Stage.DECISION,
    "bofu": Stage.DECISION,
    "bottom": Stage.DECISION,
}


def parse_stage(text: str) -> Stage:
    """Return the stage a word names (case-insensitive, synonyms accepted).

    Raises ValueError naming the word and the accepted stages.
    """
    key = text.strip().lower().replace("-stage", "").replace(" stage", "").strip()
    # "customer" is parsed here but kept out of STAGE_SYNONYMS, which question wording is
    # matched against ("in customer success" names no stage).
    if key == Stage.CUSTOMER:
        return Stage.CUSTOMER
    try:
        return STAGE_SYNONYMS[key]
    except KeyError:
        raise ValueError(
            f"unknown stage {text!r}; use awareness, consideration, decision or customer"
        ) from None
