"""Prospects: set and look up an account's buyer-journey stage."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

from sqlalchemy import Connection, String, bindparam, func, select
from sqlalchemy.orm import Session

from content_store.models import Prospect, ProspectStageChange
from content_store.models.base import utcnow
from content_store.stage import Stage
from content_store.text import clean_text

MAX_NAME_LENGTH = 200

_COLUMNS = (Prospect.key, Prospect.name, Prospect.stage)
_BY_KEY = select(*_COLUMNS).where(Prospect.key == bindparam("key"))
_ALL = select(*_COLUMNS)
# Prospects whose key occurs in the :text (PostgreSQL names SQLite's instr() strpos()).
_TEXT = bindparam("text", type_=String)
_MENTIONED = _ALL.where(func.instr(_TEXT, Prospect.key) > 0)
_MENTIONED_PG = _ALL.where(func.strpos(_TEXT, Prospect.key) > 0)


class _Named(Protocol):
    @property
    def key(self) -> str: ...


_P = TypeVar("_P", bound=_Named)


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
    db: Session | Connection, *, name: str | None = None, text: str = ""
) -> tuple[str, Stage] | None:
    """(name, stage) of the prospect called `name`, or else of the one `text` mentions.

    Reads columns, not mapped rows, and takes a bare connection too: this runs on every answer.
    """
    if name is not None:
        row = db.execute(_BY_KEY, {"key": prospect_key(name)}).first()
        return (row.name, Stage(row.stage)) if row is not None else None
    folded = text.casefold()
    if not folded.strip():
        return None
    # The database keeps the names the text contains (a substring test in C over every row);
    # Python then wants whole words. Testing every name here recompiles more patterns than
    # `re` caches.
    dialect = db.get_bind().dialect if isinstance(db, Session) else db.dialect
    mentioned = _MENTIONED_PG if dialect.name == "postgresql" else _MENTIONED
    candidates = db.execute(mentioned, {"text": folded}).all()
    found = _named_in(folded, candidates)
    return (found.name, Stage(found.stage)) if found is not None else None


def _named_in(folded: str, prospects: Iterable[_P]) -> _P | None:
    """The prospect whose key appears in the (case-folded) text as whole words; longest wins."""
    best: _P | None = None
    for prospect in prospects:
        if re.search(rf"(?<!\w){re.escape(prospect.key)}(?!\w)", folded) and (
            best is None or len(prospect.key) > len(best.key)
        ):
            best = prospect
    return best
