"""The marketer's Home tab and the /content-stats message: used, ignored, lacking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.dashboard import NEVER_SURFACED_DAYS, Dashboard
from bot.slack import ids
from bot.slack.blocks.insights import (
    Block,
    context,
    divider,
    gap_blocks,
    header,
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


def marketer_home_view(d: Dashboard, requests: Sequence[Block] = ()) -> dict[str, Any]:
    """The marketer's Home tab; `requests` (the open asks from sales) go first."""
    blocks = [
        header("funnelbot: what sales uses, ignores and lacks"),
        context(
            f"Last {d.days} days · as of {d.generated_at:%Y-%m-%d %H:%M} UTC · "
            "`/content-stats 90` posts a chart and the full table"
        ),
        *requests,
        *dashboard_blocks(d),
    ]
    return {"type": "home", "blocks": _fit(blocks, HOME_BLOCKS)}


def content_stats_blocks(d: Dashboard) -> list[Block]:
    blocks = [
        header(f"Content stats, last {d.days} days"),
        *dashboard_blocks(d),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.STATS_CSV,
                    "text": {"type": "plain_text", "text": "Download CSV"},
                    "value": str(d.days),
                }
            ],
        },
    ]
    return _fit(blocks, MESSAGE_BLOCKS, keep_last=True)


def content_stats_text(d: Dashboard) -> str:
    a = d.activity
    return (
        f"Content stats, last {d.days} days: {a.questions:,} questions, {a.rated:,} answers "
        f"rated ({percent(a.useful_rate)} useful), {a.sent:,} assets sent, "
        f"{len(d.never_surfaced):,} assets not surfaced in {NEVER_SURFACED_DAYS} days, "
        f"{len(d.gaps or ())} top gaps."
    )


def dashboard_blocks(d: Dashboard) -> list[Block]:
    a = d.activity
    at_a_glance = {
        "type": "section",
        "fields": [
            _field("Questions", f"{number(a.questions)} from {number(a.reps)} reps"),
            _field("Answers rated", number(a.rated)),
            _field("Useful rate", percent(a.useful_rate)),
            _field("Assets sent", number(a.sent)),
            _field("Weak matches", number(a.weak)),
        ],
    }
    surfaced = d.surfaced
    blocks: list[Block] = [
        at_a_glance,
        divider(),
        list_section(
            f"*:white_check_mark: What sales uses*: top assets of {number(len(surfaced))} "
            "surfaced, with 👍 rate and times sent",
            [usage_line(n, asset) for n, asset in enumerate(surfaced[:TOP_ASSETS], 1)],
            empty="No answers in this period.",
        ),
        list_section(
            f"*:zzz: What sales ignores*: {number(len(d.never_surfaced))} of "
            f"{number(d.active_assets)} active assets not surfaced in {NEVER_SURFACED_DAYS} days",
            [ref_line(r) for r in d.never_surfaced],
            empty="Every asset was offered at least once.",
            more=" (`/content-stats` → Download CSV)",
        ),
    ]
    disliked = d.mostly_not_useful
    if disliked:
        blocks.append(
            list_section(
                "*:thumbsdown: Mostly rated 👎*",
                [thumbs_down_line(x) for x in disliked],
                empty="",
            )
        )
    blocks += [
        divider(),
        section(
            f"*:mag: What sales needs but lacks*: top content gaps, last {d.days} days "
            "(weak matches and 👎 “topic missing” / “not relevant”)"
        ),
    ]
    if d.gaps is None:
        blocks.append(context(":hourglass_flowing_sand: Grouping new questions; this refreshes."))
    elif not d.gaps:
        blocks.append(context("No content gaps in this period."))
    for gap in d.gaps or ():
        blocks += gap_blocks(gap)
    blocks += [divider(), stage_fields(d.stages)]
    blocks.append(context(f":card_file_box: Library: {d.lifecycle.line()}"))
    if d.past_review:
        blocks.append(
            list_section(
                f"*:calendar: Past their review_by date* ({number(len(d.past_review))})",
                [review_line(r) for r in d.past_review],
                empty="",
            )
        )
    return blocks


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": f"*{label}*\n{value}"}


def _fit(blocks: list[Block], limit: int, *, keep_last: bool = False) -> list[Block]:
    """Stay within Slack's block limit, keeping the last block (the buttons) if asked."""
    if len(blocks) <= limit:
        return blocks
    if keep_last:
        return [*blocks[: limit - 2], context("…more in the CSV."), blocks[-1]]
    return [*blocks[: limit - 1], context("…more in the CSV (`/content-stats`).")]
