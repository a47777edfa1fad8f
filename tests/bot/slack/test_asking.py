"""Reps ask through /content, a mention or a DM, and get one stage-aware answer, logged."""

from __future__ import annotations

from bot.slack import ids
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, recommendations, valid_blocks
from tests.slack_support import app_mention, dm_message, event_callback, slash_command

SOC2 = "prospect asked for our SOC 2 report"
SECURITY_TITLE = "Tidewell security whitepaper and SOC 2 Type II overview"
SECURITY_URL = "https://trust.tidewell.example/security-whitepaper"


def test_content_command_answers_privately_with_the_expected_asset(slack_bot: SlackBot) -> None:
    status, _body, elapsed = slack_bot.sender.post(
        *slash_command(ids.CONTENT_COMMAND, SOC2, response_url=slack_bot.response_url())
    )

    assert status == 200
    assert elapsed < 3.0
    [reply] = slack_bot.fake.wait_for("response_url")
    assert reply.args["response_type"] == "ephemeral"
    text = block_text(valid_blocks(reply))
    assert f"<{SECURITY_URL}|{SECURITY_TITLE}>" in text
    assert ids.SHARE in text
    [row] = recommendations(slack_bot.services)
    assert (row.source, row.asker, row.channel_id, row.question) == ("slash", "U1", "C1", SOC2)
    # The stage is inferred by the trained model: whichever it is, the answer names the logged one.
    assert row.stage in {"awareness", "consideration", "decision"}
    assert f"{row.stage} stage" in text
    assert row.items[0].item_id == "sec-security-whitepaper"


def test_empty_content_command_gets_usage_not_an_error(slack_bot: SlackBot) -> None:
    for text in ("", "help"):
        status, body, _ = slack_bot.sender.post(
            *slash_command(ids.CONTENT_COMMAND, text, response_url=slack_bot.response_url())
        )
        assert status == 200
        assert isinstance(body, dict)
        assert "/content" in body["text"]
        assert body["response_type"] == "ephemeral"
    assert recommendations(slack_bot.services) == []


def test_mention_is_answered_once_in_a_thread_under_the_question(slack_bot: SlackBot) -> None:
    event = app_mention(f"<@UBOT> {SOC2}", user="U1", channel="C9", ts="1700000001.000100")

    status, _, _ = slack_bot.sender.post(*event_callback(event, event_id="EvM1"))

    assert status == 200
    [post] = slack_bot.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "C9"
    assert post.args["thread_ts"] == "1700000001.000100"
    assert SECURITY_TITLE in block_text(valid_blocks(post))
    [row] = recommendations(slack_bot.services)
    assert (row.source, row.question, row.thread_ts) == ("mention", SOC2, "1700000001.000100")
    assert slack_bot.fake.calls_to("chat.postMessage") == [post]


def test_follow_up_in_the_thread_is_read_in_the_first_questions_context(
    slack_bot: SlackBot,
) -> None:
    first = app_mention(
        "<@UBOT> they're in evaluation, need a logistics case study",
        user="U1",
        channel="C9",
        ts="1700000002.000100",
    )
    slack_bot.sender.post(*event_callback(first, event_id="EvF1"))
    slack_bot.fake.wait_for("chat.postMessage")
    follow = app_mention(
        "<@UBOT> anything for decision stage?",
        user="U1",
        channel="C9",
        ts="1700000002.000200",
        thread_ts="1700000002.000100",
    )

    slack_bot.sender.post(*event_callback(follow, event_id="EvF2"))

    posts = slack_bot.fake.wait_for("chat.postMessage", count=2)
    assert posts[1].args["thread_ts"] == "1700000002.000100"
    first_row, second_row = recommendations(slack_bot.services)
    assert first_row.stage == "consideration"
    assert (second_row.stage, second_row.stage_source) == ("decision", "stated")
    assert second_row.question == "anything for decision stage?"
    assert second_row.thread_ts == "1700000002.000100"
    # Context carried over: the bare follow-up has no topic, yet logistics content is found.
    services = slack_bot.services
    tags = [services.searcher().assets[i.item_id].tags for i in second_row.items]
    assert any("logistics" in t for t in tags)


