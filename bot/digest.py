"""The weekly digest for marketing: top gaps, most used, never surfaced, mostly 👎, past review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.dashboard import NEVER_SURFACED_DAYS, mostly_not_useful
from bot.gaps import GapGroup, content_gaps
from bot.i18n import Translator, english
from bot.services import Services
from content_store.models import ContentItem
from content_store.requests import RequestSummary, request_summary
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


def digest_text(digest: Digest, t: Translator | None = None, *, list_limit: int = 20) -> str:
    """The digest as plain text in t's language, for the terminal and as the Slack message's
    fallback text. Counts are plain digits, as the CLI's other lines."""
    t = t or english()
    _ = t.gettext
    w = digest.week
    rate = _("n/a") if w.useful_rate is None else t.percent(w.useful_rate)
    lines = [
        _("funnelbot weekly digest, %(date)s", date=digest.generated_at.strftime("%Y-%m-%d")),
        _(
            "Last %(days)s days: %(questions)s %(askers)s, %(rated)s (%(rate)s useful), "
            "%(sent)s, %(weak)s.",
            days=DIGEST_DAYS,
            questions=t.ngettext(
                "%(count)s question", "%(count)s questions", w.questions, count=w.questions
            ),
            askers=_askers(w, t),
            rated=t.ngettext(
                "%(count)s answer rated", "%(count)s answers rated", w.rated, count=w.rated
            ),
            rate=rate,
            sent=t.ngettext("%(count)s asset sent", "%(count)s assets sent", w.sent, count=w.sent),
            weak=t.ngettext("%(count)s weak match", "%(count)s weak matches", w.weak, count=w.weak),
        ),
        requests_line(digest.requests, t),
        "",
        _("Top content gaps (last %(days)s days):", days=GAP_DAYS),
    ]
    none = ["  " + _("none")]
    lines += [f"  - {g.describe(t)}" for g in digest.gaps] or none
    lines += ["", _("Most used assets (last %(days)s days):", days=DIGEST_DAYS)]
    lines += [
        "  - "
        + _(
            "%(title)s: surfaced %(surfaced)s, sent %(sent)s, %(rating)s",
            title=a.title,
            surfaced=a.surfaced,
            sent=a.sent,
            rating=_rating(a, t),
        )
        for a in digest.most_used
    ] or none
    sections: list[tuple[str, list[str]]] = [
        (
            _(
                "Never surfaced in %(days)s days (%(count)s):",
                days=NEVER_SURFACED_DAYS,
                count=len(digest.never_surfaced),
            ),
            [f"{a.title} ({a.item_id})" for a in digest.never_surfaced],
        ),
        (
            _("Mostly rated 👎 (last %(days)s days):", days=RATING_DAYS),
            [f"{a.title}: {a.not_useful} 👎 / {a.useful} 👍" for a in digest.mostly_not_useful],
        ),
        (
            _("Past their review_by date (%(count)s):", count=len(digest.past_review)),
            [_review(a, t) for a in digest.past_review],
        ),
    ]
    for title, items in sections:
        lines += ["", title]
        lines += [f"  - {item}" for item in items[:list_limit]] or none
        if len(items) > list_limit:
            lines.append("  " + _("… and %(count)s more", count=len(items) - list_limit))
    return "\n".join(lines)


def requests_line(r: RequestSummary | None, t: Translator | None = None) -> str:
    t = t or english()
    _ = t.gettext
    if r is None:
        return _("Requests to marketing: n/a")
    return _(
        "Requests to marketing: %(opened)s opened, %(done)s done, %(open)s open now; median time "
        "to first response %(first)s, to done %(done_in)s.",
        opened=r.opened,
        done=r.done,
        open=r.open_now,
        first=t.duration(r.median_first_response),
        done_in=t.duration(r.median_done),
    )


def _askers(w: Activity, t: Translator) -> str:
    """'from 3 reps', 'from the command line', or '(7 from 3 reps, 2 from the command line)'."""
    people = t.ngettext("%(count)s rep", "%(count)s reps", w.reps, count=w.reps)
    if not w.command_line:
        return t.gettext("from %(people)s", people=people)
    if w.questions == w.command_line:
        return t.gettext("from the command line")
    return t.gettext(
        "(%(asked)s from %(people)s, %(cli)s from the command line)",
        asked=w.questions - w.command_line,
        people=people,
        cli=w.command_line,
    )


def _rating(asset: AssetUsage, t: Translator) -> str:
    rate = asset.useful_rate
    if rate is None:
        return t.gettext("not rated")
    return t.gettext("%(rate)s useful of %(rated)s rated", rate=t.percent(rate), rated=asset.rated)


def _review(asset: AssetRef, t: Translator) -> str:
    if asset.owner:
        return t.gettext(
            "%(title)s: review_by %(date)s, owner %(owner)s",
            title=asset.title,
            date=asset.review_by,
            owner=asset.owner,
        )
    return t.gettext("%(title)s: review_by %(date)s", title=asset.title, date=asset.review_by)
