"""The marketing channel's messages: an answer's post, the replies in its thread, the DM to a rep.

Each takes the facts the outbox stored (see bot/marketing.py) and returns (text, blocks).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.i18n import N_, Translator, english
from bot.slack.blocks.feedback import REASONS
from bot.slack.mrkdwn import escape, link, truncate

SECTION_CHARS = 3000
MAX_BLOCKS = 50
TITLE_CHARS = 500
NOTIFICATION_CHARS = 150

SOURCES = {"slash": "/content", "mention": N_("a mention"), "dm": N_("a DM")}
STAGE_SOURCES = {
    "stated": N_("stated by the rep"),
    "prospect": N_("stored for the prospect"),
    "inferred": N_("inferred from the wording"),
}
FEEDBACK_LINES = {
    "useful": N_(":+1: %(user)s found this answer useful."),
    "not_useful": N_(":-1: %(user)s found this answer not useful."),
    "sent": N_(":outbox_tray: %(user)s sent %(asset)s to the prospect."),
    "shared": N_(":loudspeaker: %(user)s shared this answer in a channel."),
}
# Notes that go to a rep rather than to the marketing channel: said in the rep's language.
TO_REP = frozenset({"suggestion"})

Message = tuple[str, list[dict[str, Any]]]


def render_outbox_message(payload: dict[str, Any], t: Translator | None = None) -> Message:
    """The text and blocks for a queued message, in t's language (English by default);
    ValueError for a payload we cannot render."""
    renderer = _RENDERERS.get(str(payload.get("note")))
    if renderer is None:
        raise ValueError(f"no renderer for outbox note {payload.get('note')!r}")
    try:
        return renderer(payload, t or english())
    except (KeyError, TypeError) as error:
        raise ValueError(f"malformed {payload.get('note')} payload: {error!r}") from None


def answer_post(facts: dict[str, Any], t: Translator | None = None) -> Message:
    """Who asked what, about which prospect at which stage, and what the bot surfaced."""
    t = t or english()
    _ = t.gettext
    asker = _mention(facts["asker"], t)
    source = str(facts.get("source"))
    via = _(SOURCES[source]) if source in SOURCES else source
    head = [
        _section(_(":speech_balloon: %(user)s asked, via %(via)s:", user=asker, via=escape(via)))
    ]
    tail: list[dict[str, Any]] = [_context(_prospect_and_stage(facts, t))]
    if facts.get("weak"):
        similarity = t.number(float(facts.get("top_score") or 0), "0.00")
        tail.append(
            _section(
                _(
                    ":warning: *Weak match* (best similarity %(similarity)s): probably a gap in "
                    "the library.",
                    similarity=similarity,
                )
            )
        )
    items = facts.get("items") or []
    if not items:
        tail.append(_section(_("_No assets surfaced._")))
    for item in items:
        kind = f"  _{escape(str(item['type']).replace('-', ' '))}_" if item.get("type") else ""
        tail.append(_section(f"{item['rank']}. {_asset_link(item)}{kind}"))
    tail.append(
        _context(
            _(
                "Answer #%(id)s  ·  reply in this thread with an asset's link or id to suggest it "
                "to %(user)s",
                id=facts["recommendation_id"],
                user=asker,
            )
        )
    )
    question = str(facts["question"])
    room = MAX_BLOCKS - len(head) - len(tail)
    blocks = head + [_section(chunk) for chunk in _fit(split_escaped(question), room)] + tail
    asked = escape(truncate(question, NOTIFICATION_CHARS))
    text = _("%(user)s asked: %(question)s", user=asker, question=asked)
    return text, blocks


def feedback_reply(facts: dict[str, Any], t: Translator | None = None) -> Message:
    t = t or english()
    _ = t.gettext
    kind = str(facts["kind"])
    user = _mention(facts.get("user"), t)
    asset = _asset_link(facts["asset"]) if facts.get("asset") else _("an asset")
    if kind in FEEDBACK_LINES:
        line = _(FEEDBACK_LINES[kind], user=user, asset=asset)
    else:
        line = _(":grey_question: %(user)s reacted: %(kind)s.", user=user, kind=escape(kind))
    return _plain(line)


def reason_reply(facts: dict[str, Any], t: Translator | None = None) -> Message:
    t = t or english()
    _ = t.gettext
    code = str(facts.get("reason"))
    reason = _(REASONS[code]) if code in REASONS else code
    line = _(
        ":memo: %(user)s's reason for the :-1:: *%(reason)s*",
        user=_mention(facts.get("user"), t),
        reason=escape(reason),
    )
    comment = facts.get("comment")
    if comment:
        quoted = "\n".join(f">{part}" for part in escape(str(comment)).splitlines())
        line = f"{line}\n{quoted}"
    return _plain(line)


def suggestion_message(facts: dict[str, Any], t: Translator | None = None) -> Message:
    """The DM to the rep: marketing suggests an asset for their question."""
    t = t or english()
    _ = t.gettext
    asset = facts["asset"]
    question = escape(truncate(str(facts.get("question") or ""), 300))
    blocks = [
        _section(
            _(
                ":bulb: *Marketing suggests:* %(asset)s\nfor your question “%(question)s”",
                asset=_asset_link(asset),
                question=question,
            )
        )
    ]
    comment = facts.get("comment")
    marketer = _mention(facts.get("marketer"), t)
    number = facts["recommendation_id"]
    if comment:
        said = escape(truncate(str(comment), 1000))
        line = _(
            "From %(user)s: “%(comment)s”  ·  answer #%(id)s",
            user=marketer,
            comment=said,
            id=number,
        )
    else:
        line = _("From %(user)s  ·  answer #%(id)s", user=marketer, id=number)
    blocks.append(_context(line))
    title = truncate(str(asset.get("title") or asset.get("id")), NOTIFICATION_CHARS)
    return _("Marketing suggests: %(title)s", title=escape(title)), blocks


def relayed_reply(facts: dict[str, Any], t: Translator | None = None) -> Message:
    t = t or english()
    rep, marketer = _mention(facts.get("rep"), t), _mention(facts.get("marketer"), t)
    asset = _asset_link(facts["asset"])
    return _plain(
        t.gettext(
            ":white_check_mark: Sent to %(rep)s as %(marketer)s's suggestion: %(asset)s",
            rep=rep,
            marketer=marketer,
            asset=asset,
        )
    )


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


def _prospect_and_stage(facts: dict[str, Any], t: Translator) -> str:
    t = t or english()
    _ = t.gettext
    prospect = f"*{escape(str(facts['prospect']))}*" if facts.get("prospect") else _("none named")
    stage = facts.get("stage")
    if not stage:
        stage_text = _("unknown")
    else:
        source = str(facts.get("stage_source"))
        why = _(STAGE_SOURCES[source]) if source in STAGE_SOURCES else source
        if source == "inferred":
            sure = t.percent(float(facts.get("stage_confidence") or 0))
            why = _("%(source)s, %(sure)s confident", source=why, sure=sure)
        stage_text = f"*{escape(t.stage(str(stage)))}* ({escape(why)})"
    return _("Prospect: %(prospect)s  ·  Stage: %(stage)s", prospect=prospect, stage=stage_text)


def _asset_link(asset: dict[str, Any]) -> str:
    title = truncate(str(asset.get("title") or asset.get("id")), TITLE_CHARS)
    return link(asset.get("url"), title)


def _mention(user: object, t: Translator) -> str:
    return f"<@{escape(str(user))}>" if user else t.gettext("someone")


def _plain(line: str) -> Message:
    return line, [_section(line)]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_CHARS)}}


def _context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_CHARS)}],
    }


_RENDERERS: dict[str, Callable[[dict[str, Any], Translator], Message]] = {
    "answer": answer_post,
    "feedback": feedback_reply,
    "reason": reason_reply,
    "suggestion": suggestion_message,
    "relayed": relayed_reply,
}
