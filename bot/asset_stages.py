"""Stages for assets whose source gives none: the stage model proposes one, marketing confirms.

Precedence: the item's own metadata or a funnelbot.yml rule, then a marketer's confirmation
(kept by asset id, so it survives every later ingest), then the model's proposal, marked
*stage inferred* until a marketer confirms or corrects it on the Home tab.

The stage model was trained on rep questions; an asset is read the way a question is: its
vector (the asset's first passage, title and opening text, already embedded for the index) and
the words of its title, description and opening.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.i18n import N_, LocalizedError
from bot.services import Services
from content_store.db import transaction
from content_store.stage import STAGE_ORDER, Stage
from content_store.stage_review import (
    InferredAsset,
    NotConfirmable,
    StageChange,
    confirm_stages,
    inferred_assets,
    inferred_count,
)
from index.stage import StageModel

# Opening words read beside the title and description: about the first passage the vector has.
OPENING_WORDS = 150


class StageConfirmError(LocalizedError):
    """A confirmation that cannot be applied; the message says why, in one line."""


def proposal_text(title: str, description: str | None, body: str) -> str:
    opening = " ".join(body.split()[:OPENING_WORDS])
    return " ".join(part for part in (title, description or "", opening) if part)


def propose_stages(
    model: StageModel, vectors: Sequence[np.ndarray | bytes | memoryview], texts: Sequence[str]
) -> list[Stage]:
    """The most probable stage for each asset, from its first passage's vector and its text."""
    stages = []
    for vector, text in zip(vectors, texts, strict=True):
        v = vector if isinstance(vector, np.ndarray) else np.frombuffer(vector, dtype=np.float32)
        probabilities = model.probabilities(v, text)
        stages.append(model.classes[int(np.argmax(probabilities))])
    return stages


@dataclass(frozen=True)
class StageReview:
    """What the marketer Home tab lists: inferred stages to confirm, newest assets first."""

    assets: list[InferredAsset]
    total: int


def stage_review(services: Services, *, limit: int = 10) -> StageReview:
    with services.sessions() as session:
        return StageReview(inferred_assets(session, limit=limit), inferred_count(session))


def confirm_asset_stage(services: Services, asset_id: str, stage: str, *, user: str) -> StageChange:
    """A marketer confirms (or corrects) an inferred stage. Answers use it at once in this
    process; other processes pick it up with their next index reload."""
    if stage not in {str(s) for s in STAGE_ORDER}:
        raise StageConfirmError(N_("unknown stage '%(stage)s'"), stage=stage[:40])
    chosen = Stage(stage)
    try:
        with transaction(services.sessions) as session:
            change = confirm_stages(session, asset_id, [chosen], user=user)
    except NotConfirmable as error:
        if error.sourced:
            raise StageConfirmError(
                N_("%(asset)s takes its stage from its source; change it there"), asset=asset_id
            ) from None
        raise StageConfirmError(
            N_("there is no asset '%(asset)s' in the library"), asset=asset_id[:200]
        ) from None
    restage_served(services, {asset_id: (chosen,)})
    return change


def restage_served(services: Services, stages: Mapping[str, tuple[Stage, ...]]) -> None:
    """Give the serving index's assets their new stages without rebuilding it."""
    searcher = services.searcher()
    for asset_id, chosen in stages.items():
        meta = searcher.assets.get(asset_id)
        if meta is not None:
            searcher.assets[asset_id] = replace(meta, stages=chosen)


def stage_choices(proposed: Sequence[str]) -> list[Stage]:
    """The stages a marketer may pick instead of the proposal, in funnel order."""
    taken = set(proposed)
    return [s for s in STAGE_ORDER if str(s) not in taken]
