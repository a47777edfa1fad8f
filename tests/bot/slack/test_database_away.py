"""A mention while the database is held by another writer: answered within the timeout, logged
once when the writer lets go, and its buttons (which carry a provisional id) still work."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.slack import ids
from content_store.models import Feedback, Recommendation
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import button_value, valid_blocks
from tests.reliability.db_faults import replayed, writer_holding_the_database
from tests.slack_support import app_mention, block_actions, event_callback


def test_a_mention_while_the_database_is_held_is_answered_and_its_buttons_work_after_replay(
    slack_bot: SlackBot, database_url: str
) -> None:
    event = app_mention(
        "<@UBOT> prospect asked for our SOC 2 report",
        user="U1",
        channel="C9",
        ts="1700000001.000100",
    )
    with writer_holding_the_database(database_url):
        started = time.monotonic()
        status, _, _ = slack_bot.sender.post(*event_callback(event, event_id="EvDown1"))
        [post] = slack_bot.fake.wait_for("chat.postMessage", timeout=10)
        answered_in = time.monotonic() - started
    replayed(slack_bot.services)
    useful = button_value(valid_blocks(post), ids.USEFUL)
    slack_bot.sender.post(
        *block_actions(
            ids.USEFUL, useful, channel_id="C9", response_url=slack_bot.response_url("click")
        )
    )
    slack_bot.fake.wait_for("response_url")

    assert status == 200
    assert int(useful) < 0  # answered with a provisional id while the log was held
    # Claiming the event and the log write each waited out the timeout at most.
    assert answered_in < 2 * slack_bot.services.settings.db_timeout_seconds + 2.0
    with slack_bot.services.sessions() as session:
        [row] = session.scalars(select(Recommendation)).all()
        [click] = session.scalars(select(Feedback)).all()
    assert (row.request_key, row.provisional_id) == ("EvDown1", int(useful))
    assert (click.recommendation_id, click.kind, click.user) == (row.id, "useful", "U1")
