"""Replies in the rep's language: the language asked in, else the rep's Slack locale
(users.info, include_locale), else English. Driven through the real app over signed HTTP."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pytest

from bot.answer import StageDecision, StageSource
from bot.i18n import translator
from bot.settings import Settings
from bot.slack import ids
from bot.slack.blocks.marketing import render_outbox_message
from bot.slack.client import make_web_client
from bot.slack.language import ReplyLanguages
from bot.slack.outbox_worker import OutboxWorker
from content_store.stage import Stage
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, button_value, recommendations, valid_blocks
from tests.slack_support import (
    SlackCall,
    app_home_opened,
    block_actions,
    dm_message,
    event_callback,
    slash_command,
)

DUTCH = "Onze prospect twijfelt nog tussen ons en Forecastly. Wat kan ik het beste sturen?"
ENGLISH = "prospect asked for our SOC 2 report"
NAME_ONLY = "Forecastly"  # a name says nothing about the language it was asked in
MARKETING = "CMKT"


@pytest.fixture
def slack_settings(slack_settings: Settings) -> Settings:
    # Ask marketing on: its button and modal are part of the answer under test.
    return dataclasses.replace(slack_settings, marketing_channel=MARKETING)


def ask(slack_bot: SlackBot, question: str, *, user: str = "U1", token: str = "r1") -> SlackCall:
    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND, question, user_id=user, response_url=slack_bot.response_url(token)
        )
    )
    return reply_on(slack_bot, token)


def reply_on(slack_bot: SlackBot, token: str) -> SlackCall:
    """The first message posted to the response_url named `token`."""
    deadline = time.monotonic() + 15
    while True:
        replies = [c for c in slack_bot.fake.calls_to("response_url") if c.args["_token"] == token]
        if replies:
            return replies[0]
        assert time.monotonic() < deadline, f"no reply on response_url {token}"
        time.sleep(0.05)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """Every button's label by its action id (an asset's "Sent it" included)."""
    found = {}
    for block in blocks:
        elements = list(block.get("elements", []))
        if "accessory" in block:
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                found[element["action_id"]] = element["text"]["text"]
    return found


def stage_line(blocks: list[dict[str, Any]]) -> str:
    return next(
        element["text"]
        for block in blocks
        if block["type"] == "context"
        for element in block["elements"]
        if element["text"].startswith(("Stage:", "Fase:"))
    )


def test_a_dutch_question_by_slash_command_gets_a_dutch_answer_with_dutch_buttons(
    slack_bot: SlackBot,
) -> None:
    reply = ask(slack_bot, DUTCH)

    blocks = valid_blocks(reply)
    labels = buttons(blocks)
    assert labels[ids.USEFUL] == ":+1: Nuttig"
    assert labels[ids.NOT_USEFUL] == ":-1: Niet nuttig"
    assert labels[ids.ASK_MARKETING] == ":raising_hand: Vraag marketing"
    assert labels[ids.SHARE].startswith("Delen in kanaal")
    assert labels[ids.SENT].startswith("Verstuurd")
    assert stage_line(blocks).startswith("Fase: ")
    text = block_text(blocks)
    assert f"*Je vroeg:* {DUTCH}" in text
    assert reply.args["text"].startswith("Content voor: ")
    for english in ("You asked", "Useful", "Sent it", "Share in channel", "Stage:"):
        assert english not in text
    # The asker's own language was enough: Slack was not asked for their locale.
    assert slack_bot.fake.calls_to("users.info") == []
    [row] = recommendations(slack_bot.services)
    assert row.question == DUTCH  # the log keeps the question; only the bot's words changed


def test_a_dutch_dm_gets_a_dutch_answer_status_and_feedback_buttons(slack_bot: SlackBot) -> None:
    event = dm_message(DUTCH, user="U1", ts="1700000100.000100")

    slack_bot.sender.post(*event_callback(event, event_id="EvNL1"))

    [post] = slack_bot.fake.wait_for("chat.postMessage")
    blocks = valid_blocks(post)
    assert stage_line(blocks).startswith("Fase: ")
    native = next(b for b in blocks if b["type"] == "context_actions")["elements"][0]
    assert native["positive_button"]["text"]["text"] == "Nuttig"
    assert native["negative_button"]["text"]["text"] == "Niet nuttig"
    assert buttons(blocks)[ids.SENT].startswith("Verstuurd")
    statuses = [c.args["status"] for c in slack_bot.fake.calls_to("assistant.threads.setStatus")]
    assert statuses[0] == "Ik zoek in de contentbibliotheek…"


def test_an_english_question_from_a_dutch_locale_rep_is_answered_in_english(
    slack_bot: SlackBot,
) -> None:
    slack_bot.fake.users["U1"]["locale"] = "nl-NL"

    blocks = valid_blocks(ask(slack_bot, ENGLISH))

    [row] = recommendations(slack_bot.services)
    assert buttons(blocks)[ids.USEFUL] == ":+1: Useful"
    stage = Stage(row.stage) if row.stage else None
    decision = StageDecision(stage, StageSource(row.stage_source), row.stage_confidence)
    assert stage_line(blocks) == f"Stage: {decision.explain()}"
    assert "Nuttig" not in block_text(blocks)


def test_a_question_of_only_a_name_follows_the_reps_slack_locale(slack_bot: SlackBot) -> None:
    slack_bot.fake.users["U1"]["locale"] = "nl-NL"

    first = valid_blocks(ask(slack_bot, NAME_ONLY, token="a"))
    second = valid_blocks(ask(slack_bot, NAME_ONLY, token="b"))

    for blocks in (first, second):
        assert buttons(blocks)[ids.USEFUL] == ":+1: Nuttig"
        assert f"*Je vroeg:* {NAME_ONLY}" in block_text(blocks)
    [lookup] = slack_bot.fake.calls_to("users.info")  # cached for the second question
    assert (lookup.args["user"], lookup.args["include_locale"]) == ("U1", "1")


def test_a_name_only_question_without_a_known_locale_is_answered_in_english(
    slack_bot: SlackBot,
) -> None:
    slack_bot.fake.users["U1"]["locale"] = "de-DE"  # no German catalog
    assert buttons(valid_blocks(ask(slack_bot, NAME_ONLY, token="a")))[ids.USEFUL].endswith(
        "Useful"
    )
    # A rep Slack does not know (users.info fails): English, and the answer still comes.
    assert buttons(valid_blocks(ask(slack_bot, NAME_ONLY, user="U7", token="b")))[
        ids.USEFUL
    ].endswith("Useful")


def test_clicks_on_a_dutch_answer_are_answered_in_dutch(slack_bot: SlackBot) -> None:
    blocks = valid_blocks(ask(slack_bot, DUTCH, token="ask"))
    rec = button_value(blocks, ids.USEFUL)

    slack_bot.sender.post(
        *block_actions(ids.USEFUL, rec, response_url=slack_bot.response_url("useful"))
    )
    slack_bot.sender.post(
        *block_actions(ids.NOT_USEFUL, rec, response_url=slack_bot.response_url("nope"))
    )
    slack_bot.sender.post(
        *block_actions(ids.ASK_MARKETING, rec, response_url=slack_bot.response_url("ask-m"))
    )

    confirmed = reply_on(slack_bot, "useful")
    assert confirmed.args["text"] == "Bedankt! Gemarkeerd als nuttig; marketing ziet het."
    modals = slack_bot.fake.wait_for("views.open", 2)
    by_callback = {m.args["view"]["callback_id"]: m.args["view"] for m in modals}
    reason = by_callback[ids.NOT_USEFUL_REASON_VIEW]
    assert reason["title"]["text"] == "Niet nuttig"
    assert reason["blocks"][0]["label"]["text"] == "Wat klopte er niet?"
    assert json.loads(reason["private_metadata"])["l"] == "nl"
    request = by_callback[ids.ASK_MARKETING_VIEW]
    assert request["title"]["text"] == "Vraag marketing"
    stages = [o["text"]["text"] for o in request["blocks"][2]["element"]["options"]]
    assert stages[:3] == ["Bewustwording", "Overweging", "Beslissing"]


def test_a_shared_dutch_answer_keeps_its_dutch_reasons_from_the_log(slack_bot: SlackBot) -> None:
    private = valid_blocks(ask(slack_bot, DUTCH, token="ask"))
    reasons = [b["text"]["text"].split(" — ", 1)[1] for b in private if "accessory" in b]
    rec = button_value(private, ids.SHARE)

    slack_bot.sender.post(
        *block_actions(ids.SHARE, rec, channel_id="C1", response_url=slack_bot.response_url("s"))
    )

    [shared] = slack_bot.fake.wait_for("chat.postMessage")
    blocks = valid_blocks(shared)
    # Rebuilt from the log: the reasons are said again in Dutch, not as the English log line.
    assert [b["text"]["text"].split(" — ", 1)[1] for b in blocks if "accessory" in b] == reasons
    assert any(" voor de " in reason or "fasen" in reason for reason in reasons)
    [row] = recommendations(slack_bot.services)
    assert all(item.reason and "stage" in item.reason for item in row.items)  # English in the log
    assert "Gedeeld door <@U1>" in block_text(blocks)


def test_a_vague_dutch_question_offers_the_stages_in_dutch(slack_bot: SlackBot) -> None:
    blocks = valid_blocks(ask(slack_bot, "wat stuur ik?"))

    clarify = next(b for b in blocks if b.get("block_id") == "clarify")
    assert [e["text"]["text"] for e in clarify["elements"]] == [
        "Bewustwording",
        "Overweging",
        "Beslissing",
    ]
    assert "Vertel iets meer" in block_text(blocks)


def test_the_home_tab_follows_the_reps_slack_locale(slack_bot: SlackBot) -> None:
    slack_bot.fake.users["U2"]["locale"] = "nl-BE"
    slack_bot.sender.post(*event_callback(app_home_opened("U2"), event_id="EvH1"))

    [published] = slack_bot.fake.wait_for("views.publish")
    text = block_text(published.args["view"]["blocks"])
    assert "*Je recente vragen*" in text and "Vraag me om content" in text


def test_the_marketing_channel_reads_funnelbot_language_and_a_dm_to_a_rep_the_reps(
    slack_bot: SlackBot,
) -> None:
    services = slack_bot.services
    client = make_web_client(services.settings, retries=False)
    dutch_team = ReplyLanguages(dataclasses.replace(services.settings, language="nl"), client)
    worker = OutboxWorker(services.sessions, client, languages=dutch_team)
    ask(slack_bot, ENGLISH)  # an English question: the rep's own reply stays English

    assert worker.run_once()

    [post] = [
        c for c in slack_bot.fake.calls_to("chat.postMessage") if c.args["channel"] == MARKETING
    ]
    text = block_text(valid_blocks(post))
    assert post.args["text"].startswith("<@U1> vroeg: ")
    assert ":speech_balloon: <@U1> vroeg, via /content:" in text
    [row] = recommendations(services)
    assert f"Fase: *{translator('nl').stage(row.stage)}*" in text
    # The rep's DM with marketing's suggestion is in the rep's language, not the channel's.
    suggestion = render_outbox_message(
        {
            "note": "suggestion",
            "recommendation_id": row.id,
            "marketer": "U2",
            "asset": {"id": "x", "title": "Security whitepaper", "url": None},
            "comment": None,
            "question": row.question,
        },
        dutch_team.for_text("U1", row.question),
    )
    assert suggestion[0] == "Marketing suggests: Security whitepaper"
