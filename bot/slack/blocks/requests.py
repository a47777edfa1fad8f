"""Ask marketing in Block Kit: the modal, the request's post in the marketing channel, and the
notes each step sends to the rep. Pure functions of the request's facts."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import N_, Translator, english
from bot.marketing_requests import Draft, RequestFacts, Step
from bot.slack import ids
from bot.slack.blocks.answer import answer_blocks
from bot.slack.blocks.insights import duration
from bot.slack.mrkdwn import escape, link, mention, truncate
from content_store.models import RequestDeadline, RequestStatus
from content_store.requests import RequestSummary
from content_store.stage import STAGE_ORDER

DEADLINES: dict[str, str] = {
    RequestDeadline.TODAY: N_("Today"),
    RequestDeadline.THIS_WEEK: N_("This week"),
    RequestDeadline.NO_RUSH: N_("No rush"),
}
NEED_CHARS = 3000
Message = tuple[str, list[dict[str, Any]]]


def ask_marketing_modal(draft: Draft, t: Translator | None = None) -> dict[str, Any]:
    """What is needed (the question), prospect and stage (as the answer had them), a deadline;
    in t's language, which rides along in the metadata for the submission's replies."""
    t = t or english()
    _ = t.gettext
    stage_options = [_option(t.stage_label(s), str(s)) for s in STAGE_ORDER]
    deadline_options = [_option(_(label), str(value)) for value, label in DEADLINES.items()]
    stage_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": ids.STAGE_ACTION,
        "placeholder": _plain(_("Pick a stage")),
        "options": stage_options,
    }
    if draft.stage:
        stage_element["initial_option"] = _option(t.stage_label(draft.stage), draft.stage)
    prospect_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.PROSPECT_ACTION,
        "max_length": 200,
    }
    if draft.prospect:
        prospect_element["initial_value"] = draft.prospect[:200]
    return {
        "type": "modal",
        "callback_id": ids.ASK_MARKETING_VIEW,
        "private_metadata": json.dumps({"r": draft.recommendation_id, "l": t.language}),
        "title": _plain(_("Ask marketing")),
        "submit": _plain(_("Send")),
        "close": _plain(_("Cancel")),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.NEED_BLOCK,
                "label": _plain(_("What do you need?")),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.NEED_ACTION,
                    "multiline": True,
                    "max_length": NEED_CHARS,
                    "initial_value": draft.question[:NEED_CHARS],
                },
            },
            {
                "type": "input",
                "block_id": ids.PROSPECT_BLOCK,
                "optional": True,
                "label": _plain(_("Prospect")),
                "element": prospect_element,
            },
            {
                "type": "input",
                "block_id": ids.STAGE_BLOCK,
                "optional": True,
                "label": _plain(_("Stage")),
                "element": stage_element,
            },
            {
                "type": "input",
                "block_id": ids.DEADLINE_BLOCK,
                "label": _plain(_("By when?")),
                "element": {
                    "type": "static_select",
                    "action_id": ids.DEADLINE_ACTION,
                    "options": deadline_options,
                    "initial_option": deadline_options[1],
                },
            },
        ],
    }


def request_message(
    request: RequestFacts, *, group: str | None, t: Translator | None = None
) -> Message:
    """The request in the marketing channel: its own thread, with the marketers' controls."""
    t = t or english()
    _ = t.gettext
    who = f"<!subteam^{escape(group)}> " if group else ""
    rep = f"<@{escape(request.rep)}>"
    head = who + _(":raising_hand: *Request #%(id)s* from %(rep)s", id=request.id, rep=rep)
    blocks: list[dict[str, Any]] = [
        _section(head),
        _section(f">{escape(truncate(request.need, NEED_CHARS - 10))}".replace("\n", "\n>")),
        _context(_facts_line(request, t)),
        _section(_status_line(request, t)),
    ]
    if request.status is not RequestStatus.DONE:
        elements: list[dict[str, Any]] = []
        if request.taker is None:
            elements.append(
                _button(_("I'll take it"), ids.REQUEST_TAKE, str(request.id), "primary")
            )
        elements.append(
            {
                "type": "external_select",
                "action_id": ids.REQUEST_PICK,
                "placeholder": _plain(_("Pick an asset from the library")),
                "min_query_length": 2,
            }
        )
        elements.append(_button(_("Done"), ids.REQUEST_DONE, str(request.id)))
        blocks.append(
            {"type": "actions", "block_id": f"request-{request.id}", "elements": elements}
        )
        blocks.append(
            _context(_("Or reply in this thread with a link or a few words for %(rep)s.", rep=rep))
        )
    need = escape(truncate(request.need, 120))
    text = _("Request #%(id)s from %(rep)s: %(need)s", id=request.id, rep=rep, need=need)
    return f"{who}{text}", blocks


def reminder_message(
    request: RequestFacts, *, group: str | None, hours: float, t: Translator | None = None
) -> Message:
    t = t or english()
    who = f"<!subteam^{escape(group)}> " if group else ""
    line = who + t.gettext(
        ":alarm_clock: Request #%(id)s from %(rep)s is still open after %(hours)s working hours. "
        "Deadline: %(deadline)s.",
        id=request.id,
        rep=mention(request.rep),
        hours=t.number(hours),
        deadline=_deadline(request, t),
    )
    return line, [_section(line)]


