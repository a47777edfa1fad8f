"""Ask marketing: the answer's button opens the modal; marketers take, pick an asset, finish."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.i18n import N_
from bot.marketing_requests import (
    RequestError,
    answer_with_asset,
    asset_options,
    finish_request,
    request_draft,
    take_request,
)
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.requests import ask_marketing_modal, asset_option
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.actions.payload import click_channel, confirm
from bot.slack.requests import after_step

NO_CHANNEL = N_("Ask marketing is off: FUNNELBOT_MARKETING_CHANNEL is not set.")
ELSEWHERE = N_("Requests are handled in the marketing channel; nothing was changed.")


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.action(ids.ASK_MARKETING)
    def ask(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        with reply_on_failure(
            lambda msg: confirm(body, msg),
            "opening Ask marketing",
            lambda: languages.for_user(user),
        ):
            if services.settings.marketing_channel is None:
                confirm(body, languages.for_user(user).gettext(NO_CHANNEL))
                return
            try:
                draft = request_draft(
                    services, _request_id(action), user=user, channel=click_channel(body)
                )
            except RequestError as error:
                t = languages.for_user(user)
                confirm(body, t.gettext("Not sent: %(error)s.", error=t.error(error)))
                return
            # The modal, and what follows from it, in the answer's language.
            t = languages.for_text(user, draft.question)
            client.views_open(trigger_id=body["trigger_id"], view=ask_marketing_modal(draft, t))

    @app.action(ids.REQUEST_TAKE)
    def take(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        marketer = body["user"]["id"]
        t = languages.for_user(marketer)
        with reply_on_failure(lambda msg: _whisper(client, body, msg), "taking a request", t):
            if not _clicked_in(body, services.settings.marketing_channel):
                _whisper(client, body, t.gettext(ELSEWHERE))
                return
            try:
                step = take_request(services, _request_id(action), marketer=marketer)
            except RequestError as error:
                _whisper(client, body, t.gettext("Not taken: %(error)s.", error=t.error(error)))
                return
            after_step(services, client, step, "taken", languages)

    @app.action(ids.REQUEST_DONE)
    def done(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        marketer = body["user"]["id"]
        t = languages.for_user(marketer)
        with reply_on_failure(lambda msg: _whisper(client, body, msg), "finishing a request", t):
            if not _clicked_in(body, services.settings.marketing_channel):
                _whisper(client, body, t.gettext(ELSEWHERE))
                return
            try:
                step = finish_request(services, _request_id(action), marketer=marketer)
            except RequestError as error:
                _whisper(client, body, t.gettext("Not changed: %(error)s.", error=t.error(error)))
                return
            after_step(services, client, step, "done", languages)

    @app.action(ids.REQUEST_PICK)
    def pick(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        marketer = body["user"]["id"]
        t = languages.for_user(marketer)
        with reply_on_failure(lambda msg: _whisper(client, body, msg), "sending a picked asset", t):
            if not _clicked_in(body, services.settings.marketing_channel):
                _whisper(client, body, t.gettext(ELSEWHERE))
                return
            try:
                selected = action.get("selected_option") or {}
                step = answer_with_asset(
                    services,
                    _request_id_of_block(action),
                    marketer=marketer,
                    asset_id=str(selected.get("value") or ""),
                )
            except RequestError as error:
                _whisper(client, body, t.gettext("Not sent: %(error)s.", error=t.error(error)))
                return
            after_step(services, client, step, "picked", languages)

    @app.options(ids.REQUEST_PICK)
    def pick_options(ack: Ack, payload: dict[str, Any]) -> None:
        query = str(payload.get("value") or "")
        ack(options=[asset_option(i, t) for i, t in asset_options(services, query)])


def _request_id(action: dict[str, Any]) -> int:
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise RequestError(N_("the button carries no request number")) from None


def _request_id_of_block(action: dict[str, Any]) -> int:
    # The select has no value of its own: its block is named after the request.
    block = str(action.get("block_id", ""))
    try:
        return int(block.removeprefix("request-"))
    except ValueError:
        raise RequestError(N_("the menu is not on a request")) from None


def _clicked_in(body: dict[str, Any], channel: str | None) -> bool:
    """The request's controls only count where requests are posted."""
    return channel is not None and click_channel(body) == channel


def _whisper(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral line to the marketer who clicked, in the channel of the request."""
    channel = click_channel(body)
    if channel:
        client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)
