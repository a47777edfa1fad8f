"""The prospect use cases: store a stage, show a stage with its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def set_stage(services: Services, name: str, stage: Stage, *, user: str | None) -> ProspectView:
    with transaction(services.sessions) as session:
        prospect = set_prospect_stage(session, name, stage, changed_by=user)
        return _view(prospect)


def show(services: Services, name: str) -> ProspectView | None:
    with services.sessions() as session:
        prospect = get_prospect(session, name)
        return _view(prospect) if prospect else None


def _view(prospect: Prospect) -> ProspectView:
    return ProspectView(
        name=prospect.name,
        stage=prospect.stage,
        history=[(c.stage, c.changed_at, c.changed_by) for c in prospect.history],
    )
