"""The marketing channel's messages: an answer's post, the replies in its thread, the DM to a rep.

Each takes the facts the outbox stored (see bot/marketing.py) and returns (text, blocks).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.slack.blocks.feedback import REASONS
from bot.slack.mrkdwn import escape, link, truncate

SECTION_CHARS = 3000
MAX_BLOCKS = 50
TITLE_CHARS = 500
NOTIFICATION_CHARS = 150

SOURCES = {"slash": "/content", "mention": "a mention", "dm": "a DM"}
STAGE_SOURCES = {
    "stated": "stated by the rep",
    "prospect": "stored for the prospect",
    "inferred": "inferred from the wording",
}
FEEDBACK_LINES = {
    "useful": ":+1: {user} found this answer useful.",
    "not_useful": ":-1: {user} found this answer not useful.",
    "sent": ":outbox_tray: {user} sent {asset} to the prospect.",
    "shared": ":loudspeaker: {user} shared this answer in a channel.",
}

Message = tuple[str, list[dict[str, Any]]]


def render_outbox_message(payload: dict[str, Any]) -> Message:
    """The text and blocks for a queued message; ValueError for a payload we cannot render."""
    renderer = _RENDERERS.get(str(payload.get("note")))
    if renderer is None:
        raise ValueError(f"no renderer for outbox note {payload.get('note')!r}")
    try:
        return renderer(payload)
    except (KeyError, TypeError) as error:
        raise ValueError(f"malformed {payload.get('note')} payload: {error!r}") from None


def answer_post(facts: dict[str, Any]) -> Message:
    """Who asked what, about which prospect at which stage, and what the bot surfaced."""
    asker = _mention(facts["asker"])
    via = SOURCES.get(str(facts.get("source")), str(facts.get("source")))
    head = [_section(f":speech_balloon: {asker} asked, via {escape(via)}:")]
    tail: list[dict[str, Any]] = [_context(_prospect_and_stage(facts))]
    if facts.get("weak"):
        tail.append(
            _section(
                f":warning: *Weak match* (best similarity {float(facts.get('top_score') or 0):.2f})"
                ": probably a gap in the library."
            )
        )
    items = facts.get("items") or []
    if not items:
        tail.append(_section("_No assets surfaced._"))
    for item in items:
        kind = f"  _{escape(str(item['type']).replace('-', ' '))}_" if item.get("type") else ""
        tail.append(_section(f"{item['rank']}. {_asset_link(item)}{kind}"))
    tail.append(
        _context(
            f"Answer #{facts['recommendation_id']}  ·  reply in this thread with an asset's link "
            f"or id to suggest it to {asker}"
        )
    )
    question = str(facts["question"])
    room = MAX_BLOCKS - len(head) - len(tail)
    blocks = head + [_section(chunk) for chunk in _fit(split_escaped(question), room)] + tail
    text = f"{asker} asked: {escape(truncate(question, NOTIFICATION_CHARS))}"
    return text, blocks


def feedback_reply(facts: dict[str, Any]) -> Message:
    template = FEEDBACK_LINES.get(str(facts["kind"]), ":grey_question: {user} reacted: {kind}.")
    asset = _asset_link(facts["asset"]) if facts.get("asset") else "an asset"
    line = template.format(
        user=_mention(facts.get("user")), asset=asset, kind=escape(str(facts["kind"]))
    )
    return _plain(line)


def reason_reply(facts: dict[str, Any]) -> Message:
    reason = REASONS.get(str(facts.get("reason")), str(facts.get("reason")))
    line = f":memo: {_mention(facts.get('user'))}'s reason for the :-1:: *{escape(reason)}*"
    comment = facts.get("comment")
    if comment:
        quoted = "\n".join(f">{part}" for part in escape(str(comment)).splitlines())
        line = f"{line}\n{quoted}"
    return _plain(line)


def suggestion_message(facts: dict[str, Any]) -> Message:
    """The DM to the rep: marketing suggests an asset for their question."""
    asset = facts["asset"]
    question = escape(truncate(str(facts.get("question") or ""), 300))
    blocks = [
        _section(
            f":bulb: *Marketing suggests:* {_asset_link(asset)}\nfor your question “{question}”"
        )
    ]
    comment = facts.get("comment")
    said = f": “{escape(truncate(str(comment), 1000))}”" if comment else ""
    blocks.append(
        _context(
            f"From {_mention(facts.get('marketer'))}{said}  ·  answer #{facts['recommendation_id']}"
        )
    )
    title = truncate(str(asset.get("title") or asset.get("id")), NOTIFICATION_CHARS)
    return f"Marketing suggests: {escape(title)}", blocks


def relayed_reply(facts: dict[str, Any]) -> Message:
    rep, marketer = _mention(facts.get("rep")), _mention(facts.get("marketer"))
    asset = _asset_link(facts["asset"])
    return _plain(f":white_check_mark: Sent to {rep} as {marketer}'s suggestion: {asset}")


def split_escaped(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """The text escaped and cut into pieces of at most `limit` characters, between words where
    possible and never inside an entity such as `&amp;`."""
    pieces: list[str] = []
    for token in re.findall(r"\S+|\s+", text):
        escaped = escape(token)
        if len(escaped) <= limit:
            pieces.append(escaped)
        else:  # one "word" longer than a section: cut it between characters
            pieces.extend(escape(char) for char in token)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > limit:
            chunks.append(current)
            current = ""
        current += piece
    chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def _fit(chunks: list[str], room: int) -> list[str]:
    # Unreachable for a question within recommend's limit; a guard, not a feature.
    if len(chunks) <= room:
        return chunks
    return [*chunks[: room - 1], truncate(chunks[room - 1], SECTION_CHARS - 20) + " _(cut)_"]


def _prospect_and_stage(facts: dict[str, Any]) -> str:
    prospect = f"*{escape(str(facts['prospect']))}*" if facts.get("prospect") else "none named"
    stage = facts.get("stage")
    if not stage:
        stage_text = "unknown"
    else:
        source = str(facts.get("stage_source"))
        why = STAGE_SOURCES.get(source, source)
        if source == "inferred":
            why += f", {float(facts.get('stage_confidence') or 0):.0%} confident"
        stage_text = f"*{escape(str(stage))}* ({escape(why)})"
    return f"Prospect: {prospect}  ·  Stage: {stage_text}"


def _asset_link(asset: dict[str, Any]) -> str:
    title = truncate(str(asset.get("title") or asset.get("id")), TITLE_CHARS)
    return link(asset.get("url"), title)


def _mention(user: object) -> str:
    return f"<@{escape(str(user))}>" if user else "someone"


def _plain(line: str) -> Message:
    return line, [_section(line)]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_CHARS)}}


def _context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_CHARS)}],
    }


_RENDERERS: dict[str, Callable[[dict[str, Any]], Message]] = {
    "answer": answer_post,
    "feedback": feedback_reply,
    "reason": reason_reply,
    "suggestion": suggestion_message,
    "relayed": relayed_reply,
}
