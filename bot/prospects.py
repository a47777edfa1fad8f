"""The prospect use cases: store a stage, show a stage with its history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.crm.lookup import crm_view
from bot.i18n import Phrase
from bot.services import Services
from content_store.db import transaction
from content_store.models import Prospect
from content_store.prospects import get_prospect, set_prospect_stage
from content_store.stage import Stage


@dataclass(frozen=True)
class ProspectView:
    name: str
    stage: str
    history: list[tuple[str, datetime, str | None]]  # newest first: stage, when, who
    crm: Phrase | None = None  # what the CRM says of the prospect, when one is configured


def set_stage(services: Services, name: str, stage: Stage, *, user: str | None) -> ProspectView:
    with transaction(services.sessions) as session:
        prospect = set_prospect_stage(session, name, stage, changed_by=user)
        return _view(prospect)


def show(services: Services, name: str) -> ProspectView | None:
    """The stored stage and history, beside what the CRM says (None: neither knows it)."""
    crm = crm_view(services.crm, name)
    with services.sessions() as session:
        prospect = get_prospect(session, name)
        if prospect is not None:
            return replace(_view(prospect), crm=crm)
    if crm is None:
        return None
    return ProspectView(name=name, stage="not stored", history=[], crm=crm)


def _view(prospect: Prospect) -> ProspectView:
    return ProspectView(
        name=prospect.name,
        stage=prospect.stage,
        history=[(c.stage, c.changed_at, c.changed_by) for c in prospect.history],
    )
