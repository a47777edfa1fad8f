"""Ask marketing in Block Kit: the modal, the request's post in the marketing channel, and the
notes each step sends to the rep. Pure functions of the request's facts."""

from __future__ import annotations

import json
from typing import Any

from bot.marketing_requests import Draft, RequestFacts, Step
from bot.slack import ids
from bot.slack.blocks.answer import answer_blocks
from bot.slack.mrkdwn import escape, link, truncate
from content_store.models import RequestDeadline, RequestStatus
from content_store.requests import RequestSummary, describe_duration
from content_store.stage import STAGE_ORDER

DEADLINES: dict[str, str] = {
    RequestDeadline.TODAY: "Today",
    RequestDeadline.THIS_WEEK: "This week",
    RequestDeadline.NO_RUSH: "No rush",
}
NEED_CHARS = 3000
Message = tuple[str, list[dict[str, Any]]]


def ask_marketing_modal(draft: Draft) -> dict[str, Any]:
    """What is needed (the question), prospect and stage (as the answer had them), a deadline."""
    stage_options = [_option(str(s).capitalize(), str(s)) for s in STAGE_ORDER]
    deadline_options = [_option(label, str(value)) for value, label in DEADLINES.items()]
    stage_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": ids.STAGE_ACTION,
        "placeholder": _plain("Pick a stage"),
        "options": stage_options,
    }
    if draft.stage:
        stage_element["initial_option"] = _option(draft.stage.capitalize(), draft.stage)
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
        "private_metadata": json.dumps({"r": draft.recommendation_id}),
        "title": _plain("Ask marketing"),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.NEED_BLOCK,
                "label": _plain("What do you need?"),
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
                "label": _plain("Prospect"),
                "element": prospect_element,
            },
            {
                "type": "input",
                "block_id": ids.STAGE_BLOCK,
                "optional": True,
                "label": _plain("Stage"),
                "element": stage_element,
            },
            {
                "type": "input",
                "block_id": ids.DEADLINE_BLOCK,
                "label": _plain("By when?"),
                "element": {
                    "type": "static_select",
                    "action_id": ids.DEADLINE_ACTION,
                    "options": deadline_options,
                    "initial_option": deadline_options[1],
                },
            },
        ],
    }


def request_message(request: RequestFacts, *, group: str | None) -> Message:
    """The request in the marketing channel: its own thread, with the marketers' controls."""
    who = f"<!subteam^{escape(group)}> " if group else ""
    head = f"{who}:raising_hand: *Request #{request.id}* from <@{escape(request.rep)}>"
    blocks: list[dict[str, Any]] = [
        _section(head),
        _section(f">{escape(truncate(request.need, NEED_CHARS - 10))}".replace("\n", "\n>")),
        _context(_facts_line(request)),
        _section(_status_line(request)),
    ]
    if request.status is not RequestStatus.DONE:
        elements: list[dict[str, Any]] = []
        if request.taker is None:
            elements.append(_button("I'll take it", ids.REQUEST_TAKE, str(request.id), "primary"))
        elements.append(
            {
                "type": "external_select",
                "action_id": ids.REQUEST_PICK,
                "placeholder": _plain("Pick an asset from the library"),
                "min_query_length": 2,
            }
        )
        elements.append(_button("Done", ids.REQUEST_DONE, str(request.id)))
        blocks.append(
            {"type": "actions", "block_id": f"request-{request.id}", "elements": elements}
        )
        blocks.append(
            _context(
                f"Or reply in this thread with a link or a few words for <@{escape(request.rep)}>."
            )
        )
    need = escape(truncate(request.need, 120))
    text = f"Request #{request.id} from <@{escape(request.rep)}>: {need}"
    return f"{who}{text}", blocks


def reminder_message(request: RequestFacts, *, group: str | None, hours: float) -> Message:
    who = f"<!subteam^{escape(group)}> " if group else ""
    line = (
        f"{who}:alarm_clock: Request #{request.id} from <@{escape(request.rep)}> is still open "
        f"after {hours:g} working hours. Deadline: {_deadline(request)}."
    )
    return line, [_section(line)]


