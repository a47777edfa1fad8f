"""Block Kit pieces shared by the marketer Home, /content-stats and the weekly digest, in the
language of a ``Translator`` (English by default)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.gaps import GapGroup
from bot.i18n import Translator, english
from bot.slack.mrkdwn import escape, link, truncate
from content_store.lifecycle import LifecycleCounts
from content_store.requests import RequestSummary
from content_store.stats import AssetRef, AssetUsage, StageCoverage

SECTION_CHARS = 2900  # under Slack's 3000 per section, with room for the "and N more" line
TITLE_CHARS = 120

Block = dict[str, Any]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, 150)}}


def divider() -> Block:
    return {"type": "divider"}


def list_section(
    title: str,
    lines: Sequence[str],
    *,
    empty: str,
    more: str = "",
    t: Translator | None = None,
) -> Block:
    """A titled list in one section, cut to fit Slack's limit with a count of what was left out."""
    t = t or english()
    if not lines:
        return section(f"{title}\n_{empty}_")

    def and_more(n: int) -> str:
        return t.gettext("…and %(count)s more", count=n) + more

    text = title
    for shown, line in enumerate(lines):
        left = len(lines) - shown
        tail = f"\n{and_more(left - 1)}" if left > 1 else ""
        if len(text) + 1 + len(line) + len(tail) > SECTION_CHARS:
            return section(f"{text}\n{and_more(left)}")
        text += "\n" + line
    return section(text)


def number(n: int, t: Translator | None = None) -> str:
    return (t or english()).number(n)


def percent(rate: float | None, t: Translator | None = None) -> str:
    t = t or english()
    return t.gettext("not rated") if rate is None else t.percent(rate)


def asset_title(url: str | None, title: str) -> str:
    return link(url, truncate(title, TITLE_CHARS))


def usage_line(rank: int, a: AssetUsage, t: Translator | None = None) -> str:
    t = t or english()
    _ = t.gettext
    if a.useful_rate is None:
        rating = _("not rated")
    else:
        rating = "👍 " + _(
            "%(rate)s of %(rated)s", rate=t.percent(a.useful_rate), rated=t.number(a.rated)
        )
    surfaced = _("surfaced *%(count)s*", count=t.number(a.surfaced))
    sent = _("sent %(count)s", count=t.number(a.sent))
    return f"{rank}. {asset_title(a.url, a.title)} · {surfaced} · {rating} · {sent}"


def thumbs_down_line(a: AssetUsage, t: Translator | None = None) -> str:
    t = t or english()
    surfaced = t.gettext("surfaced %(count)s", count=t.number(a.surfaced))
    return (
        f"• {asset_title(a.url, a.title)} · 👎 {t.number(a.not_useful)} / 👍 {t.number(a.useful)}"
        f" · {surfaced}"
    )


def ref_line(a: AssetRef) -> str:
    return f"• {asset_title(a.url, a.title)} _{escape(a.type)}_"


def review_line(a: AssetRef, t: Translator | None = None) -> str:
    _ = (t or english()).gettext
    review = _("review by %(date)s", date=a.review_by)
    owner = " · " + _("owner %(owner)s", owner=escape(a.owner)) if a.owner else ""
    return f"• {asset_title(a.url, a.title)} · {review}{owner}"


def who_asked(from_reps: int, reps: int, command_line: int, t: Translator | None = None) -> str:
    """'from 3 reps', 'from the command line', or '(7 from 3 reps, 2 from the command line)'."""
    t = t or english()
    people = t.ngettext("%(count)s rep", "%(count)s reps", reps, count=t.number(reps))
    if not command_line:
        return t.gettext("from %(people)s", people=people)
    if not from_reps:
        return t.gettext("from the command line")
    return t.gettext(
        "(%(asked)s from %(people)s, %(cli)s from the command line)",
        asked=t.number(from_reps),
        people=people,
        cli=t.number(command_line),
    )


def gap_askers(gap: GapGroup, t: Translator | None = None) -> str:
    """'3 reps', 'the command line', or '3 reps and the command line'."""
    return gap.askers(t)


def gap_blocks(gap: GapGroup, t: Translator | None = None) -> list[Block]:
    """A gap as a section (what was asked, by how many) and a context line (other wordings)."""
    t = t or english()
    _ = t.gettext
    stage = t.stage(gap.stage) if gap.stage else _("stage unknown")
    tags = [stage, *gap.industries, *gap.competitors]
    asks = t.ngettext(
        "%(count)s question", "%(count)s questions", gap.questions, count=t.number(gap.questions)
    )
    main = section(
        f"*{gap_askers(gap, t)} · {asks}* · {escape(' · '.join(tags))}\n"
        f"“{escape(truncate(gap.label, 400))}”"
    )
    why = []
    if gap.weak:
        why.append(
            t.ngettext(
                "%(count)s weak match", "%(count)s weak matches", gap.weak, count=t.number(gap.weak)
            )
        )
    if gap.said_missing:
        why.append(_("%(count)s 👎 topic missing / not relevant", count=t.number(gap.said_missing)))
    also = ", ".join(f"“{escape(truncate(w, 120))}”" for w in gap.wordings[:3])
    last = _("last asked %(date)s", date=gap.last_asked.strftime("%Y-%m-%d"))
    detail = " · ".join([*why, last] + ([_("also: %(wordings)s", wordings=also)] if also else []))
    return [main, context(detail)]


def stage_fields(stages: Sequence[StageCoverage], t: Translator | None = None) -> Block:
    t = t or english()
    _ = t.gettext
    fields = [
        {
            "type": "mrkdwn",
            "text": f"*{t.stage_label(s.stage)}*\n"
            + _(
                "%(assets)s assets · %(questions)s questions · %(weak)s weak",
                assets=t.number(s.assets),
                questions=t.number(s.questions),
                weak=t.number(s.weak),
            ),
        }
        for s in stages
    ]
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _("*Stage coverage*: assets for it vs questions at it")},
        "fields": fields,
    }


def lifecycle_line(counts: LifecycleCounts, t: Translator | None = None) -> str:
    t = t or english()
    return t.gettext(
        "%(drafts)s drafts, %(archived)s archived, %(expired)s expired, %(superseded)s superseded "
        "(none of them recommended); %(internal)s internal, %(overdue)s past review_by",
        drafts=t.number(counts.drafts),
        archived=t.number(counts.archived),
        expired=t.number(counts.expired),
        superseded=t.number(counts.superseded),
        internal=t.number(counts.internal),
        overdue=t.number(counts.review_overdue),
    )


def duration(value: timedelta | None, t: Translator | None = None) -> str:
    """ "25 min", "3.5 h", "2.5 days" (in Dutch "3,5 u", "2,5 dagen")."""
    return (t or english()).duration(value)


def requests_line(r: RequestSummary | None, t: Translator | None = None) -> str:
    t = t or english()
    _ = t.gettext
    if r is None:
        return _("Requests to marketing: n/a")
    return _(
        "Requests to marketing: %(opened)s opened, %(done)s done, %(open)s open now; median time "
        "to first response %(first)s, to done %(done_in)s.",
        opened=t.number(r.opened),
        done=t.number(r.done),
        open=t.number(r.open_now),
        first=duration(r.median_first_response, t),
        done_in=duration(r.median_done, t),
    )
