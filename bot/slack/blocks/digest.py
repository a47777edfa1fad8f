"""The weekly digest message in the marketing channel."""

from __future__ import annotations

from bot.dashboard import NEVER_SURFACED_DAYS
from bot.digest import DIGEST_DAYS, GAP_DAYS, RATING_DAYS, Digest
from bot.i18n import Translator, english
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
    requests_line,
    review_line,
    section,
    thumbs_down_line,
    usage_line,
    who_asked,
)
from bot.slack.mrkdwn import escape


def digest_blocks(digest: Digest, t: Translator | None = None) -> list[Block]:
    """The digest in t's language (FUNNELBOT_LANGUAGE's, where the channel is posted to)."""
    t = t or english()
    _ = t.gettext
    w = digest.week
    askers = who_asked(w.questions - w.command_line, w.reps, w.command_line, t)
    blocks: list[Block] = [
        header(_("Weekly content digest, %(date)s", date=digest.generated_at.strftime("%Y-%m-%d"))),
        context(
            _(
                "Last %(days)s days: *%(questions)s* questions %(askers)s · %(rated)s answers "
                "rated (%(useful)s useful) · %(sent)s assets sent · %(weak)s weak matches",
                days=DIGEST_DAYS,
                questions=number(w.questions, t),
                askers=askers,
                rated=number(w.rated, t),
                useful=percent(w.useful_rate, t),
                sent=number(w.sent, t),
                weak=number(w.weak, t),
            )
        ),
        context(escape(requests_line(digest.requests, t))),
        divider(),
        section(
            _(
                "*:mag: Top content gaps*, last %(days)s days: asked for, and we have nothing",
                days=GAP_DAYS,
            )
        ),
    ]
    if not digest.gaps:
        blocks.append(context(_("No content gaps this month.")))
    for gap in digest.gaps:
        blocks += gap_blocks(gap, t)
    more = _(" (`/content-stats` → Download CSV)")
    blocks += [
        divider(),
        list_section(
            _("*:white_check_mark: Most used assets*, last %(days)s days", days=DIGEST_DAYS),
            [usage_line(n, a, t) for n, a in enumerate(digest.most_used, 1)],
            empty=_("No answers this week."),
            t=t,
        ),
        list_section(
            _(
                "*:zzz: Never surfaced in %(days)s days* (%(count)s)",
                days=NEVER_SURFACED_DAYS,
                count=number(len(digest.never_surfaced), t),
            ),
            [ref_line(r) for r in digest.never_surfaced],
            empty=_("Every asset was offered at least once."),
            more=more,
            t=t,
        ),
        list_section(
            _("*:thumbsdown: Mostly rated 👎*, last %(days)s days", days=RATING_DAYS),
            [thumbs_down_line(a, t) for a in digest.mostly_not_useful],
            empty=_("None."),
            t=t,
        ),
        list_section(
            _(
                "*:calendar: Past their review_by date* (%(count)s)",
                count=number(len(digest.past_review), t),
            ),
            [review_line(r, t) for r in digest.past_review],
            empty=_("None."),
            t=t,
        ),
    ]
    return blocks
