"""Ask marketing, the whole loop through the real app: button → modal → request in the marketing
channel mentioning the group → taken → asset picked from the type-ahead → rep's thread → done."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.digest import digest_text, weekly_digest
from bot.marketing_requests import working_hours_between
from bot.settings import Settings
from bot.slack import ids
from bot.slack.blocks.requests import request_message
from bot.slack.client import make_web_client
from bot.slack.requests import remind_requests
from content_store.gaps import gap_questions
from content_store.models import ContentItem, MarketingRequest
from content_store.requests import request_summary
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, button_value, recommendations, valid_blocks
from tests.slack_support import (
    FakeSlack,
    SlackCall,
    app_home_opened,
    app_mention,
    assert_valid_blocks,
    block_actions,
    block_suggestion,
    event_callback,
    select_action,
    view_submission,
)

MARKETING = "CMKT"
GROUP = "S0MKT"
MARKETER = "U9"
WEAK = "does anyone have a recipe for sourdough bread for the team offsite?"


@pytest.fixture
def slack_settings(slack_settings: Settings) -> Settings:
    return dataclasses.replace(slack_settings, marketing_channel=MARKETING, marketing_group=GROUP)


def posts_to(fake: FakeSlack, channel: str, count: int, timeout: float = 10.0) -> list[SlackCall]:
    deadline = time.monotonic() + timeout
    while True:
        posts = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]
        if len(posts) >= count:
            return posts
        assert time.monotonic() < deadline, f"{len(posts)} of {count} posts to {channel}"
        time.sleep(0.05)


def wait_calls(fake: FakeSlack, method: str, count: int, timeout: float = 10.0) -> list[SlackCall]:
    return fake.wait_for(method, count, timeout)


def ask_in_channel(slack_bot: SlackBot, question: str) -> list[dict[str, Any]]:
    event = app_mention(f"<@UBOT> {question}", user="U1", channel="C1", ts="1700000001.000100")
    slack_bot.sender.post(*event_callback(event, event_id="EvAsk"))
    [answer] = posts_to(slack_bot.fake, "C1", 1)
    return valid_blocks(answer)


def open_and_submit(slack_bot: SlackBot, answer: list[dict[str, Any]], deadline: str) -> None:
    value = button_value(answer, ids.ASK_MARKETING)
    slack_bot.sender.post(*block_actions(ids.ASK_MARKETING, value, user_id="U1", message_ts="1.1"))
    [opened] = wait_calls(slack_bot.fake, "views.open", 1)
    modal = opened.args["view"]
    assert_valid_blocks(modal["blocks"], surface="modal")
    state = {
        ids.NEED_BLOCK: {ids.NEED_ACTION: {"type": "plain_text_input", "value": WEAK}},
        ids.PROSPECT_BLOCK: {ids.PROSPECT_ACTION: {"type": "plain_text_input", "value": "Acme"}},
        ids.STAGE_BLOCK: {
            ids.STAGE_ACTION: {"type": "static_select", "selected_option": {"value": "decision"}}
        },
        ids.DEADLINE_BLOCK: {
            ids.DEADLINE_ACTION: {"type": "static_select", "selected_option": {"value": deadline}}
        },
    }
    status, _, _ = slack_bot.sender.post(
        *view_submission(ids.ASK_MARKETING_VIEW, state, modal["private_metadata"], user_id="U1")
    )
    assert status == 200
    posts_to(slack_bot.fake, "C1", 2)  # the rep is told once the request's post is recorded


def the_request(slack_bot: SlackBot) -> MarketingRequest:
    with slack_bot.services.sessions() as session:
        [row] = session.scalars(select(MarketingRequest))
        session.expunge(row)
        return row


def test_the_whole_ask_marketing_loop(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    answer = ask_in_channel(slack_bot, WEAK)
    [feedback] = [b for b in answer if b.get("block_id") == "feedback"]
    # A weak match: asking marketing comes first.
    assert feedback["elements"][0]["action_id"] == ids.ASK_MARKETING

    value = button_value(answer, ids.ASK_MARKETING)
    slack_bot.sender.post(*block_actions(ids.ASK_MARKETING, value, user_id="U1", message_ts="1.1"))
    [opened] = wait_calls(fake, "views.open", 1)
    modal = opened.args["view"]
    need = modal["blocks"][0]["element"]
    assert need["initial_value"] == WEAK  # prefilled with the question
    fake.clear()
    state = {
        ids.NEED_BLOCK: {ids.NEED_ACTION: {"type": "plain_text_input", "value": WEAK + " <!here>"}},
        ids.PROSPECT_BLOCK: {ids.PROSPECT_ACTION: {"type": "plain_text_input", "value": "Acme"}},
        ids.STAGE_BLOCK: {
            ids.STAGE_ACTION: {"type": "static_select", "selected_option": {"value": "decision"}}
        },
        ids.DEADLINE_BLOCK: {
            ids.DEADLINE_ACTION: {"type": "static_select", "selected_option": {"value": "today"}}
        },
    }
    slack_bot.sender.post(
        *view_submission(ids.ASK_MARKETING_VIEW, state, modal["private_metadata"], user_id="U1")
    )

    [posted] = posts_to(fake, MARKETING, 1)
    assert "thread_ts" not in posted.args  # its own thread
    blocks = valid_blocks(posted)
    text = block_text(blocks)
    assert f"<!subteam^{GROUP}>" in text
    assert "<!here>" not in text and "&lt;!here&gt;" in text
    assert "Acme" in text and "decision" in text and "Today" in text
    [told] = posts_to(fake, "C1", 1)
    assert told.args["thread_ts"] == "1700000001.000100"  # the original answer's thread
    assert "request #" in told.args["text"]
    request = the_request(slack_bot)
    assert (request.channel, request.rep, request.deadline) == (MARKETING, "U1", "today")
    assert request.ts is not None

    # A marketer takes it: the post shows who, the rep is told.
    take = button_value(blocks, ids.REQUEST_TAKE)
    slack_bot.sender.post(
        *block_actions(
            ids.REQUEST_TAKE, take, user_id=MARKETER, channel_id=MARKETING, message_ts=request.ts
        )
    )
    [update] = wait_calls(fake, "chat.update", 1)
    assert update.args["ts"] == request.ts
    assert f"Taken by <@{MARKETER}>" in block_text(update.args["blocks"])
    assert_valid_blocks(update.args["blocks"])
    told = posts_to(fake, "C1", 2)[-1]
    assert f"<@{MARKETER}> (marketing) is on it" in told.args["text"]

    # The type-ahead finds assets by a partial title.
    status, options, _ = slack_bot.sender.post(
        *block_suggestion(ids.REQUEST_PICK, "battlecard forec", block_id=f"request-{request.id}")
    )
    assert status == 200 and isinstance(options, dict)
    titles = [o["text"]["text"] for o in options["options"]]
    assert titles[0].startswith("Battlecard: winning against Forecastly")
    asset_id = options["options"][0]["value"]

    # Picking it sends the asset to the rep's thread as an answer with the usual buttons.
    slack_bot.sender.post(
        *select_action(
            ids.REQUEST_PICK,
            asset_id,
            block_id=f"request-{request.id}",
            user_id=MARKETER,
            channel_id=MARKETING,
            message_ts=request.ts,
        )
    )
    sent = posts_to(fake, "C1", 3)[-1]
    assert sent.args["thread_ts"] == "1700000001.000100"
    sent_blocks = valid_blocks(sent)
    assert ids.USEFUL in block_text(sent_blocks) and "Battlecard" in block_text(sent_blocks)
    note = posts_to(fake, MARKETING, 2)[-1]
    assert note.args["thread_ts"] == request.ts and "Sent to <@U1>" in note.args["text"]
    logged = recommendations(slack_bot.services)[-1]
    assert (logged.source, logged.asker, [i.item_id for i in logged.items]) == (
        "marketing",
        "U1",
        [asset_id],
    )

    # Done: the rep hears it, the times are recorded.
    slack_bot.sender.post(
        *block_actions(
            ids.REQUEST_DONE,
            str(request.id),
            user_id=MARKETER,
            channel_id=MARKETING,
            message_ts=request.ts,
        )
    )
    done = posts_to(fake, "C1", 4)[-1]
    assert "marked request" in done.args["text"] and "done" in done.args["text"]
    row = the_request(slack_bot)
    assert row.status == "done" and row.taker == MARKETER and row.answer_id == logged.id
    assert row.first_response_at is not None and row.done_at is not None
    assert row.created_at <= row.first_response_at <= row.done_at
    for call in [*posts_to(fake, "C1", 4), *posts_to(fake, MARKETING, 2)]:
        valid_blocks(call)  # every note to the rep and to the channel is valid Block Kit
    last_update = wait_calls(fake, "chat.update", 3)[-1]
    assert ids.REQUEST_TAKE not in block_text(last_update.args["blocks"])
    with slack_bot.services.sessions() as session:
        summary = request_summary(session)
    assert (summary.opened, summary.done, summary.open_now) == (1, 1, 0)
    assert summary.median_done is not None
    # The weekly digest and `funnelbot stats` count it.
    assert "Requests to marketing: 1 opened, 1 done, 0 open now" in digest_text(
        weekly_digest(slack_bot.services)
    )
    settings = slack_bot.services.settings
    stats = CliRunner().invoke(
        cli_app,
        ["stats"],
        env={"FUNNELBOT_HOME": str(settings.home), "FUNNELBOT_DATABASE_URL": settings.database_url},
    )
    assert stats.exit_code == 0, stats.output
    assert "1 requests to marketing (1 done, 0 open now)" in " ".join(stats.output.split())


def test_a_reply_with_words_reaches_the_rep_and_counts_as_first_response(
    slack_bot: SlackBot,
) -> None:
    answer = ask_in_channel(slack_bot, WEAK)
    open_and_submit(slack_bot, answer, "no_rush")
    posts_to(slack_bot.fake, MARKETING, 1)
    request = the_request(slack_bot)
    reply = {
        "type": "message",
        "channel_type": "channel",
        "channel": MARKETING,
        "user": MARKETER,
        "text": "We have nothing yet & I'll write one <b>this week</b>",
        "ts": "1700000500.000100",
        "thread_ts": request.ts,
        "event_ts": "1700000500.000100",
    }
    for _ in range(2):  # a redelivery is not passed on twice
        slack_bot.sender.post(*event_callback(reply, event_id="EvReply"))
    told = posts_to(slack_bot.fake, "C1", 3)
    time.sleep(0.3)
    assert len(posts_to(slack_bot.fake, "C1", 3)) == 3
    assert "I'll write one" in told[-1].args["text"]
    assert "&lt;b&gt;" in told[-1].args["text"]
    assert the_request(slack_bot).first_response_at is not None


def test_a_request_answered_with_a_new_asset_closes_its_gap(slack_bot: SlackBot) -> None:
    answer = ask_in_channel(slack_bot, WEAK)
    open_and_submit(slack_bot, answer, "this_week")
    posts_to(slack_bot.fake, MARKETING, 1)
    request = the_request(slack_bot)
    with slack_bot.services.sessions() as session:
        assert request.recommendation_id in {g.recommendation_id for g in gap_questions(session)}
        # Marketing writes the missing asset (it enters the library after the request).
        session.add(
            ContentItem(
                id="blog/sourdough.md",
                title="Sourdough for teams",
                url="https://example.com/sourdough",
                type="blog",
                stages=["awareness"],
                source="blog/sourdough.md",
                content_hash="x",
                first_seen_at=datetime.now(UTC) + timedelta(seconds=1),
            )
        )
        session.commit()
    reply = {
        "type": "message",
        "channel_type": "channel",
        "channel": MARKETING,
        "user": MARKETER,
        "text": "<https://example.com/sourdough|Sourdough> just published",
        "ts": "1700000600.000100",
        "thread_ts": request.ts,
        "event_ts": "1700000600.000100",
    }
    slack_bot.sender.post(*event_callback(reply, event_id="EvNew"))
    posts_to(slack_bot.fake, "C1", 3)
    assert the_request(slack_bot).closes_gap
    with slack_bot.services.sessions() as session:
        gaps = {g.recommendation_id for g in gap_questions(session)}
    assert request.recommendation_id not in gaps


def test_an_unanswered_request_is_reminded_once_after_working_hours(slack_bot: SlackBot) -> None:
    answer = ask_in_channel(slack_bot, WEAK)
    open_and_submit(slack_bot, answer, "today")
    posts_to(slack_bot.fake, MARKETING, 1)
    request = the_request(slack_bot)
    services = slack_bot.services
    client = make_web_client(services.settings)
    assert remind_requests(services, client) == 0  # just opened
    with services.sessions() as session:
        row = session.get_one(MarketingRequest, request.id)
        row.created_at = datetime.now(UTC) - timedelta(days=7)  # past any weekend
        session.commit()
    assert remind_requests(services, client) == 1
    assert remind_requests(services, client) == 0  # once only
    [reminder] = posts_to(slack_bot.fake, MARKETING, 2)[1:]
    assert reminder.args["thread_ts"] == request.ts
    assert reminder.args["reply_broadcast"] in (True, "true", "1")
    assert f"<!subteam^{GROUP}>" in reminder.args["text"] and "still open" in reminder.args["text"]
    assert_valid_blocks(reminder.args["blocks"])


def test_the_marketer_home_tab_shows_open_requests(slack_bot: SlackBot) -> None:
    answer = ask_in_channel(slack_bot, WEAK)
    open_and_submit(slack_bot, answer, "today")
    slack_bot.fake.channel_members[MARKETING] = [MARKETER]
    slack_bot.sender.post(*event_callback(app_home_opened(MARKETER), event_id="EvHome"))
    [published] = slack_bot.fake.wait_for("views.publish", timeout=30)
    blocks = published.args["view"]["blocks"]
    assert_valid_blocks(blocks, surface="home")
    text = block_text(blocks)
    assert "Asks from sales" in text and "1 open" in text and "#1 <@U1>" in text
    assert "median time to answer" in text


def test_working_hours_skip_nights_and_weekends() -> None:
    friday_4pm = datetime(2026, 12, 4, 16, tzinfo=UTC)
    monday_11am = datetime(2026, 12, 7, 11, tzinfo=UTC)
    assert working_hours_between(friday_4pm, monday_11am) == pytest.approx(3.0)
    assert working_hours_between(monday_11am, monday_11am - timedelta(hours=1)) == 0.0


def test_request_messages_without_a_group_mention_nobody() -> None:
    from bot.marketing_requests import RequestFacts
    from content_store.models import RequestStatus

    facts = RequestFacts(
        id=3,
        rep="U1",
        need="x",
        prospect=None,
        stage=None,
        deadline="no_rush",
        status=RequestStatus.OPEN,
        taker=None,
        done_by=None,
        channel=MARKETING,
        ts="1.0",
        rep_channel="U1",
        rep_thread_ts=None,
        asset=None,
    )
    text, blocks = request_message(facts, group=None)
    assert_valid_blocks(blocks)
    assert "subteam" not in json.dumps(blocks) + text


def test_request_controls_count_only_in_the_marketing_channel_and_once(
    slack_bot: SlackBot,
) -> None:
    answer = ask_in_channel(slack_bot, WEAK)
    open_and_submit(slack_bot, answer, "today")
    request = the_request(slack_bot)
    fake = slack_bot.fake

    def take(user: str, channel: str) -> str:
        before = len(fake.calls_to("chat.postEphemeral"))
        slack_bot.sender.post(
            *block_actions(
                ids.REQUEST_TAKE,
                str(request.id),
                user_id=user,
                channel_id=channel,
                message_ts="1.0",
            )
        )
        return str(fake.wait_for("chat.postEphemeral", before + 1)[before].args["text"])

    assert "marketing channel" in take(MARKETER, "C1")  # a click from elsewhere
    assert the_request(slack_bot).taker is None
    slack_bot.sender.post(
        *block_actions(
            ids.REQUEST_TAKE,
            str(request.id),
            user_id=MARKETER,
            channel_id=MARKETING,
            message_ts="1.0",
        )
    )
    fake.wait_for("chat.update")
    assert f"<@{MARKETER}> already took request #{request.id}" in take("U8", MARKETING)
    assert the_request(slack_bot).taker == MARKETER