def rep_note(step: Step, kind: str) -> Message:
    """What the rep reads in their answer's thread (or DM) after a marketer's step."""
    marketer = f"<@{escape(step.marketer)}>"
    number = f"request #{step.request.id}"
    if kind == "taken":
        line = f":eyes: {marketer} (marketing) is on it: {number}."
    elif kind == "done":
        line = f":white_check_mark: {marketer} (marketing) marked {number} done."
    elif kind == "reply":
        quoted = escape(truncate(step.text or "", NEED_CHARS - 100)).replace("\n", "\n>")
        line = f":speech_balloon: {marketer} (marketing) on {number}:\n>{quoted}"
    else:
        raise ValueError(f"unknown note {kind!r}")
    return line, [_section(line)]


def rep_answer(step: Step) -> Message:
    """A picked asset, as an answer with the usual buttons, under a line saying who sent it."""
    assert step.answer is not None
    item = step.answer.items[0]
    line = f":bulb: <@{escape(step.marketer)}> (marketing) sent this for request #{step.request.id}"
    blocks = [_section(line), *answer_blocks(step.answer)]
    return f"Marketing sent: {escape(truncate(item.title, 120))}", blocks


def picked_note(step: Step) -> Message:
    """In the request's thread: what went to the rep."""
    assert step.answer is not None
    item = step.answer.items[0]
    line = (
        f":outbox_tray: Sent to <@{escape(step.request.rep)}>: "
        f"{link(item.url, truncate(item.title, 500))} (picked by <@{escape(step.marketer)}>)"
    )
    return line, [_section(line)]


def opened_note(request: RequestFacts) -> Message:
    line = (
        f":incoming_envelope: Sent to marketing as request #{request.id} "
        f"({DEADLINES.get(request.deadline, request.deadline).lower()}). I'll tell you here when "
        "someone takes it."
    )
    return line, [_section(line)]


def home_request_blocks(
    requests: list[RequestFacts], summary: RequestSummary, *, days: int = 30
) -> list[dict[str, Any]]:
    """The marketer Home tab's "Asks from sales": open requests and how fast they are answered."""
    head = (
        f"*:raising_hand: Asks from sales*  ·  {summary.open_now} open  ·  last {days} days: "
        f"{summary.opened} asked, {summary.done} done, median time to answer "
        f"*{describe_duration(summary.median_done)}* (first response "
        f"{describe_duration(summary.median_first_response)})"
    )
    blocks: list[dict[str, Any]] = [_section(head)]
    lines = []
    for request in requests:
        who = f"taken by <@{escape(request.taker)}>" if request.taker else "*nobody yet*"
        lines.append(
            f"• #{request.id} <@{escape(request.rep)}>: {escape(truncate(request.need, 120))} "
            f"({_deadline(request).lower()}, {who})"
        )
    blocks.append(_context("\n".join(lines) if lines else "No open requests."))
    return blocks


def asset_option(asset_id: str, title: str) -> dict[str, Any]:
    return _option(truncate(title, 75), asset_id[:150])


def _facts_line(request: RequestFacts) -> str:
    prospect = f"*{escape(request.prospect)}*" if request.prospect else "none named"
    stage = f"*{escape(request.stage)}*" if request.stage else "unknown"
    deadline = DEADLINES.get(request.deadline, request.deadline)
    return f"Prospect: {prospect}  ·  Stage: {stage}  ·  Deadline: *{escape(deadline)}*"


def _status_line(request: RequestFacts) -> str:
    if request.status is RequestStatus.DONE:
        line = f":white_check_mark: Done by <@{escape(request.done_by or request.taker or '')}>"
    elif request.taker:
        line = f":eyes: Taken by <@{escape(request.taker)}>"
    else:
        line = ":hourglass_flowing_sand: Open: nobody has taken it yet"
    if request.asset:
        title = truncate(str(request.asset.get("title")), 300)
        line += f"  ·  sent {link(request.asset.get('url'), title)}"
    return line


def _deadline(request: RequestFacts) -> str:
    return DEADLINES.get(request.deadline, request.deadline)


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
