"""Prospects: set and look up an account's buyer-journey stage."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from content_store.models import Prospect, ProspectStageChange
from content_store.models.base import utcnow
from content_store.stage import Stage
from content_store.text import clean_text

MAX_NAME_LENGTH = 200

_COLUMNS = (Prospect.key, Prospect.name, Prospect.stage)
_BY_KEY = select(*_COLUMNS).where(Prospect.key == bindparam("key"))
_ALL = select(*_COLUMNS)


class _Named(Protocol):
    @property
    def key(self) -> str: ...


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


def stored_stage(
    session: Session, *, name: str | None = None, text: str = ""
) -> tuple[str, Stage] | None:
    """(name, stage) of the prospect called `name`, or else of the one `text` mentions.

    Reads columns, not mapped rows: this runs on every answer.
    """
    if name is not None:
        row = session.execute(_BY_KEY, {"key": prospect_key(name)}).first()
        return (row.name, Stage(row.stage)) if row is not None else None
    found = _named_in(text, session.execute(_ALL).all())
    return (found.name, Stage(found.stage)) if found is not None else None


def find_prospect_in_text(session: Session, text: str) -> Prospect | None:
    """The stored prospect whose name appears in the text as whole words (longest name wins)."""
    return _named_in(text, session.scalars(select(Prospect)))


_P = TypeVar("_P", bound=_Named)


def _named_in(text: str, prospects: Iterable[_P]) -> _P | None:
    folded = text.casefold()
    best: _P | None = None
    for prospect in prospects:
        if re.search(rf"(?<!\w){re.escape(prospect.key)}(?!\w)", folded) and (
            best is None or len(prospect.key) > len(best.key)
        ):
            best = prospect
    return best