def test_more_like_n_searches_around_that_asset(slack_bot: SlackBot) -> None:
    first = app_mention(f"<@UBOT> {SOC2}", user="U1", channel="C9", ts="1700000003.000100")
    slack_bot.sender.post(*event_callback(first, event_id="EvL1"))
    slack_bot.fake.wait_for("chat.postMessage")
    second_asset = recommendations(slack_bot.services)[0].items[1].item_id
    follow = app_mention(
        "<@UBOT> more like 2",
        user="U1",
        channel="C9",
        ts="1700000003.000200",
        thread_ts="1700000003.000100",
    )

    slack_bot.sender.post(*event_callback(follow, event_id="EvL2"))

    slack_bot.fake.wait_for("chat.postMessage", count=2)
    _, row = recommendations(slack_bot.services)
    assert second_asset in [i.item_id for i in row.items[:2]]


def test_direct_message_is_answered_in_the_dm(slack_bot: SlackBot) -> None:
    event = dm_message("why would a retailer drop spreadsheets?", user="U2", ts="1700000004.0001")

    slack_bot.sender.post(*event_callback(event, event_id="EvD1"))

    [post] = slack_bot.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "D1"
    assert "thread_ts" not in post.args or post.args["thread_ts"] is None
    valid_blocks(post)
    [row] = recommendations(slack_bot.services)
    assert (row.source, row.asker) == ("dm", "U2")


def test_bot_messages_and_edits_in_a_dm_are_not_questions(slack_bot: SlackBot) -> None:
    edited = dm_message("edited text", user="U2", ts="1700000005.0001") | {
        "subtype": "message_changed"
    }
    from_a_bot = dm_message("a bot speaking", user="U3", ts="1700000005.0002") | {"bot_id": "B9"}

    slack_bot.sender.post(*event_callback(edited, event_id="EvX1"))
    slack_bot.sender.post(*event_callback(from_a_bot, event_id="EvX2"))
    slack_bot.sender.post(
        *event_callback(dm_message("SOC 2?", user="U2", ts="1700000005.0003"), event_id="EvX3")
    )

    slack_bot.fake.wait_for("chat.postMessage")
    assert len(recommendations(slack_bot.services)) == 1


def test_retried_event_is_answered_once(slack_bot: SlackBot) -> None:
    event = app_mention(f"<@UBOT> {SOC2}", user="U1", channel="C9", ts="1700000006.000100")
    body = event_callback(event, event_id="EvR1")

    first, _, _ = slack_bot.sender.post(*body)
    again, _, _ = slack_bot.sender.post(*body, retry_num=1)
    third, _, _ = slack_bot.sender.post(*body, retry_num=2)

    assert (first, again, third) == (200, 200, 200)
    slack_bot.fake.wait_for("chat.postMessage")
    import time

    time.sleep(1.0)  # give a wrongly accepted retry the time to post a second answer
    assert len(slack_bot.fake.calls_to("chat.postMessage")) == 1
    assert len(recommendations(slack_bot.services)) == 1


def test_channel_ping_in_a_question_pings_nobody(slack_bot: SlackBot) -> None:
    question = "<!channel> <@U2> <https://evil.example|click> what about SOC 2?"

    slack_bot.sender.post(
        *slash_command(ids.CONTENT_COMMAND, question, response_url=slack_bot.response_url())
    )

    [reply] = slack_bot.fake.wait_for("response_url")
    text = block_text(valid_blocks(reply))
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
    assert "<@U2>" not in text
    assert "<https://evil.example" not in text
    [row] = recommendations(slack_bot.services)
    assert row.question == question  # logged as asked


def test_ten_thousand_character_question_is_answered_within_block_limits(
    slack_bot: SlackBot,
) -> None:
    question = ("Our prospect needs the SOC 2 report and pricing. " * 200)[:10_000]

    slack_bot.sender.post(
        *slash_command(ids.CONTENT_COMMAND, question, response_url=slack_bot.response_url())
    )

    [reply] = slack_bot.fake.wait_for("response_url")
    valid_blocks(reply)
    [row] = recommendations(slack_bot.services)
    assert len(row.question) == len(question.strip())


def test_too_long_question_gets_a_clear_message_and_no_log_row(slack_bot: SlackBot) -> None:
    slack_bot.sender.post(
        *slash_command(ids.CONTENT_COMMAND, "x" * 10_050, response_url=slack_bot.response_url())
    )

    [reply] = slack_bot.fake.wait_for("response_url")
    assert "10,050 characters" in reply.args["text"]
    assert recommendations(slack_bot.services) == []
