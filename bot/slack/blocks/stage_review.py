"""The marketer Home's "Stages to confirm": each asset whose stage the model proposed, with one
click to confirm it and a menu to pick another."""

from __future__ import annotations

from bot.asset_stages import StageReview, stage_choices
from bot.i18n import Translator, english
from bot.slack import ids
from bot.slack.blocks.insights import Block, asset_title, context, section
from bot.slack.mrkdwn import escape, truncate
from content_store.stage import Stage


def stage_review_blocks(
    review: StageReview, *, notice: str | None = None, t: Translator | None = None
) -> list[Block]:
    """Nothing when no stage waits for a marketer (and no notice of one just confirmed)."""
    t = t or english()
    _ = t.gettext
    blocks: list[Block] = []
    if review.total:
        blocks.append(
            section(
                _(
                    "*:label: Stages to confirm* (%(count)s): their source gives no stage, so "
                    "funnelbot proposed one from the text. Confirm it, or pick the right one.",
                    count=t.number(review.total),
                )
            )
        )
    if notice:
        blocks.append(context(notice))
    for asset in review.assets:
        proposed = [Stage(s) for s in asset.stages if s in {str(x) for x in Stage}]
        named = ", ".join(t.stage(s) for s in proposed) or _("none")
        blocks.append(
            section(
                _(
                    "%(asset)s  _%(type)s_  ·  proposed: *%(stage)s*",
                    asset=asset_title(asset.url, asset.title),
                    type=escape(asset.type.replace("-", " ")),
                    stage=escape(named),
                )
            )
        )
        elements: list[Block] = []
        if proposed:
            label = _("Confirm %(stage)s", stage=named)
            elements.append(
                {
                    "type": "button",
                    "action_id": ids.STAGE_CONFIRM,
                    "text": {"type": "plain_text", "text": truncate(label, 75)},
                    "value": str(proposed[0]),
                    "style": "primary",
                }
            )
        elements.append(
            {
                "type": "static_select",
                "action_id": ids.STAGE_CORRECT,
                "placeholder": {"type": "plain_text", "text": _("Another stage")},
                "options": [
                    {
                        "text": {"type": "plain_text", "text": t.stage_label(stage)},
                        "value": str(stage),
                    }
                    for stage in stage_choices(asset.stages)
                ],
            }
        )
        block_id = f"{ids.STAGE_REVIEW_BLOCK}{asset.id}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": elements})
    if review.total > len(review.assets):
        more = review.total - len(review.assets)
        blocks.append(
            context(_("…and %(count)s more: they appear here as these are confirmed.", count=more))
        )
    return blocks


def stage_notice(title: str, stages: tuple[str, ...], *, corrected: bool, t: Translator) -> str:
    _ = t.gettext
    named = escape(", ".join(t.stage(s) for s in stages))
    if corrected:
        return _(
            ":white_check_mark: *%(title)s*: stage set to *%(stage)s*.",
            title=escape(title),
            stage=named,
        )
    return _(
        ":white_check_mark: *%(title)s*: stage confirmed as *%(stage)s*.",
        title=escape(title),
        stage=named,
    )
