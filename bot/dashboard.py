"""What marketing sees: which assets sales uses, which it ignores, and which it lacks."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot.gaps import GapGroup, content_gaps
from bot.services import Services
from content_store.lifecycle import LifecycleCounts, lifecycle_counts
from content_store.stats import (
    Activity,
    AssetRef,
    AssetUsage,
    StageCoverage,
    active_asset_count,
    activity,
    asset_usage,
    never_surfaced,
    past_review,
    stage_coverage,
)
from content_store.windows import answer_window

HOME_DAYS = 30
NEVER_SURFACED_DAYS = 90
MAX_DAYS = 3650
# An asset is "mostly 👎" once this many answers offering it were rated and most said 👎.
MIN_RATINGS = 3


@dataclass(frozen=True)
class Dashboard:
    days: int
    since: datetime
    generated_at: datetime
    activity: Activity
    assets: list[AssetUsage]  # every active or surfaced asset, most surfaced first
    never_surfaced: list[AssetRef]  # active, offered by no answer in NEVER_SURFACED_DAYS
    active_assets: int
    gaps: list[GapGroup] | None  # None: new questions are still being grouped
    stages: list[StageCoverage]
    past_review: list[AssetRef]
    gap_limit: int = 5
    lifecycle: LifecycleCounts = field(default_factory=LifecycleCounts)

    @property
    def surfaced(self) -> list[AssetUsage]:
        return [a for a in self.assets if a.surfaced]

    @property
    def mostly_not_useful(self) -> list[AssetUsage]:
        return mostly_not_useful(self.assets)


def marketing_dashboard(
    services: Services,
    *,
    days: int = HOME_DAYS,
    now: datetime | None = None,
    gaps: int = 5,
    embed: bool = True,
) -> Dashboard:
    """The last `days` of the log, summed up for marketing.

    With `embed=False` the content gaps are left out (None) when new questions would have to be
    embedded first, which takes seconds; `with_gaps` adds them afterwards.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {days}")
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    with services.sessions() as session:
        window = answer_window(session, since=since)
        summary = activity(session, window=window)
        assets = asset_usage(session, window=window)
        ignored = never_surfaced(session, since=now - timedelta(days=NEVER_SURFACED_DAYS))
        active = active_asset_count(session)
        stages = stage_coverage(session, window=window)
        overdue = past_review(session, today=now.date())
        lifecycle = lifecycle_counts(session, today=now.date())
    return Dashboard(
        days=days,
        since=since,
        generated_at=now,
        activity=summary,
        assets=assets,
        never_surfaced=ignored,
        active_assets=active,
        gaps=content_gaps(services, since=since, limit=gaps, embed=embed),
        stages=stages,
        past_review=overdue,
        gap_limit=gaps,
        lifecycle=lifecycle,
    )


def with_gaps(services: Services, dashboard: Dashboard) -> Dashboard:
    """The dashboard with its content gaps grouped, embedding the questions not seen before."""
    if dashboard.gaps is not None:
        return dashboard
    grouped = content_gaps(services, since=dashboard.since, limit=dashboard.gap_limit)
    return replace(dashboard, gaps=grouped or [])


def mostly_not_useful(
    assets: Sequence[AssetUsage], *, min_ratings: int = MIN_RATINGS
) -> list[AssetUsage]:
    """Assets offered in answers that were rated, mostly 👎; the worst first."""
    flagged = [a for a in assets if a.rated >= min_ratings and a.not_useful > a.useful]
    return sorted(flagged, key=lambda a: (a.useful_rate or 0.0, -a.rated, a.item_id))


def asset_table(
    services: Services, *, days: int | None = None, now: datetime | None = None
) -> list[AssetUsage]:
    """The full per-asset table (every active or surfaced asset), over `days` or the whole log."""
    since = None if days is None else (now or datetime.now(UTC)) - timedelta(days=days)
    with services.sessions() as session:
        return asset_usage(session, since=since)


CSV_COLUMNS = (
    "id",
    "title",
    "type",
    "stages",
    "url",
    "owner",
    "review_by",
    "active",
    "surfaced",
    "useful",
    "not_useful",
    "useful_rate",
    "sent",
)


def asset_csv(assets: Sequence[AssetUsage]) -> str:
    """The per-asset table as CSV (stages joined with `;`, rates as 0..1 with 3 decimals)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in assets:
        rate = a.useful_rate
        writer.writerow(
            [
                a.item_id,
                _csv_safe(a.title),
                a.type,
                ";".join(a.stages),
                a.url or "",
                a.owner or "",
                a.review_by.isoformat() if a.review_by else "",
                "yes" if a.active else "no",
                a.surfaced,
                a.useful,
                a.not_useful,
                "" if rate is None else f"{rate:.3f}",
                a.sent,
            ]
        )
    return out.getvalue()


def _csv_safe(text: str) -> str:
    # A title starting with = + - @ would run as a formula when the CSV is opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
