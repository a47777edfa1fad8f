"""/prospect stores a stage that later questions use; the Home tab shows a rep their history."""

from __future__ import annotations

from bot.slack import ids
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, recommendations
from tests.slack_support import app_home_opened, assert_valid_blocks, event_callback, slash_command


def prospect(slack_bot: SlackBot, text: str, user: str = "U1") -> dict:
    status, body, elapsed = slack_bot.sender.post(
        *slash_command(
            ids.PROSPECT_COMMAND, text, user_id=user, response_url=slack_bot.response_url()
        )
    )
    assert status == 200
    assert elapsed < 3.0
    assert isinstance(body, dict)
    assert_valid_blocks(body.get("blocks", []))
    return body


def test_prospect_stage_is_stored_then_used_by_a_question_naming_it(slack_bot: SlackBot) -> None:
    stored = prospect(slack_bot, "Acme Foods negotiation")
    assert "Acme Foods" in stored["text"] and "decision" in stored["text"]

    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND,
            "what should I send acme foods this week?",
            response_url=slack_bot.response_url(),
        )
    )

    [reply] = slack_bot.fake.wait_for("response_url")
    assert "stored for Acme Foods" in block_text(reply.args["blocks"])
    [row] = recommendations(slack_bot.services)
    assert (row.stage, row.stage_source, row.prospect) == ("decision", "prospect", "Acme Foods")


def test_prospect_show_lists_the_history(slack_bot: SlackBot) -> None:
    prospect(slack_bot, "Globex awareness")
    prospect(slack_bot, "Globex: consideration", user="U2")

    shown = prospect(slack_bot, "globex")

    text = block_text(shown["blocks"])
    assert "*Globex* is at the *consideration* stage" in text
    assert "awareness by <@U1>" in text
    assert "consideration by <@U2>" in text


def test_unknown_prospect_and_empty_text_get_guidance(slack_bot: SlackBot) -> None:
    assert "No stage stored for Initech" in prospect(slack_bot, "Initech")["text"]
    assert "Usage" in prospect(slack_bot, "")["text"]


def test_home_tab_shows_the_reps_recent_questions(slack_bot: SlackBot) -> None:
    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND, "SOC 2 report <please>", response_url=slack_bot.response_url()
        )
    )
    slack_bot.fake.wait_for("response_url")

    slack_bot.sender.post(*event_callback(app_home_opened("U1"), event_id="EvH1"))

    [published] = slack_bot.fake.wait_for("views.publish")
    assert published.args["user_id"] == "U1"
    view = published.args["view"]
    assert view["type"] == "home"
    assert_valid_blocks(view["blocks"], surface="home")
    text = block_text(view["blocks"])
    assert "SOC 2 report &lt;please&gt;" in text
    assert f"#{recommendations(slack_bot.services)[0].id}" in text


def test_every_declared_command_and_event_is_handled(slack_bot: SlackBot) -> None:
    """Bolt answers 404 to a request no listener takes: a declared-but-unhandled one fails."""
    from tests.slack_support import app_mention, dm_message

    for command in ids.COMMANDS:
        status, _, _ = slack_bot.sender.post(
            *slash_command(command, "help", response_url=slack_bot.response_url())
        )
        assert status == 200, command
    events = {
        "app_home_opened": app_home_opened("U1"),
        "app_mention": app_mention("<@UBOT> help", user="U1", channel="C1", ts="1.1"),
        "message.im": dm_message("help", user="U1", ts="1.2"),
        "message.channels": dm_message("hi", user="U1", ts="1.4")
        | {"channel_type": "channel", "channel": "C1"},
        "message.groups": dm_message("hi", user="U1", ts="1.5")
        | {"channel_type": "group", "channel": "G1"},
        "app_context_changed": {
            "type": "app_context_changed",
            "user": "U1",
            "context": {},
            "event_ts": "1.6",
        },
        "link_shared": {
            "type": "link_shared",
            "channel": "C1",
            "user": "U1",
            "message_ts": "1.7",
            "links": [{"domain": "example.com", "url": "https://example.com/x"}],
            "event_ts": "1.7",
        },
    }
    assert set(events) == set(ids.BOT_EVENTS)
    for n, (name, event) in enumerate(events.items()):
        status, _, _ = slack_bot.sender.post(*event_callback(event, event_id=f"EvAll{n}"))
        assert status == 200, name
    # The check has teeth: an event nobody listens to is answered 404.
    unheard = {"type": "reaction_added", "user": "U1", "reaction": "tada", "event_ts": "1.3"}
    status, _, _ = slack_bot.sender.post(*event_callback(unheard, event_id="EvNone"))
    assert status == 404
