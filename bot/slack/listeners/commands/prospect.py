"""`/prospect NAME [STAGE]`: store a prospect's stage, or show it with its history."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot import prospects
from bot.agent import map_channel
from bot.i18n import N_
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.messages import notice_blocks
from bot.slack.blocks.prospect import prospect_blocks
from bot.slack.language import ReplyLanguages
from bot.slack.mrkdwn import escape
from content_store.stage import Stage, parse_stage

PROSPECT_USAGE = N_(
    "Usage: `/prospect Acme decision` stores Acme's stage (awareness, consideration, decision); "
    "`/prospect Acme` shows it; `/prospect Acme #deal-channel` makes questions asked while "
    "viewing that channel default to Acme."
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


# Slack writes a channel as <#C123|name> when it escapes a command's text, as #name otherwise.
_CHANNEL = re.compile(r"<#(?P<id>[CG][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>|(?<!\S)#(?P<name>[\w.-]+)")


def split_channel(text: str) -> tuple[str, str | None, str | None]:
    """The text without its channel, and the channel's id and name (either may be None)."""
    match = _CHANNEL.search(text)
    if match is None:
        return text, None, None
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    name = match.group("label") or match.group("name")
    return rest, match.group("id"), name.lower() if name else None


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.command(ids.PROSPECT_COMMAND)
    def prospect(ack: Ack, command: dict[str, Any]) -> None:
        text = (command.get("text") or "").strip()
        # A name and a stage say nothing of a language: the rep's Slack locale decides.
        t = languages.for_user(command.get("user_id"))
        _ = t.gettext
        usage = _(PROSPECT_USAGE)
        if text.lower() in {"", "help", "?"}:
            ack(text=usage, blocks=notice_blocks(usage), response_type="ephemeral")
            return
        text, channel_id, channel_name = split_channel(text)
        name, stage = parse_prospect_text(text)
        if channel_id or channel_name:
            try:
                mapped = map_channel(
                    services,
                    name,
                    channel_id=channel_id,
                    channel_name=channel_name,
                    user=str(command.get("user_id") or ""),
                )
            except ValueError as error:
                message = f"{t.error(error)}. {usage}"
                ack(text=message, blocks=notice_blocks(message, emoji=":warning:"))
                return
            where = f"#{channel_name}" if channel_name else f"<#{channel_id}>"
            message = _(
                "Questions asked while viewing %(channel)s now default to %(prospect)s.",
                channel=where,
                prospect=mapped,
            )
            if stage is not None:
                prospects.set_stage(services, name, stage, user=command.get("user_id"))
                message += " " + _("Stage stored: %(stage)s.", stage=t.stage(stage))
            ack(text=escape(message), blocks=notice_blocks(message), response_type="ephemeral")
            return
        try:
            if stage is not None:
                view = prospects.set_stage(services, name, stage, user=command.get("user_id"))
            else:
                found = prospects.show(services, name)
                if found is None:
                    message = _(
                        "No stage stored for %(name)s. Set one: /prospect %(name)s decision",
                        name=name,
                    )
                    # `text` is mrkdwn too: the name is the user's, escape it like the blocks do.
                    ack(
                        text=escape(message),
                        blocks=notice_blocks(message),
                        response_type="ephemeral",
                    )
                    return
                view = found
        except ValueError as error:  # an empty or overlong name
            message = f"{t.error(error)}. {usage}"
            ack(text=message, blocks=notice_blocks(message, emoji=":warning:"))
            return
        blocks = prospect_blocks(
            view.name, view.stage, view.history, changed=stage is not None, crm=view.crm, t=t
        )
        if view.stage == "not stored":
            said = escape(_("%(name)s: no stage stored.", name=view.name))
        else:
            said = escape(f"{view.name}: {t.stage(view.stage)}")
        ack(text=said, blocks=blocks, response_type="ephemeral")
