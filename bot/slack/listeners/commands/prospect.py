"""`/prospect NAME [STAGE]`: store a prospect's stage, or show it with its history."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import prospects
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.messages import notice_blocks
from bot.slack.blocks.prospect import prospect_blocks
from bot.slack.mrkdwn import escape
from content_store.stage import Stage, parse_stage

PROSPECT_USAGE = (
    "Usage: `/prospect Acme decision` stores Acme's stage (awareness, consideration, decision); "
    "`/prospect Acme` shows it."
)


def parse_prospect_text(text: str) -> tuple[str, Stage | None]:
    """Split "Acme Foods: decision" into the name and the stage (None when only a name)."""
    words = text.replace(":", " ").replace("=", " ").split()
    if len(words) >= 2:
        try:
            return " ".join(words[:-1]), parse_stage(words[-1])
        except ValueError:
            pass
    return " ".join(words), None


def register(app: App, services: Services) -> None:
    @app.command(ids.PROSPECT_COMMAND)
    def prospect(ack: Ack, command: dict[str, Any]) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() in {"", "help", "?"}:
            ack(
                text=PROSPECT_USAGE, blocks=notice_blocks(PROSPECT_USAGE), response_type="ephemeral"
            )
            return
        name, stage = parse_prospect_text(text)
        try:
            if stage is not None:
                view = prospects.set_stage(services, name, stage, user=command.get("user_id"))
            else:
                found = prospects.show(services, name)
                if found is None:
                    message = f"No stage stored for {name}. Set one: /prospect {name} decision"
                    # `text` is mrkdwn too: the name is the user's, escape it like the blocks do.
                    ack(
                        text=escape(message),
                        blocks=notice_blocks(message),
                        response_type="ephemeral",
                    )
                    return
                view = found
        except ValueError as error:  # an empty or overlong name
            message = f"{error}. {PROSPECT_USAGE}"
            ack(text=message, blocks=notice_blocks(message, emoji=":warning:"))
            return
        blocks = prospect_blocks(
            view.name, view.stage, view.history, changed=stage is not None, crm=view.crm
        )
        ack(text=escape(f"{view.name}: {view.stage}"), blocks=blocks, response_type="ephemeral")
