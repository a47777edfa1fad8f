"""Ask marketing: the answer's button opens the modal; marketers take, pick an asset, finish."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

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
from bot.slack.listeners.actions.payload import click_channel, confirm
from bot.slack.requests import after_step

NO_CHANNEL = "Ask marketing is off: FUNNELBOT_MARKETING_CHANNEL is not set."
ELSEWHERE = "Requests are handled in the marketing channel; nothing was changed."


def register(app: App, services: Services) -> None:
    @app.action(ids.ASK_MARKETING)
    def ask(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        with reply_on_failure(lambda msg: confirm(body, msg), "opening Ask marketing"):
            if services.settings.marketing_channel is None:
                confirm(body, NO_CHANNEL)
                return
            try:
                draft = request_draft(
                    services,
                    _request_id(action),
                    user=body["user"]["id"],
                    channel=click_channel(body),
                )
            except RequestError as error:
                confirm(body, f"Not sent: {error}.")
                return
            client.views_open(trigger_id=body["trigger_id"], view=ask_marketing_modal(draft))

    @app.action(ids.REQUEST_TAKE)
    def take(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        marketer = body["user"]["id"]
        with reply_on_failure(lambda msg: _whisper(client, body, msg), "taking a request"):
            if not _clicked_in(body, services.settings.marketing_channel):
                _whisper(client, body, ELSEWHERE)
                return
            try:
                step = take_request(services, _request_id(action), marketer=marketer)
            except RequestError as error:
                _whisper(client, body, f"Not taken: {error}.")
                return
            after_step(services, client, step, "taken")

    @app.action(ids.REQUEST_DONE)
    def done(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        marketer = body["user"]["id"]
        with reply_on_failure(lambda msg: _whisper(client, body, msg), "finishing a request"):
            if not _clicked_in(body, services.settings.marketing_channel):
                _whisper(client, body, ELSEWHERE)
                return
            try:
                step = finish_request(services, _request_id(action), marketer=marketer)
            except RequestError as error:
                _whisper(client, body, f"Not changed: {error}.")
                return
            after_step(services, client, step, "done")

    @app.action(ids.REQUEST_PICK)
    def pick(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        marketer = body["user"]["id"]
        with reply_on_failure(lambda msg: _whisper(client, body, msg), "sending a picked asset"):
            if not _clicked_in(body, services.settings.marketing_channel):
                _whisper(client, body, ELSEWHERE)
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
                _whisper(client, body, f"Not sent: {error}.")
                return
            after_step(services, client, step, "picked")

    @app.options(ids.REQUEST_PICK)
    def pick_options(ack: Ack, payload: dict[str, Any]) -> None:
        query = str(payload.get("value") or "")
        ack(options=[asset_option(i, t) for i, t in asset_options(services, query)])


def _request_id(action: dict[str, Any]) -> int:
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise RequestError("the button carries no request number") from None


def _request_id_of_block(action: dict[str, Any]) -> int:
    # The select has no value of its own: its block is named after the request.
    block = str(action.get("block_id", ""))
    try:
        return int(block.removeprefix("request-"))
    except ValueError:
        raise RequestError("the menu is not on a request") from None


def _clicked_in(body: dict[str, Any], channel: str | None) -> bool:
    """The request's controls only count where requests are posted."""
    return channel is not None and click_channel(body) == channel


def _whisper(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral line to the marketer who clicked, in the channel of the request."""
    channel = click_channel(body)
    if channel:
        client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)
