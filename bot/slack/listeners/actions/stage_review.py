"""The marketer Home's inferred stages: one click confirms the proposal, the menu corrects it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.asset_stages import StageConfirmError, confirm_asset_stage
from bot.i18n import N_
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.stage_review import stage_notice
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.events.app_home import publish_marketer_home
from bot.slack.marketers import MarketerCheck

log = logging.getLogger(__name__)

REFUSED = N_("Only marketers can confirm an asset's stage; nothing was changed.")


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    marketers = MarketerCheck(services.settings, app.client)

    def settle(body: dict[str, Any], action: dict[str, Any], client: WebClient, stage: str) -> None:
        user = body["user"]["id"]
        asset_id = str(action.get("block_id", "")).removeprefix(ids.STAGE_REVIEW_BLOCK)
        with reply_on_failure(
            lambda msg: _tell(client, user, msg),
            "confirming a stage",
            lambda: languages.for_user(user),
        ):
            t = languages.for_user(user)
            # The Home tab is only drawn for marketers, but a click can be forged: check again.
            if not marketers.is_marketer(user):
                log.warning("refused a stage confirmation for %r from %s", asset_id[:200], user)
                _tell(client, user, t.gettext(REFUSED))
                return
            try:
                change = confirm_asset_stage(services, asset_id, stage, user=user)
            except StageConfirmError as error:
                notice = t.gettext(":warning: Not changed: %(reason)s.", reason=t.error(error))
                publish_marketer_home(services, client, user, languages, notice=notice)
                return
            notice = stage_notice(change.title, change.stages, corrected=change.corrected, t=t)
            publish_marketer_home(services, client, user, languages, notice=notice)

    @app.action(ids.STAGE_CONFIRM)
    def confirm(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        settle(body, action, client, str(action.get("value") or ""))

    @app.action(ids.STAGE_CORRECT)
    def correct(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        selected = action.get("selected_option") or {}
        settle(body, action, client, str(selected.get("value") or ""))


def _tell(client: WebClient, user: str, text: str) -> None:
    """A line in the clicker's DM with the bot: a Home tab click has no channel to answer in."""
    client.chat_postMessage(channel=user, text=text)
