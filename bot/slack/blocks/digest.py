"""The weekly digest message in the marketing channel."""

from __future__ import annotations

from bot.dashboard import NEVER_SURFACED_DAYS
from bot.digest import DIGEST_DAYS, GAP_DAYS, RATING_DAYS, Digest, requests_line
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
    thumbs_down_line,
    usage_line,
)
from bot.slack.mrkdwn import escape


def digest_blocks(digest: Digest) -> list[Block]:
    w = digest.week
    blocks: list[Block] = [
        header(f"Weekly content digest, {digest.generated_at:%Y-%m-%d}"),
        context(
            f"Last {DIGEST_DAYS} days: *{number(w.questions)}* questions {w.askers()} "
            f"· {number(w.rated)} answers rated ({percent(w.useful_rate)} useful) · "
            f"{number(w.sent)} assets sent · {number(w.weak)} weak matches"
        ),
        context(escape(requests_line(digest.requests))),
        divider(),
        section(f"*:mag: Top content gaps*, last {GAP_DAYS} days: asked for, and we have nothing"),
    ]
    if not digest.gaps:
        blocks.append(context("No content gaps this month."))
    for gap in digest.gaps:
        blocks += gap_blocks(gap)
    blocks += [
        divider(),
        list_section(
            f"*:white_check_mark: Most used assets*, last {DIGEST_DAYS} days",
            [usage_line(n, a) for n, a in enumerate(digest.most_used, 1)],
            empty="No answers this week.",
        ),
        list_section(
            f"*:zzz: Never surfaced in {NEVER_SURFACED_DAYS} days* "
            f"({number(len(digest.never_surfaced))})",
            [ref_line(r) for r in digest.never_surfaced],
            empty="Every asset was offered at least once.",
            more=" (`/content-stats` → Download CSV)",
        ),
        list_section(
            f"*:thumbsdown: Mostly rated 👎*, last {RATING_DAYS} days",
            [thumbs_down_line(a) for a in digest.mostly_not_useful],
            empty="None.",
        ),
        list_section(
            f"*:calendar: Past their review_by date* ({number(len(digest.past_review))})",
            [review_line(r) for r in digest.past_review],
            empty="None.",
        ),
    ]
    return blocks
