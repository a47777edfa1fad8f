"""Block Kit pieces shared by the marketer Home, /content-stats and the weekly digest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.gaps import GapGroup
from bot.slack.mrkdwn import escape, link, truncate
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


def list_section(title: str, lines: Sequence[str], *, empty: str, more: str = "") -> Block:
    """A titled list in one section, cut to fit Slack's limit with a count of what was left out."""
    if not lines:
        return section(f"{title}\n_{empty}_")
    text = title
    for shown, line in enumerate(lines):
        left = len(lines) - shown
        tail = f"\n…and {left - 1} more{more}" if left > 1 else ""
        if len(text) + 1 + len(line) + len(tail) > SECTION_CHARS:
            return section(f"{text}\n…and {left} more{more}")
        text += "\n" + line
    return section(text)


def number(n: int) -> str:
    return f"{n:,}"


def percent(rate: float | None) -> str:
    return "not rated" if rate is None else f"{rate:.0%}"


def asset_title(url: str | None, title: str) -> str:
    return link(url, truncate(title, TITLE_CHARS))


def usage_line(rank: int, a: AssetUsage) -> str:
    rating = (
        "not rated" if a.useful_rate is None else f"👍 {a.useful_rate:.0%} of {number(a.rated)}"
    )
    return (
        f"{rank}. {asset_title(a.url, a.title)} · surfaced *{number(a.surfaced)}* · {rating}"
        f" · sent {number(a.sent)}"
    )


def thumbs_down_line(a: AssetUsage) -> str:
    return (
        f"• {asset_title(a.url, a.title)} · 👎 {number(a.not_useful)} / 👍 {number(a.useful)}"
        f" · surfaced {number(a.surfaced)}"
    )


def ref_line(a: AssetRef) -> str:
    return f"• {asset_title(a.url, a.title)} _{escape(a.type)}_"


def review_line(a: AssetRef) -> str:
    owner = f" · owner {escape(a.owner)}" if a.owner else ""
    return f"• {asset_title(a.url, a.title)} · review by {a.review_by}{owner}"


def gap_blocks(gap: GapGroup) -> list[Block]:
    """A gap as a section (what was asked, by how many) and a context line (other wordings)."""
    tags = [gap.stage or "stage unknown", *gap.industries, *gap.competitors]
    who = gap.askers()
    asks = f"{number(gap.questions)} question{'s' if gap.questions != 1 else ''}"
    main = section(
        f"*{who} · {asks}* · {escape(' · '.join(tags))}\n“{escape(truncate(gap.label, 400))}”"
    )
    why = []
    if gap.weak:
        why.append(f"{number(gap.weak)} weak match{'es' if gap.weak != 1 else ''}")
    if gap.said_missing:
        why.append(f"{number(gap.said_missing)} 👎 topic missing / not relevant")
    also = ", ".join(f"“{escape(truncate(w, 120))}”" for w in gap.wordings[:3])
    detail = " · ".join(
        [*why, f"last asked {gap.last_asked:%Y-%m-%d}"] + ([f"also: {also}"] if also else [])
    )
    return [main, context(detail)]


def stage_fields(stages: Sequence[StageCoverage]) -> Block:
    fields = [
        {
            "type": "mrkdwn",
            "text": (
                f"*{s.stage.capitalize()}*\n{number(s.assets)} assets · "
                f"{number(s.questions)} questions · {number(s.weak)} weak"
            ),
        }
        for s in stages
    ]
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Stage coverage*: assets for it vs questions at it"},
        "fields": fields,
    }