def rep_note(step: Step, kind: str, t: Translator | None = None) -> Message:
    """What the rep reads in their answer's thread (or DM) after a marketer's step."""
    _ = (t or english()).gettext
    marketer = f"<@{escape(step.marketer)}>"
    number = step.request.id
    if kind == "taken":
        line = _(":eyes: %(user)s (marketing) is on it: request #%(id)s.", user=marketer, id=number)
    elif kind == "done":
        line = _(
            ":white_check_mark: %(user)s (marketing) marked request #%(id)s done.",
            user=marketer,
            id=number,
        )
    elif kind == "reply":
        quoted = escape(truncate(step.text or "", NEED_CHARS - 100)).replace("\n", "\n>")
        line = _(
            ":speech_balloon: %(user)s (marketing) on request #%(id)s:", user=marketer, id=number
        )
        line += f"\n>{quoted}"
    else:
        raise ValueError(f"unknown note {kind!r}")
    return line, [_section(line)]


def rep_answer(step: Step, t: Translator | None = None) -> Message:
    """A picked asset, as an answer with the usual buttons, under a line saying who sent it."""
    assert step.answer is not None
    t = t or english()
    _ = t.gettext
    item = step.answer.items[0]
    line = _(
        ":bulb: %(user)s (marketing) sent this for request #%(id)s",
        user=mention(step.marketer),
        id=step.request.id,
    )
    blocks = [_section(line), *answer_blocks(step.answer, t=t)]
    return _("Marketing sent: %(title)s", title=escape(truncate(item.title, 120))), blocks


def picked_note(step: Step, t: Translator | None = None) -> Message:
    """In the request's thread: what went to the rep."""
    assert step.answer is not None
    item = step.answer.items[0]
    line = (t or english()).gettext(
        ":outbox_tray: Sent to %(rep)s: %(asset)s (picked by %(marketer)s)",
        rep=mention(step.request.rep),
        asset=link(item.url, truncate(item.title, 500)),
        marketer=mention(step.marketer),
    )
    return line, [_section(line)]


def opened_note(request: RequestFacts, t: Translator | None = None) -> Message:
    t = t or english()
    line = t.gettext(
        ":incoming_envelope: Sent to marketing as request #%(id)s (%(deadline)s). I'll tell you "
        "here when someone takes it.",
        id=request.id,
        deadline=_deadline(request, t).lower(),
    )
    return line, [_section(line)]


def home_request_blocks(
    requests: list[RequestFacts],
    summary: RequestSummary,
    *,
    days: int = 30,
    t: Translator | None = None,
) -> list[dict[str, Any]]:
    """The marketer Home tab's "Asks from sales": open requests and how fast they are answered."""
    t = t or english()
    _ = t.gettext
    head = _(
        "*:raising_hand: Asks from sales*  ·  %(open)s open  ·  last %(days)s days: %(opened)s "
        "asked, %(done)s done, median time to answer *%(median)s* (first response %(first)s)",
        open=summary.open_now,
        days=days,
        opened=summary.opened,
        done=summary.done,
        median=duration(summary.median_done, t),
        first=duration(summary.median_first_response, t),
    )
    blocks: list[dict[str, Any]] = [_section(head)]
    lines = []
    for request in requests:
        if request.taker:
            who = _("taken by %(user)s", user=mention(request.taker))
        else:
            who = _("*nobody yet*")
        need = escape(truncate(request.need, 120))
        deadline = _deadline(request, t).lower()
        lines.append(f"• #{request.id} <@{escape(request.rep)}>: {need} ({deadline}, {who})")
    blocks.append(_context("\n".join(lines) if lines else _("No open requests.")))
    return blocks


def asset_option(asset_id: str, title: str) -> dict[str, Any]:
    return _option(truncate(title, 75), asset_id[:150])


def _facts_line(request: RequestFacts, t: Translator) -> str:
    _ = t.gettext
    prospect = f"*{escape(request.prospect)}*" if request.prospect else _("none named")
    stage = f"*{escape(t.stage(request.stage))}*" if request.stage else _("unknown")
    deadline = f"*{escape(_deadline(request, t))}*"
    return _(
        "Prospect: %(prospect)s  ·  Stage: %(stage)s  ·  Deadline: %(deadline)s",
        prospect=prospect,
        stage=stage,
        deadline=deadline,
    )


def _status_line(request: RequestFacts, t: Translator) -> str:
    _ = t.gettext
    if request.status is RequestStatus.DONE:
        by = f"<@{escape(request.done_by or request.taker or '')}>"
        line = _(":white_check_mark: Done by %(user)s", user=by)
    elif request.taker:
        line = _(":eyes: Taken by %(user)s", user=mention(request.taker))
    else:
        line = _(":hourglass_flowing_sand: Open: nobody has taken it yet")
    if request.asset:
        title = truncate(str(request.asset.get("title")), 300)
        line += "  ·  " + _("sent %(asset)s", asset=link(request.asset.get("url"), title))
    return line


def _deadline(request: RequestFacts, t: Translator) -> str:
    label = DEADLINES.get(request.deadline)
    return t.gettext(label) if label else request.deadline


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text), "value": value}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, 150), "emoji": True}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": _plain(label),
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}
