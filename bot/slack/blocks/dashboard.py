"""The marketer's Home tab and the /content-stats message: used, ignored, lacking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.dashboard import NEVER_SURFACED_DAYS, Dashboard
from bot.i18n import Translator, english
from bot.slack import ids
from bot.slack.blocks.insights import (
    Block,
    context,
    divider,
    gap_blocks,
    header,
    lifecycle_line,
    list_section,
    number,
    percent,
    ref_line,
    review_line,
    section,
    stage_fields,
    thumbs_down_line,
    usage_line,
)

TOP_ASSETS = 10
HOME_BLOCKS = 100
MESSAGE_BLOCKS = 50


def marketer_home_view(
    d: Dashboard, requests: Sequence[Block] = (), t: Translator | None = None
) -> dict[str, Any]:
    """The marketer's Home tab in t's language; `requests` (the open asks from sales) go first."""
    t = t or english()
    _ = t.gettext
    blocks = [
        header(_("funnelbot: what sales uses, ignores and lacks")),
        context(
            _(
                "Last %(days)s days · as of %(when)s UTC · `/content-stats 90` posts a chart and "
                "the full table",
                days=d.days,
                when=d.generated_at.strftime("%Y-%m-%d %H:%M"),
            )
        ),
        *requests,
        *dashboard_blocks(d, t),
    ]
    return {"type": "home", "blocks": _fit(blocks, HOME_BLOCKS, t=t)}


def content_stats_blocks(d: Dashboard, t: Translator | None = None) -> list[Block]:
    t = t or english()
    _ = t.gettext
    blocks = [
        header(_("Content stats, last %(days)s days", days=d.days)),
        *dashboard_blocks(d, t),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.STATS_CSV,
                    "text": {"type": "plain_text", "text": _("Download CSV")},
                    "value": str(d.days),
                }
            ],
        },
    ]
    return _fit(blocks, MESSAGE_BLOCKS, keep_last=True, t=t)


def content_stats_text(d: Dashboard, t: Translator | None = None) -> str:
    t = t or english()
    a = d.activity
    return t.gettext(
        "Content stats, last %(days)s days: %(questions)s questions, %(rated)s answers rated "
        "(%(useful)s useful), %(sent)s assets sent, %(never)s assets not surfaced in "
        "%(never_days)s days, %(gaps)s top gaps.",
        days=d.days,
        questions=t.number(a.questions),
        rated=t.number(a.rated),
        useful=percent(a.useful_rate, t),
        sent=t.number(a.sent),
        never=t.number(len(d.never_surfaced)),
        never_days=NEVER_SURFACED_DAYS,
        gaps=len(d.gaps or ()),
    )


def dashboard_blocks(d: Dashboard, t: Translator | None = None) -> list[Block]:
    t = t or english()
    _ = t.gettext
    a = d.activity
    asked = _(
        "%(questions)s from %(reps)s",
        questions=number(a.questions, t),
        reps=t.ngettext("%(count)s rep", "%(count)s reps", a.reps, count=number(a.reps, t)),
    )
    at_a_glance = {
        "type": "section",
        "fields": [
            _field(_("Questions"), asked),
            _field(_("Answers rated"), number(a.rated, t)),
            _field(_("Useful rate"), percent(a.useful_rate, t)),
            _field(_("Assets sent"), number(a.sent, t)),
            _field(_("Weak matches"), number(a.weak, t)),
        ],
    }
    surfaced = d.surfaced
    more = _(" (`/content-stats` → Download CSV)")
    blocks: list[Block] = [
        at_a_glance,
        divider(),
        list_section(
            _(
                "*:white_check_mark: What sales uses*: top assets of %(count)s surfaced, with 👍 "
                "rate and times sent",
                count=number(len(surfaced), t),
            ),
            [usage_line(n, asset, t) for n, asset in enumerate(surfaced[:TOP_ASSETS], 1)],
            empty=_("No answers in this period."),
            t=t,
        ),
        list_section(
            _(
                "*:zzz: What sales ignores*: %(count)s of %(active)s active assets not surfaced in "
                "%(days)s days",
                count=number(len(d.never_surfaced), t),
                active=number(d.active_assets, t),
                days=NEVER_SURFACED_DAYS,
            ),
            [ref_line(r) for r in d.never_surfaced],
            empty=_("Every asset was offered at least once."),
            more=more,
            t=t,
        ),
    ]
    disliked = d.mostly_not_useful
    if disliked:
        blocks.append(
            list_section(
                _("*:thumbsdown: Mostly rated 👎*"),
                [thumbs_down_line(x, t) for x in disliked],
                empty="",
                t=t,
            )
        )
    blocks += [
        divider(),
        section(
            _(
                "*:mag: What sales needs but lacks*: top content gaps, last %(days)s days (weak "
                "matches and 👎 “topic missing” / “not relevant”)",
                days=d.days,
            )
        ),
    ]
    if d.gaps is None:
        blocks.append(
            context(":hourglass_flowing_sand: " + _("Grouping new questions; this refreshes."))
        )
    elif not d.gaps:
        blocks.append(context(_("No content gaps in this period.")))
    for gap in d.gaps or ():
        blocks += gap_blocks(gap, t)
    blocks += [divider(), stage_fields(d.stages, t)]
    blocks.append(
        context(":card_file_box: " + _("Library: %(line)s", line=lifecycle_line(d.lifecycle, t)))
    )
    if d.past_review:
        blocks.append(
            list_section(
                _(
                    "*:calendar: Past their review_by date* (%(count)s)",
                    count=number(len(d.past_review), t),
                ),
                [review_line(r, t) for r in d.past_review],
                empty="",
                t=t,
            )
        )
    return blocks


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": f"*{label}*\n{value}"}


def _fit(
    blocks: list[Block], limit: int, *, keep_last: bool = False, t: Translator | None = None
) -> list[Block]:
    """Stay within Slack's block limit, keeping the last block (the buttons) if asked."""
    _ = (t or english()).gettext
    if len(blocks) <= limit:
        return blocks
    if keep_last:
        return [*blocks[: limit - 2], context(_("…more in the CSV.")), blocks[-1]]
    return [*blocks[: limit - 1], context(_("…more in the CSV (`/content-stats`)."))]
