"""An answer as a Slack message: stage and why, up to five assets, feedback buttons."""

from __future__ import annotations

import json
from typing import Any

from bot.answer import Answer, AnswerItem
from bot.slack import ids
from bot.slack.mrkdwn import escape, link, truncate

QUESTION_CHARS = 500
TITLE_CHARS = 1000
REASON_CHARS = 300
INTERNAL_LABEL = "internal, don't forward"
WEAK_MATCH_TEXT = "Nothing strong for this; marketing has been told, so they can fill the gap."
WEAK_MATCH_ASK = "Nothing strong for this. *Ask marketing* and a marketer will find or make it."
VAGUE_TEXT = (
    "Tell me a little more: what does the prospect need, or what happened last? Reply in this "
    "thread, or pick their stage:"
)


def answer_text(answer: Answer) -> str:
    """The notification/fallback text of an answer message."""
    # Slack reads this as mrkdwn too: an unescaped `<!channel>` here would ping the channel.
    return escape(truncate(f"Content for: {answer.question}", 150))


def answer_blocks(
    answer: Answer,
    *,
    shareable: bool = False,
    shared_by: str | None = None,
    ask_marketing: bool = False,
    native_feedback: bool = False,
    prospect_from: str | None = None,
) -> list[dict[str, Any]]:
    """The answer's blocks. `ask_marketing` adds the "Ask marketing" button (first when the match
    is weak); `native_feedback` puts Slack's own 👍/👎 (agent view) in place of ours;
    `prospect_from` names the viewed channel the prospect was taken from."""
    blocks: list[dict[str, Any]] = []
    asked = escape(truncate(answer.question, QUESTION_CHARS))
    prospect = f"  ·  prospect *{escape(answer.prospect)}*" if answer.prospect else ""
    blocks.append(_section(f"*You asked:* {asked}{prospect}"))
    if prospect_from and answer.prospect:
        blocks.append(
            _context(
                f":eyes: Prospect *{escape(answer.prospect)}* from {escape(prospect_from)}, the "
                "channel you're viewing. Name another prospect to change it."
            )
        )
    if answer.vague:
        blocks.append(_section(f":thinking_face: {VAGUE_TEXT}"))
        blocks.append(clarify_block(answer.recommendation_id))
        return blocks
    blocks.append(_context(f"Stage: {escape(answer.stage.explain())}"))
    if answer.weak:
        blocks.append(_section(f":warning: {WEAK_MATCH_ASK if ask_marketing else WEAK_MATCH_TEXT}"))
    if not answer.items:
        blocks.append(_section("No content in the library matched. Try naming a topic or stage."))
    for item in answer.items:
        blocks.append(_item_section(answer.recommendation_id, item))
    rec = str(answer.recommendation_id)
    buttons = []
    if not native_feedback:
        buttons += [
            _button(":+1: Useful", ids.USEFUL, rec),
            _button(":-1: Not useful", ids.NOT_USEFUL, rec),
        ]
    if ask_marketing:
        ask = _button(":raising_hand: Ask marketing", ids.ASK_MARKETING, rec, primary=answer.weak)
        buttons.insert(0 if answer.weak else len(buttons), ask)
    if shareable and answer.items:
        label = "Share in channel"
        if any(item.internal for item in answer.items):
            label += " (has internal items)"
        buttons.append(_button(label, ids.SHARE, str(answer.recommendation_id), primary=True))
    if buttons:
        blocks.append({"type": "actions", "block_id": "feedback", "elements": buttons})
    if native_feedback:
        blocks.append(native_feedback_block(answer.recommendation_id))
    footer = f"#{answer.recommendation_id}"
    if shared_by:
        footer = f"Shared by <@{escape(shared_by)}>  ·  {footer}"
    blocks.append(_context(footer))
    return blocks


def clarify_block(recommendation_id: int) -> dict[str, Any]:
    """One button per stage: the rep's pick answers the question again at that stage."""
    return {
        "type": "actions",
        "block_id": "clarify",
        "elements": [
            _button(
                stage.capitalize(),
                f"{ids.CLARIFY_STAGE}.{stage}",
                json.dumps({"r": recommendation_id, "s": stage}),
            )
            for stage in ("awareness", "consideration", "decision")
        ],
    }


def native_feedback_block(recommendation_id: int) -> dict[str, Any]:
    """Slack's feedback_buttons in a context_actions block; values carry the answer's id."""
    return {
        "type": "context_actions",
        "block_id": "native-feedback",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ids.NATIVE_FEEDBACK,
                "positive_button": {
                    "text": {"type": "plain_text", "text": "Useful"},
                    "accessibility_label": "Mark this answer useful",
                    "value": f"useful:{recommendation_id}",
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": "Not useful"},
                    "accessibility_label": "Mark this answer not useful",
                    "value": f"not_useful:{recommendation_id}",
                },
            }
        ],
    }


def _item_section(recommendation_id: int, item: AnswerItem) -> dict[str, Any]:
    stages = "/".join(str(s) for s in item.stages) or "no stage"
    text = (
        f"{item.rank}. {link(item.url, truncate(item.title, TITLE_CHARS))}\n"
        f"_{escape(item.type.replace('-', ' '))} · {stages}_ — "
        f"{escape(truncate(item.reason, REASON_CHARS))}"
    )
    if item.internal:
        text += f"\n:lock: *{INTERNAL_LABEL}*"
    section = _section(text)
    section["block_id"] = f"asset-{item.rank}"
    value = json.dumps({"r": recommendation_id, "a": item.asset_id})
    sent = "Sent it (internal!)" if item.internal else "Sent it"
    section["accessory"] = _button(sent, ids.SENT, value)
    return section


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def _button(label: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(label, 75), "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if primary:
        button["style"] = "primary"
    return button
