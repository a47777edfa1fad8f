"""The marketer Home's "Stages to confirm": each asset whose stage the model proposed, with one
click to confirm it and a menu to pick another."""

from __future__ import annotations

from bot.asset_stages import StageReview, stage_choices
from bot.i18n import Translator
from bot.slack import ids
from bot.slack.blocks.insights import Block, asset_title, context, section
from bot.slack.mrkdwn import escape


def stage_review_blocks(
    review: StageReview, *, notice: str | None = None, t: Translator | None = None
) -> list[Block]:
    """Nothing when no stage waits for a marketer (and no notice of one just confirmed)."""
    blocks: list[Block] = []
    if review.total:
        blocks.append(
            section(
                f"*:label: Stages to confirm* ({review.total:,}): their source gives no stage, "
                "so funnelbot proposed one from the text. Confirm it, or pick the right one."
            )
        )
    if notice:
        blocks.append(context(notice))
    for asset in review.assets:
        proposed = ", ".join(asset.stages) or "none"
        blocks.append(
            section(
                f"{asset_title(asset.url, asset.title)}  _{escape(asset.type.replace('-', ' '))}_"
                f"  ·  proposed: *{escape(proposed)}*"
            )
        )
        elements: list[Block] = []
        if asset.stages:
            elements.append(
                {
                    "type": "button",
                    "action_id": ids.STAGE_CONFIRM,
                    "text": {"type": "plain_text", "text": f"Confirm {proposed}"[:75]},
                    "value": asset.stages[0],
                    "style": "primary",
                }
            )
        elements.append(
            {
                "type": "static_select",
                "action_id": ids.STAGE_CORRECT,
                "placeholder": {"type": "plain_text", "text": "Another stage"},
                "options": [
                    {"text": {"type": "plain_text", "text": stage.capitalize()}, "value": stage}
                    for stage in stage_choices(asset.stages)
                ],
            }
        )
        block_id = f"{ids.STAGE_REVIEW_BLOCK}{asset.id}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": elements})
    if review.total > len(review.assets):
        more = review.total - len(review.assets)
        blocks.append(context(f"…and {more:,} more: they appear here as these are confirmed."))
    return blocks


def stage_notice(title: str, stage: str, *, corrected: bool) -> str:
    verb = "set to" if corrected else "confirmed as"
    return f":white_check_mark: *{escape(title)}*: stage {verb} *{escape(stage)}*."
