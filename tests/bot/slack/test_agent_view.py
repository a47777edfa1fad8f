"""The agent view (Messages tab): prompts that fit the rep, a status around the search, a titled
thread, the prospect of the channel the rep is viewing, and Slack's native feedback buttons."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select

from bot.slack import ids
from bot.slack.agent_view import SEARCHING
from content_store.models import AnswerVote, Feedback
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, recommendations, valid_blocks
from tests.slack_support import (
    SlackCall,
    app_home_opened,
    app_mention,
    block_actions,
    dm_message,
    event_callback,
    slash_command,
)

DM = "D1"
ACME = "Acme is comparing us with Forecastly, what do I send?"


def dm(slack_bot: SlackBot, text: str, *, user: str = "U2", ts: str, event_id: str) -> SlackCall:
    before = len(slack_bot.fake.calls_to("chat.postMessage"))
    slack_bot.sender.post(*event_callback(dm_message(text, user=user, ts=ts), event_id=event_id))
    return slack_bot.fake.wait_for("chat.postMessage", before + 1, timeout=20)[before]


def store_prospect(slack_bot: SlackBot, text: str, token: str) -> Any:
    """The command's reply (its ack's body)."""
    return slack_bot.sender.post(
        *slash_command(
            ids.PROSPECT_COMMAND, text, user_id="U2", response_url=slack_bot.response_url(token)
        )
    )[1]


def context_changed(user: str, channel: str) -> dict[str, Any]:
    return {
        "type": "app_context_changed",
        "user": user,
        "context": {
            "entities": [{"type": "slack#/types/channel_id", "value": channel, "team_id": "T0001"}]
        },
        "event_ts": f"{time.time():.6f}",
    }


def test_the_messages_tab_suggests_prompts_for_the_reps_recent_prospects(
    slack_bot: SlackBot,
) -> None:
    store_prospect(slack_bot, "Acme decision", "p1")
    mention = app_mention(f"<@UBOT> {ACME}", user="U2", channel="C1", ts="1700000001.000100")
    slack_bot.sender.post(*event_callback(mention, event_id="EvM1"))
    slack_bot.fake.wait_for("chat.postMessage", timeout=20)
    opened = app_home_opened("U2") | {"tab": "messages", "channel": DM}

    slack_bot.sender.post(*event_callback(opened, event_id="EvH1"))

    [call] = slack_bot.fake.wait_for("assistant.threads.setSuggestedPrompts")
    assert call.args["channel_id"] == DM
    assert "thread_ts" not in call.args  # agent_view: prompts sit atop the conversation
    prompts = call.args["prompts"]
    assert prompts[0] == {"title": "Next for Acme", "message": "What do I send Acme next?"}
    assert 1 <= len(prompts) <= 4
    assert slack_bot.fake.calls_to("views.publish") == []  # the Home tab is not republished


def test_status_is_set_before_the_search_and_cleared_by_the_answer(slack_bot: SlackBot) -> None:
    post = dm(
        slack_bot, "prospect asked for our SOC 2 report", ts="1700000002.000100", event_id="EvD1"
    )
    slack_bot.fake.wait_for("assistant.threads.setTitle")

    methods = [
        c.method for c in slack_bot.fake.calls if c.method.startswith(("assistant.", "chat."))
    ]
    assert methods == [
        "assistant.threads.setStatus",
        "chat.postMessage",
        "assistant.threads.setStatus",
        "assistant.threads.setTitle",
    ]
    statuses = slack_bot.fake.calls_to("assistant.threads.setStatus")
    assert [s.args["status"] for s in statuses] == [SEARCHING, ""]
    assert all(s.args["thread_ts"] == "1700000002.000100" for s in statuses)
    [title] = slack_bot.fake.calls_to("assistant.threads.setTitle")
    assert title.args["title"] == "prospect asked for our SOC 2 report"
    assert statuses[0].at <= post.at <= statuses[1].at


def test_a_refused_status_never_stops_the_answer(slack_bot: SlackBot) -> None:
    slack_bot.fake.on("assistant.threads.setStatus", {"ok": False, "error": "not_allowed"})
    post = dm(
        slack_bot, "prospect asked for our SOC 2 report", ts="1700000003.000100", event_id="EvD2"
    )
    assert "SOC" in block_text(valid_blocks(post))


def test_a_viewed_deal_channel_makes_its_prospect_the_default(slack_bot: SlackBot) -> None:
    store_prospect(slack_bot, "Acme decision", "p1")
    slack_bot.fake.channels["CDEAL"] = {"id": "CDEAL", "name": "deal-acme", "is_ext_shared": False}
    slack_bot.sender.post(*event_callback(context_changed("U2", "CDEAL"), event_id="EvC1"))
    slack_bot.fake.wait_for("conversations.info")
    time.sleep(0.3)  # the context is stored after the info call

    post = dm(slack_bot, "which case study should I send?", ts="1700000004.000100", event_id="EvD3")

    row = recommendations(slack_bot.services)[-1]
    assert (row.prospect, row.stage, row.stage_source) == ("Acme", "decision", "prospect")
    text = block_text(valid_blocks(post))
    assert "#deal-acme" in text and "the channel you're viewing" in text
    [title] = slack_bot.fake.wait_for("assistant.threads.setTitle")
    assert title.args["title"].startswith("Acme · ")


def test_a_question_naming_another_prospect_is_about_that_one(slack_bot: SlackBot) -> None:
    store_prospect(slack_bot, "Acme decision", "p1")
    store_prospect(slack_bot, "Globex awareness", "p2")
    slack_bot.fake.channels["CEXT"] = {"id": "CEXT", "name": "acme-ext"}
    slack_bot.sender.post(*event_callback(context_changed("U2", "CEXT"), event_id="EvC2"))
    slack_bot.fake.wait_for("conversations.info")
    time.sleep(0.3)

    post = dm(slack_bot, "what should Globex read first?", ts="1700000005.000100", event_id="EvD4")

    assert recommendations(slack_bot.services)[-1].prospect == "Globex"
    assert "the channel you're viewing" not in block_text(valid_blocks(post))


def test_a_channel_mapped_with_the_prospect_command_names_its_prospect(
    slack_bot: SlackBot,
) -> None:
    reply = store_prospect(slack_bot, "Initech <#CWAR|war-room>", "p1")
    assert "#war-room" in json.dumps(reply) and "default to Initech" in json.dumps(reply)
    slack_bot.fake.channels["CWAR"] = {"id": "CWAR", "name": "war-room"}
    slack_bot.sender.post(*event_callback(context_changed("U2", "CWAR"), event_id="EvC3"))
    slack_bot.fake.wait_for("conversations.info")
    time.sleep(0.3)

    dm(slack_bot, "anything on ROI?", ts="1700000006.000100", event_id="EvD5")

    assert recommendations(slack_bot.services)[-1].prospect == "Initech"


def native_vote(slack_bot: SlackBot, value: str, *, user: str = "U2") -> None:
    """Click one of the native buttons and wait until the click was handled (its reply)."""
    replied = len(slack_bot.fake.calls_to("response_url"))
    body, kind = block_actions(
        ids.NATIVE_FEEDBACK,
        value,
        user_id=user,
        channel_id=DM,
        message_ts="1.0",
        response_url=slack_bot.response_url("vote"),
    )
    payload = json.loads(dict(parse_qsl(body.decode()))["payload"])
    payload["actions"][0]["type"] = "feedback_buttons"
    status, _, _ = slack_bot.sender.post(urlencode({"payload": json.dumps(payload)}).encode(), kind)
    assert status == 200
    slack_bot.fake.wait_for("response_url", replied + 1)


def test_native_feedback_keeps_one_current_vote_per_person(slack_bot: SlackBot) -> None:
    post = dm(
        slack_bot, "prospect asked for our SOC 2 report", ts="1700000007.000100", event_id="EvD6"
    )
    blocks = valid_blocks(post)
    [native] = [b for b in blocks if b["type"] == "context_actions"]
    buttons = native["elements"][0]
    assert buttons["type"] == "feedback_buttons"
    assert ids.USEFUL not in block_text(blocks)  # the native element replaces our 👍/👎
    useful, not_useful = buttons["positive_button"]["value"], buttons["negative_button"]["value"]
    rec = recommendations(slack_bot.services)[-1].id

    def votes() -> list[tuple[str, str | None]]:
        with slack_bot.services.sessions() as session:
            rows = session.scalars(select(Feedback).where(Feedback.recommendation_id == rec))
            return [(r.kind, r.user) for r in rows]

    for value in (useful, useful, not_useful, useful, not_useful):
        native_vote(slack_bot, value)
    native_vote(slack_bot, "useful:999999")  # not an answer anyone was shown: refused
    assert "no longer matches" in slack_bot.fake.calls_to("response_url")[-1].args["text"]
    assert votes() == [("not_useful", "U2")]
    with slack_bot.services.sessions() as session:
        [current] = session.scalars(select(AnswerVote))
    assert (current.user, current.vote) == ("U2", "not_useful")
