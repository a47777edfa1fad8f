"""Small readers over what the fake Slack recorded and what the log holds."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.services import Services
from content_store.models import Feedback, Recommendation
from tests.slack_support import SlackCall, assert_valid_blocks


def block_text(blocks: list[dict[str, Any]]) -> str:
    """All the text a person would read in the blocks, joined."""
    return json.dumps(blocks, ensure_ascii=False)


def valid_blocks(call: SlackCall) -> list[dict[str, Any]]:
    blocks = call.args.get("blocks") or []
    assert_valid_blocks(blocks)
    return blocks


def recommendations(services: Services) -> list[Recommendation]:
    with services.sessions() as session:
        query = select(Recommendation).order_by(Recommendation.id)
        options = (selectinload(Recommendation.items), selectinload(Recommendation.feedback))
        return list(session.scalars(query.options(*options)))


def feedback_rows(services: Services) -> list[Feedback]:
    with services.sessions() as session:
        return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def button_value(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        candidates = list(block.get("elements", []))
        if "accessory" in block:
            candidates.append(block["accessory"])
        for element in candidates:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no button {action_id} in the blocks")
