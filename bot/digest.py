"""The weekly digest for marketing: top gaps, most used, never surfaced, mostly 👎, past review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.dashboard import NEVER_SURFACED_DAYS, mostly_not_useful
from bot.gaps import GapGroup, content_gaps
from bot.services import Services
from content_store.models import ContentItem
from content_store.requests import RequestSummary, describe_duration, request_summary
from content_store.stats import Activity, AssetRef, AssetUsage, activity, asset_usage
from content_store.stats import never_surfaced as never_surfaced_since
from content_store.stats import past_review as past_review_on

DIGEST_DAYS = 7  # the week the digest reports on
GAP_DAYS = 30  # gaps build up over a month: "7 reps this month asked for …"
RATING_DAYS = 90  # ratings are sparse; a quarter gives "mostly 👎" enough votes
TOP = 5


@dataclass(frozen=True)
class Digest:
    generated_at: datetime
    week: Activity
    gaps: list[GapGroup]
    most_used: list[AssetUsage]
    never_surfaced: list[AssetRef]
    mostly_not_useful: list[AssetUsage]
    past_review: list[AssetRef]
    requests: RequestSummary | None = None  # asks to marketing opened this week


def weekly_digest(
    services: Services,
    *,
    now: datetime | None = None,
    top: int = TOP,
    without_internal: bool = False,
) -> Digest:
    """`without_internal`: for a channel people outside the company read, the internal assets
    are left out of every list."""
    now = now or datetime.now(UTC)
    week = now - timedelta(days=DIGEST_DAYS)
    with services.sessions() as session:
        hidden = (
            set(session.scalars(select(ContentItem.id).where(ContentItem.internal.is_(True))))
            if without_internal
            else set()
        )
        summary = activity(session, since=week)
        used = [a for a in asset_usage(session, since=week) if a.surfaced]
        rated = asset_usage(session, since=now - timedelta(days=RATING_DAYS))
        ignored = never_surfaced_since(session, since=now - timedelta(days=NEVER_SURFACED_DAYS))
        overdue = past_review_on(session, today=now.date())
        requests = request_summary(session, since=week)
    if hidden:
        used = [a for a in used if a.item_id not in hidden]
        rated = [a for a in rated if a.item_id not in hidden]
        ignored = [a for a in ignored if a.item_id not in hidden]
        overdue = [a for a in overdue if a.item_id not in hidden]
    return Digest(
        generated_at=now,
        week=summary,
        gaps=content_gaps(services, since=now - timedelta(days=GAP_DAYS), limit=top) or [],
        most_used=used[:top],
        never_surfaced=ignored,
        mostly_not_useful=mostly_not_useful(rated),
        past_review=overdue,
        requests=requests,
    )


def digest_text(digest: Digest, *, list_limit: int = 20) -> str:
    """The digest as plain text, for the terminal and as the Slack message's fallback text."""
    w = digest.week
    rate = "n/a" if w.useful_rate is None else f"{w.useful_rate:.0%}"
    lines = [
        f"funnelbot weekly digest, {digest.generated_at:%Y-%m-%d}",
        f"Last {DIGEST_DAYS} days: {w.questions} questions {w.askers()}, "
        f"{w.rated} answers rated ({rate} useful), {w.sent} assets sent, {w.weak} weak matches.",
        requests_line(digest.requests),
        "",
        f"Top content gaps (last {GAP_DAYS} days):",
    ]
    lines += [f"  - {g.describe()}" for g in digest.gaps] or ["  none"]
    lines += ["", f"Most used assets (last {DIGEST_DAYS} days):"]
    lines += [
        f"  - {a.title}: surfaced {a.surfaced}, sent {a.sent}, {_rate(a)}" for a in digest.most_used
    ] or ["  none"]
    sections: list[tuple[str, list[str]]] = [
        (
            f"Never surfaced in {NEVER_SURFACED_DAYS} days ({len(digest.never_surfaced)})",
            [f"{a.title} ({a.item_id})" for a in digest.never_surfaced],
        ),
        (
            f"Mostly rated 👎 (last {RATING_DAYS} days)",
            [f"{a.title}: {a.not_useful} 👎 / {a.useful} 👍" for a in digest.mostly_not_useful],
        ),
        (
            f"Past their review_by date ({len(digest.past_review)})",
            [
                f"{a.title}: review_by {a.review_by}{f', owner {a.owner}' if a.owner else ''}"
                for a in digest.past_review
            ],
        ),
    ]
    for title, items in sections:
        lines += ["", f"{title}:"]
        lines += [f"  - {item}" for item in items[:list_limit]] or ["  none"]
        if len(items) > list_limit:
            lines.append(f"  … and {len(items) - list_limit} more")
    return "\n".join(lines)


def requests_line(r: RequestSummary | None) -> str:
    if r is None:
        return "Requests to marketing: n/a"
    return (
        f"Requests to marketing: {r.opened} opened, {r.done} done, {r.open_now} open now; median "
        f"time to first response {describe_duration(r.median_first_response)}, to done "
        f"{describe_duration(r.median_done)}."
    )


def _rate(asset: AssetUsage) -> str:
    rate = asset.useful_rate
    return "not rated" if rate is None else f"{rate:.0%} useful of {asset.rated} rated"
