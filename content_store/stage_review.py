"""Assets whose stage was inferred, and the stages marketers confirmed or corrected for them.

A confirmation is keyed by the asset's id (from its source, stable across versions), so a
reindex or a re-ingest that rewrites the asset's row applies it again instead of inferring anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from content_store.errors import InputError
from content_store.models import ContentItem, StageConfirmation
from content_store.models.base import utcnow
from content_store.stage import STAGE_ORDER, Stage


@dataclass(frozen=True)
class InferredAsset:
    """An asset whose stage the model proposed and no marketer has confirmed yet."""

    id: str
    title: str
    url: str | None
    type: str
    stages: tuple[str, ...]


@dataclass(frozen=True)
class StageChange:
    asset_id: str
    title: str
    proposed: tuple[str, ...]
    stages: tuple[str, ...]

    @property
    def corrected(self) -> bool:
        return self.stages != self.proposed


def confirmed_stages(session: Session) -> dict[str, tuple[Stage, ...]]:
    """Every confirmation, by asset id, in funnel order."""
    rows = session.execute(select(StageConfirmation.asset_id, StageConfirmation.stages))
    return {asset_id: _ordered(stages) for asset_id, stages in rows}


def inferred_assets(session: Session, *, limit: int) -> list[InferredAsset]:
    """Active assets with an inferred, unconfirmed stage: the newest first."""
    query = (
        select(
            ContentItem.id,
            ContentItem.title,
            ContentItem.url,
            ContentItem.type,
            ContentItem.stages,
        )
        .where(ContentItem.active.is_(True), ContentItem.stage_inferred.is_(True))
        .order_by(ContentItem.first_seen_at.desc(), ContentItem.id)
        .limit(limit)
    )
    return [
        InferredAsset(row.id, row.title, row.url, row.type, tuple(row.stages or ()))
        for row in session.execute(query)
    ]


def inferred_count(session: Session) -> int:
    query = select(func.count()).where(
        ContentItem.active.is_(True), ContentItem.stage_inferred.is_(True)
    )
    return int(session.scalar(query) or 0)


class NotConfirmable(InputError, ValueError):
    """The asset is gone, or (`sourced`) its own metadata or a rule gives its stage."""

    def __init__(self, asset_id: str, *, sourced: bool) -> None:
        self.asset_id = asset_id
        self.sourced = sourced
        why = "takes its stage from its source" if sourced else "is not in the library"
        super().__init__(f"{asset_id} {why}")


def confirm_stages(
    session: Session, asset_id: str, stages: Sequence[Stage], *, user: str
) -> StageChange:
    """Store a marketer's stages for an asset whose stage was inferred (or confirmed before) and
    apply them to its row. Confirming again (another marketer, another stage) replaces the last.

    Raises NotConfirmable for an asset that is not active, or whose own metadata or a rule
    gives its stage: those win over any confirmation.
    """
    item = session.get(ContentItem, asset_id)
    if item is None or not item.active:
        raise NotConfirmable(asset_id, sourced=False)
    confirmation = session.get(StageConfirmation, asset_id)
    confirmed_before = confirmation is not None and list(item.stages) == confirmation.stages
    if not item.stage_inferred and not confirmed_before:
        raise NotConfirmable(asset_id, sourced=True)
    chosen = [str(s) for s in _ordered(stages)]
    if confirmation is None:
        confirmation = StageConfirmation(asset_id=asset_id, proposed=list(item.stages))
        session.add(confirmation)
    confirmation.stages = chosen
    confirmation.confirmed_by = user
    confirmation.confirmed_at = utcnow()
    session.execute(
        update(ContentItem)
        .where(ContentItem.id == asset_id)
        .values(stages=chosen, stage_inferred=False)
    )
    return StageChange(asset_id, item.title, tuple(confirmation.proposed), tuple(chosen))


def _ordered(stages: Sequence[str]) -> tuple[Stage, ...]:
    known = {str(s) for s in stages}
    return tuple(s for s in STAGE_ORDER if str(s) in known)
