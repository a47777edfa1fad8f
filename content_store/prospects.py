"""Prospects: set and look up an account's buyer-journey stage."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from content_store.models import Prospect, ProspectStageChange
from content_store.models.base import utcnow
from content_store.stage import Stage
from content_store.text import clean_text

MAX_NAME_LENGTH = 200


def prospect_key(name: str) -> str:
    return " ".join(clean_text(name).split()).casefold()


def clean_prospect_name(name: str) -> str:
    cleaned = " ".join(clean_text(name).split())
    if not cleaned:
        raise ValueError("prospect name is empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(f"prospect name is {len(cleaned)} characters; the limit is 200")
    return cleaned


def set_prospect_stage(
    session: Session, name: str, stage: Stage, *, changed_by: str | None = None
) -> Prospect:
    name = clean_prospect_name(name)
    prospect = get_prospect(session, name)
    if prospect is None:
        prospect = Prospect(key=prospect_key(name), name=name, stage=str(stage))
        session.add(prospect)
    prospect.name = name
    prospect.stage = str(stage)
    prospect.updated_at = utcnow()
    prospect.updated_by = changed_by
    prospect.history.insert(0, ProspectStageChange(stage=str(stage), changed_by=changed_by))
    session.flush()
    return prospect


def get_prospect(session: Session, name: str) -> Prospect | None:
    return session.scalar(select(Prospect).where(Prospect.key == prospect_key(name)))


def find_prospect_in_text(session: Session, text: str) -> Prospect | None:
    """The stored prospect whose name appears in the text as whole words (longest name wins)."""
    folded = text.casefold()
    best: Prospect | None = None
    for prospect in session.scalars(select(Prospect)):
        if re.search(rf"(?<!\w){re.escape(prospect.key)}(?!\w)", folded) and (
            best is None or len(prospect.key) > len(best.key)
        ):
            best = prospect
    return best
