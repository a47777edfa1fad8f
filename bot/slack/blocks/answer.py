"""An answer as a Slack message: stage and why, up to five assets, feedback buttons."""

from __future__ import annotations

import json
from typing import Any

from bot.answer import Answer, AnswerItem
from bot.i18n import N_, Translator, english
from bot.slack import ids
from bot.slack.mrkdwn import escape, link, truncate

QUESTION_CHARS = 500
TITLE_CHARS = 1000
REASON_CHARS = 300
INTERNAL_LABEL = N_("internal, don't forward")
WEAK_MATCH_TEXT = N_("Nothing strong for this; marketing has been told, so they can fill the gap.")
WEAK_MATCH_ASK = N_("Nothing strong for this. *Ask marketing* and a marketer will find or make it.")
VAGUE_TEXT = N_(
    "Tell me a little more: what does the prospect need, or what happened last? Reply in this "
    "thread, or pick their stage:"
)
CLARIFY_STAGES = ("awareness", "consideration", "decision")


def answer_text(answer: Answer, t: Translator | None = None) -> str:
    """The notification/fallback text of an answer message."""
    t = t or english()
    # Slack reads this as mrkdwn too: an unescaped `<!channel>` here would ping the channel.
    return escape(truncate(t.gettext("Content for: %(question)s", question=answer.question), 150))


def answer_blocks(
    answer: Answer,
    *,
    shareable: bool = False,
    shared_by: str | None = None,
    ask_marketing: bool = False,
    native_feedback: bool = False,
    prospect_from: str | None = None,
    t: Translator | None = None,
) -> list[dict[str, Any]]:
    """The answer's blocks, in t's language (English by default). `ask_marketing` adds the "Ask
    marketing" button (first when the match is weak); `native_feedback` puts Slack's own 👍/👎
    (agent view) in place of ours; `prospect_from` names the viewed channel the prospect was
    taken from."""
    t = t or english()
    _ = t.gettext
    blocks: list[dict[str, Any]] = []
    asked = escape(truncate(answer.question, QUESTION_CHARS))
    if answer.prospect:
        line = _(
            "*You asked:* %(question)s  ·  prospect *%(prospect)s*",
            question=asked,
            prospect=escape(answer.prospect),
        )
    else:
        line = _("*You asked:* %(question)s", question=asked)
    blocks.append(_section(line))
    if prospect_from and answer.prospect:
        blocks.append(
            _context(
                _(
                    ":eyes: Prospect *%(prospect)s* from %(channel)s, the channel you're viewing. "
                    "Name another prospect to change it.",
                    prospect=escape(answer.prospect),
                    channel=escape(prospect_from),
                )
            )
        )
    if answer.vague:
        blocks.append(_section(f":thinking_face: {_(VAGUE_TEXT)}"))
        blocks.append(clarify_block(answer.recommendation_id, t))
        return blocks
    blocks.append(_context(_("Stage: %(line)s", line=escape(answer.stage.explain(t)))))
    if answer.weak:
        blocks.append(
            _section(f":warning: {_(WEAK_MATCH_ASK if ask_marketing else WEAK_MATCH_TEXT)}")
        )
    if not answer.items:
        blocks.append(
            _section(_("No content in the library matched. Try naming a topic or stage."))
        )
    for item in answer.items:
        blocks.append(_item_section(answer.recommendation_id, item, t))
    rec = str(answer.recommendation_id)
    buttons = []
    if not native_feedback:
        buttons += [
            _button(_(":+1: Useful"), ids.USEFUL, rec),
            _button(_(":-1: Not useful"), ids.NOT_USEFUL, rec),
        ]
    if ask_marketing:
        ask = _button(
            _(":raising_hand: Ask marketing"), ids.ASK_MARKETING, rec, primary=answer.weak
        )
        buttons.insert(0 if answer.weak else len(buttons), ask)
    if shareable and answer.items:
        label = (
            _("Share in channel (has internal items)")
            if any(item.internal for item in answer.items)
            else _("Share in channel")
        )
        buttons.append(_button(label, ids.SHARE, str(answer.recommendation_id), primary=True))
    if buttons:
        blocks.append({"type": "actions", "block_id": "feedback", "elements": buttons})
    if native_feedback:
        blocks.append(native_feedback_block(answer.recommendation_id, t))
    footer = f"#{answer.recommendation_id}"
    if shared_by:
        sharer = f"<@{escape(shared_by)}>"
        footer = _("Shared by %(user)s  ·  %(number)s", user=sharer, number=footer)
    blocks.append(_context(footer))
    return blocks


def clarify_block(recommendation_id: int, t: Translator | None = None) -> dict[str, Any]:
    """One button per stage: the rep's pick answers the question again at that stage."""
    t = t or english()
    return {
        "type": "actions",
        "block_id": "clarify",
        "elements": [
            _button(
                t.stage_label(stage),
                f"{ids.CLARIFY_STAGE}.{stage}",
                json.dumps({"r": recommendation_id, "s": stage}),
            )
            for stage in CLARIFY_STAGES
        ],
    }


def native_feedback_block(recommendation_id: int, t: Translator | None = None) -> dict[str, Any]:
    """Slack's feedback_buttons in a context_actions block; values carry the answer's id."""
    _ = (t or english()).gettext
    return {
        "type": "context_actions",
        "block_id": "native-feedback",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ids.NATIVE_FEEDBACK,
                "positive_button": {
                    "text": {"type": "plain_text", "text": _("Useful")},
                    "accessibility_label": _("Mark this answer useful"),
                    "value": f"useful:{recommendation_id}",
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": _("Not useful")},
                    "accessibility_label": _("Mark this answer not useful"),
                    "value": f"not_useful:{recommendation_id}",
                },
            }
        ],
    }


def _item_section(recommendation_id: int, item: AnswerItem, t: Translator) -> dict[str, Any]:
    _ = t.gettext
    stages = t.stages(item.stages) or _("no stage")
    text = (
        f"{item.rank}. {link(item.url, truncate(item.title, TITLE_CHARS))}\n"
        f"_{escape(item.type.replace('-', ' '))} · {escape(stages)}_ — "
        f"{escape(truncate(item.explain(t), REASON_CHARS))}"
    )
    if item.internal:
        text += f"\n:lock: *{_(INTERNAL_LABEL)}*"
    section = _section(text)
    section["block_id"] = f"asset-{item.rank}"
    value = json.dumps({"r": recommendation_id, "a": item.asset_id})
    sent = _("Sent it (internal!)") if item.internal else _("Sent it")
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
