"""A question with nothing to search on is asked back, with the stage to pick, not logged as a
content gap; the pick answers it again at that stage in the same thread."""

from __future__ import annotations

from bot.slack import ids
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, button_value, recommendations, valid_blocks
from tests.slack_support import block_actions, slash_command


def test_a_vague_question_is_asked_back_and_a_stage_pick_answers_it(slack_bot: SlackBot) -> None:
    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND, "what do I send?", response_url=slack_bot.response_url("answer")
        )
    )
    [reply] = slack_bot.fake.wait_for("response_url")
    blocks = valid_blocks(reply)
    assert "Tell me a little more" in block_text(blocks)
    [row] = recommendations(slack_bot.services)
    assert not row.weak  # not a content gap for marketing
    slack_bot.fake.clear()

    value = button_value(blocks, f"{ids.CLARIFY_STAGE}.decision")
    status, _, _ = slack_bot.sender.post(
        *block_actions(
            f"{ids.CLARIFY_STAGE}.decision",
            value,
            message_ts="1700000000.000100",
            response_url=slack_bot.response_url("click"),
        )
    )

    assert status == 200
    [post] = slack_bot.fake.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == "1700000000.000100"
    answered = block_text(valid_blocks(post))
    assert "decision stage, as you said" in answered
    latest = recommendations(slack_bot.services)[-1]
    assert (latest.stage, latest.stage_source, latest.source) == ("decision", "stated", "clarify")


def test_a_tampered_stage_pick_is_refused(slack_bot: SlackBot) -> None:
    status, _, _ = slack_bot.sender.post(
        *block_actions(
            f"{ids.CLARIFY_STAGE}.decision",
            '{"r": 1, "s": "soonish"}',
            message_ts="1700000000.000100",
            response_url=slack_bot.response_url("click"),
        )
    )
    assert status == 200
    [note] = slack_bot.fake.wait_for("response_url")
    assert "chat.postMessage" not in [c.method for c in slack_bot.fake.calls]
    assert note.args["text"]
