"""Every click on an answer is one feedback row; 👎 asks why; share posts for everyone."""

from __future__ import annotations

import json

import pytest

from bot.slack import ids
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import (
    block_text,
    button_value,
    feedback_rows,
    recommendations,
    valid_blocks,
)
from tests.slack_support import (
    assert_valid_blocks,
    block_actions,
    slash_command,
    view_submission,
)


@pytest.fixture
def answered(slack_bot: SlackBot) -> list[dict[str, object]]:
    """A /content answer delivered to U1; returns its blocks."""
    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND,
            "Acme is comparing us with Forecastly, what do I send?",
            response_url=slack_bot.response_url("answer"),
        )
    )
    [reply] = slack_bot.fake.wait_for("response_url")
    slack_bot.fake.clear()
    return valid_blocks(reply)


def click(slack_bot: SlackBot, action_id: str, value: str, *, user: str = "U1") -> None:
    status, _, elapsed = slack_bot.sender.post(
        *block_actions(action_id, value, user_id=user, response_url=slack_bot.response_url("click"))
    )
    assert status == 200
    assert elapsed < 3.0


def test_useful_click_is_one_feedback_row(slack_bot: SlackBot, answered: list) -> None:
    click(slack_bot, ids.USEFUL, button_value(answered, ids.USEFUL))

    [note] = slack_bot.fake.wait_for("response_url")
    assert "useful" in note.args["text"].lower()
    [row] = feedback_rows(slack_bot.services)
    [rec] = recommendations(slack_bot.services)
    assert (row.kind, row.user, row.recommendation_id, row.item_id) == (
        "useful",
        "U1",
        rec.id,
        None,
    )


def test_not_useful_records_the_click_then_asks_why(slack_bot: SlackBot, answered: list) -> None:
    click(slack_bot, ids.NOT_USEFUL, button_value(answered, ids.NOT_USEFUL))

    [opened] = slack_bot.fake.wait_for("views.open")
    view = opened.args["view"]
    assert opened.args["trigger_id"] == "tr1"
    assert view["callback_id"] == ids.NOT_USEFUL_REASON_VIEW
    assert_valid_blocks(view["blocks"], surface="modal")
    [row] = feedback_rows(slack_bot.services)
    assert (row.kind, row.reason) == ("not_useful", None)

    values = {
        ids.REASON_BLOCK: {
            ids.REASON_ACTION: {"type": "static_select", "selected_option": {"value": "outdated"}}
        },
        ids.COMMENT_BLOCK: {ids.COMMENT_ACTION: {"type": "plain_text_input", "value": "2024 data"}},
    }
    status, body, _ = slack_bot.sender.post(
        *view_submission(ids.NOT_USEFUL_REASON_VIEW, values, view["private_metadata"])
    )

    assert status == 200
    assert not body  # a plain ack closes the modal
    [row] = feedback_rows(slack_bot.services)
    assert (row.kind, row.reason, row.comment) == ("not_useful", "outdated", "2024 data")


def test_someone_else_cannot_explain_my_thumbs_down(slack_bot: SlackBot, answered: list) -> None:
    click(slack_bot, ids.NOT_USEFUL, button_value(answered, ids.NOT_USEFUL))
    [opened] = slack_bot.fake.wait_for("views.open")
    values = {
        ids.REASON_BLOCK: {
            ids.REASON_ACTION: {"type": "static_select", "selected_option": {"value": "other"}}
        }
    }

    status, body, _ = slack_bot.sender.post(
        *view_submission(
            ids.NOT_USEFUL_REASON_VIEW,
            values,
            opened.args["view"]["private_metadata"],
            user_id="U2",
        )
    )

    assert status == 200
    assert isinstance(body, dict) and body["response_action"] == "errors"
    [row] = feedback_rows(slack_bot.services)
    assert row.reason is None


def test_sent_it_records_the_asset(slack_bot: SlackBot, answered: list) -> None:
    value = button_value(answered, ids.SENT)
    asset = json.loads(value)["a"]

    click(slack_bot, ids.SENT, value)

    [note] = slack_bot.fake.wait_for("response_url")
    [row] = feedback_rows(slack_bot.services)
    assert (row.kind, row.item_id, row.user) == ("sent", asset, "U1")
    title = slack_bot.services.searcher().assets[asset].title
    assert title in note.args["text"]


def test_share_posts_the_answer_for_everyone_and_logs_it(
    slack_bot: SlackBot, answered: list
) -> None:
    click(slack_bot, ids.SHARE, button_value(answered, ids.SHARE))

    [post] = slack_bot.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "C1"
    shared = block_text(valid_blocks(post))
    assert "Shared by <@U1>" in shared
    first_title = (
        slack_bot.services.searcher()
        .assets[recommendations(slack_bot.services)[0].items[0].item_id]
        .title
    )
    assert first_title in shared
    assert ids.SHARE not in shared  # a shared answer is not shared again
    [row] = feedback_rows(slack_bot.services)
    assert (row.kind, row.user) == ("shared", "U1")


def test_share_falls_back_to_the_response_url_when_the_bot_is_not_in_the_channel(
    slack_bot: SlackBot, answered: list
) -> None:
    slack_bot.fake.on("chat.postMessage", {"ok": False, "error": "not_in_channel"})

    click(slack_bot, ids.SHARE, button_value(answered, ids.SHARE))

    replies = slack_bot.fake.wait_for("response_url", count=2)
    public = [r for r in replies if r.args.get("response_type") == "in_channel"]
    assert len(public) == 1
    valid_blocks(public[0])


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (ids.USEFUL, "999999"),
        (ids.USEFUL, "not-a-number"),
        (ids.SENT, json.dumps({"r": 1, "a": "no-such-asset"})),
        (ids.SENT, "{broken"),
    ],
)
def test_tampered_buttons_are_refused_and_record_nothing(
    slack_bot: SlackBot, answered: list, action_id: str, value: str
) -> None:
    click(slack_bot, action_id, value)

    [note] = slack_bot.fake.wait_for("response_url")
    assert "nothing was recorded" in note.args["text"]
    assert feedback_rows(slack_bot.services) == []
