"""Counting assets by lifecycle: drafts, archived, expired, superseded, internal, review overdue,
and stages inferred but not yet confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content_store.models import ContentItem


@dataclass(frozen=True)
class LifecycleCounts:
    drafts: int = 0
    archived: int = 0
    expired: int = 0
    superseded: int = 0
    internal: int = 0
    review_overdue: int = 0  # still served; marketing should look at them
    stage_inferred: int = 0  # the stage model's stage, not yet confirmed by marketing

    @property
    def not_served(self) -> int:
        return self.drafts + self.archived + self.expired + self.superseded

    def line(self) -> str:
        return (
            f"{self.drafts} drafts, {self.archived} archived, {self.expired} expired, "
            f"{self.superseded} superseded (none of them recommended); "
            f"{self.internal} internal, {self.review_overdue} past review_by, "
            f"{self.stage_inferred} with an inferred stage to confirm"
        )


def lifecycle_counts(session: Session, *, today: date) -> LifecycleCounts:
    """Counts over active items (present in their source); each item counts once per line."""
    active = ContentItem.active.is_(True)

    def count(*where: object) -> int:
        return session.scalar(select(func.count()).where(active, *where)) or 0  # type: ignore[arg-type]

    published = ContentItem.status == "published"
    return LifecycleCounts(
        drafts=count(ContentItem.status == "draft"),
        archived=count(ContentItem.status == "archived"),
        expired=count(published, ContentItem.expires < today),
        superseded=count(ContentItem.superseded_by.is_not(None)),
        internal=count(ContentItem.internal.is_(True)),
        review_overdue=count(ContentItem.review_by < today),
        stage_inferred=count(ContentItem.stage_inferred.is_(True)),
    )
