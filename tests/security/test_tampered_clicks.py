"""A button's value is a number anyone can change: a click counts only if its answer was shown
to the clicker, and a refused click records nothing, opens nothing and posts nothing."""

from __future__ import annotations

import json
import time

import pytest

from bot.feedback import FeedbackError, give_feedback
from bot.recommend import Question, recommend
from bot.services import Services
from bot.slack import ids
from content_store.models import FeedbackKind
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import button_value, feedback_rows, recommendations, valid_blocks
from tests.slack_support import app_mention, block_actions, event_callback, slash_command

SOC2 = "prospect asked for our SOC 2 report"
REFUSED = "nothing was recorded"


# --- the rule, on the use case ------------------------------------------------------------


def _answer(services: Services, source: str, channel: str | None) -> int:
    asker = None if source == "cli" else "U1"
    question = Question(text=SOC2, source=source, asker=asker, channel_id=channel)
    return recommend(services, question).recommendation_id


@pytest.mark.parametrize(
    ("source", "answered_in", "user", "clicked_in", "counts"),
    [
        ("slash", "C1", "U1", "C1", True),  # the asker
        ("slash", "C1", "U1", None, True),  # the asker, from the Home tab
        ("slash", "C1", "U2", "C1", False),  # ephemeral: U2 never saw it
        ("slash", "C1", "U2", None, False),
        ("mention", "C9", "U2", "C9", True),  # posted in C9: everyone there saw it
        ("mention", "C9", "U2", "C1", False),  # ...but not from another channel
        ("mention", "C9", "U2", None, False),
        ("dm", "D1", "U2", "D7", False),
        ("cli", None, "U2", None, False),
        ("cli", None, None, None, False),  # no asker is nobody's answer, not everybody's
    ],
)
def test_a_click_counts_only_where_the_answer_was_shown(
    ingested: Services,
    source: str,
    answered_in: str | None,
    user: str | None,
    clicked_in: str | None,
    counts: bool,
) -> None:
    rec = _answer(ingested, source, answered_in)
    click = {"user": user, "channel": clicked_in}

    if counts:
        give_feedback(ingested, rec, FeedbackKind.USEFUL, **click)
        assert [(r.user, r.kind) for r in feedback_rows(ingested)] == [(user, "useful")]
    else:
        with pytest.raises(FeedbackError, match="not shown to"):
            give_feedback(ingested, rec, FeedbackKind.USEFUL, **click)
        assert feedback_rows(ingested) == []


def test_a_shared_slash_answer_takes_clicks_from_its_channel_only(ingested: Services) -> None:
    rec = _answer(ingested, "slash", "C1")
    with pytest.raises(FeedbackError):
        give_feedback(ingested, rec, FeedbackKind.USEFUL, user="U2", channel="C1")

    give_feedback(ingested, rec, FeedbackKind.SHARED, user="U1", channel="C1")
    give_feedback(ingested, rec, FeedbackKind.USEFUL, user="U2", channel="C1")
    with pytest.raises(FeedbackError):
        give_feedback(ingested, rec, FeedbackKind.USEFUL, user="U3", channel="C2")

    assert [(r.user, r.kind) for r in feedback_rows(ingested)] == [
        ("U1", "shared"),
        ("U2", "useful"),
    ]


def test_sent_it_for_an_asset_the_answer_did_not_offer_is_refused(ingested: Services) -> None:
    rec = _answer(ingested, "slash", "C1")
    offered = {i.item_id for i in recommendations(ingested)[0].items}
    other = next(a for a in ingested.searcher().assets if a not in offered)

    for asset in (other, "no-such-asset", "../../etc/passwd", ""):
        with pytest.raises(FeedbackError):
            give_feedback(ingested, rec, FeedbackKind.SENT, user="U1", channel="C1", asset_id=asset)
    assert feedback_rows(ingested) == []


# --- the same, through Slack --------------------------------------------------------------


@pytest.fixture
def private_answer(slack_bot: SlackBot) -> list[dict[str, object]]:
    """U1's /content answer in C1: ephemeral, only U1 saw it."""
    slack_bot.sender.post(
        *slash_command(ids.CONTENT_COMMAND, SOC2, response_url=slack_bot.response_url("answer"))
    )
    [reply] = slack_bot.fake.wait_for("response_url")
    slack_bot.fake.clear()
    return valid_blocks(reply)


def click(
    slack_bot: SlackBot,
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str | None = "C1",
    token: str = "click",
) -> str:
    """Click as `user` in `channel`; the note the clicker got back."""
    status, _, _ = slack_bot.sender.post(
        *block_actions(
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            response_url=slack_bot.response_url(token),
        )
    )
    assert status == 200
    deadline = time.monotonic() + 10
    while True:  # the note on this click's own response_url, whatever else arrived before
        notes = [c for c in slack_bot.fake.calls_to("response_url") if c.args["_token"] == token]
        if notes:
            return str(notes[-1].args.get("text"))
        assert time.monotonic() < deadline, f"no note on response_url {token}"
        time.sleep(0.05)


@pytest.mark.parametrize("action_id", [ids.USEFUL, ids.NOT_USEFUL, ids.SHARE])
def test_another_users_answer_id_is_refused_records_nothing_opens_and_posts_nothing(
    slack_bot: SlackBot, private_answer: list, action_id: str
) -> None:
    note = click(slack_bot, action_id, button_value(private_answer, action_id), user="U2")

    assert REFUSED in note
    assert feedback_rows(slack_bot.services) == []
    assert slack_bot.fake.calls_to("views.open") == []
    assert slack_bot.fake.calls_to("chat.postMessage") == []


def test_sent_it_with_another_users_answer_is_refused(
    slack_bot: SlackBot, private_answer: list
) -> None:
    value = button_value(private_answer, ids.SENT)
    assert REFUSED in click(slack_bot, ids.SENT, value, user="U2")
    forged = json.dumps({"r": json.loads(value)["r"], "a": "pricing-sheet-2027"})
    assert REFUSED in click(slack_bot, ids.SENT, forged, user="U1", token="forged")
    assert feedback_rows(slack_bot.services) == []


def test_once_shared_the_channel_may_click_but_nobody_elsewhere(
    slack_bot: SlackBot, private_answer: list
) -> None:
    rec = button_value(private_answer, ids.USEFUL)
    click(slack_bot, ids.SHARE, button_value(private_answer, ids.SHARE), user="U1", token="s")
    slack_bot.fake.wait_for("chat.postMessage")

    assert "useful" in click(slack_bot, ids.USEFUL, rec, user="U2", channel="C1", token="in")
    assert REFUSED in click(slack_bot, ids.USEFUL, rec, user="U2", channel="C2", token="out")
    assert [(r.user, r.kind) for r in feedback_rows(slack_bot.services)] == [
        ("U1", "shared"),
        ("U2", "useful"),
    ]


def test_a_mention_answer_takes_clicks_from_its_channel(slack_bot: SlackBot) -> None:
    event = app_mention(f"<@UBOT> {SOC2}", user="U1", channel="C9", ts="1700000001.000100")
    slack_bot.sender.post(*event_callback(event, event_id="EvTamper"))
    [post] = slack_bot.fake.wait_for("chat.postMessage")
    rec = button_value(valid_blocks(post), ids.USEFUL)

    assert "useful" in click(slack_bot, ids.USEFUL, rec, user="U2", channel="C9", token="c9")
    assert REFUSED in click(slack_bot, ids.USEFUL, rec, user="U2", channel="C1", token="c1")
    assert [r.user for r in feedback_rows(slack_bot.services)] == ["U2"]
    assert len(recommendations(slack_bot.services)) == 1
