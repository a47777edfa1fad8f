"""Each answer is a thread in the marketing channel; reactions are its replies; a marketer's reply
naming an asset reaches the rep. Posts go through the outbox: paced, retried, never lost."""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.services import Services
from bot.settings import Settings
from bot.slack import ids
from bot.slack.blocks.marketing import answer_post, split_escaped
from bot.slack.client import make_web_client
from bot.slack.mrkdwn import escape, link
from bot.slack.outbox_worker import OutboxWorker
from content_store.models import OutboxMessage, OutboxStatus
from content_store.outbox import claim_next
from index.embedder import Embedder
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import button_value, feedback_rows, recommendations, valid_blocks
from tests.slack_support import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    FakeSlack,
    SlackCall,
    assert_valid_blocks,
    block_actions,
    event_callback,
    slash_command,
    view_submission,
)

MARKETING = "CMKT"
PACE = 0.2
SOC2 = "prospect asked for our SOC 2 report"
COMPARE = "Acme is comparing us with Forecastly, what do I send?"


@pytest.fixture
def slack_settings(slack_settings: Settings) -> Settings:
    return dataclasses.replace(slack_settings, marketing_channel=MARKETING)


def start_worker(services: Services) -> OutboxWorker:
    client = make_web_client(services.settings, retries=False)
    worker = OutboxWorker(services.sessions, client, pace_s=PACE, poll_s=0.05)
    worker.start()
    return worker


TsOf = Callable[[SlackCall], str]


@pytest.fixture
def ts_of(fake_slack: FakeSlack) -> TsOf:
    """The ts the fake Slack answered a chat.postMessage call with."""
    stamped: list[tuple[dict[str, Any], str]] = []
    post_message = fake_slack._api_chat_postMessage

    def stamp(args: dict[str, Any]) -> dict[str, Any]:
        answer = post_message(args)
        stamped.append((args, str(answer.get("ts"))))
        return answer

    fake_slack.on("chat.postMessage", stamp)
    return lambda call: next(ts for args, ts in stamped if args is call.args)


@pytest.fixture
def worker(slack_bot: SlackBot) -> Iterator[OutboxWorker]:
    running = start_worker(slack_bot.services)
    yield running
    running.stop()


def channel_posts(
    fake: FakeSlack, channel: str, count: int, timeout: float = 15.0
) -> list[SlackCall]:
    """Wait until `count` chat.postMessage calls to `channel` were answered; return them all."""
    deadline = time.monotonic() + timeout
    while True:
        posts = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]
        if len(posts) >= count or time.monotonic() > deadline:
            assert len(posts) >= count, f"{len(posts)} of {count} posts to {channel}"
            return posts
        time.sleep(0.05)


def ask(slack_bot: SlackBot, question: str, *, user: str = "U1", token: str = "a") -> list:
    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND, question, user_id=user, response_url=slack_bot.response_url(token)
        )
    )
    return valid_blocks(wait_response(slack_bot, token))


def click(slack_bot: SlackBot, action_id: str, value: str, token: str) -> None:
    slack_bot.sender.post(
        *block_actions(action_id, value, user_id="U1", response_url=slack_bot.response_url(token))
    )


def wait_response(slack_bot: SlackBot, token: str) -> SlackCall:
    """The first message posted to the response_url named `token`."""
    deadline = time.monotonic() + 10
    while True:
        replies = [c for c in slack_bot.fake.calls_to("response_url") if c.args["_token"] == token]
        if replies:
            return replies[0]
        assert time.monotonic() < deadline, f"no reply on response_url {token}"
        time.sleep(0.05)


def section_text(blocks: list[dict[str, Any]]) -> str:
    return "".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def thread_reply(
    text: str, *, user: str, ts: str, thread_ts: str | None, channel: str = MARKETING, **extra: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "channel_type": "channel",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": TEAM_ID,
        **extra,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def test_an_answer_is_posted_to_the_marketing_channel_with_the_whole_question(
    slack_bot: SlackBot, worker: OutboxWorker
) -> None:
    # Long enough to need four sections, with markup that must not ping or break anything.
    question = SOC2 + " <!channel> & " + " ".join(f"detail{n} <b>&" for n in range(600))
    assert len(question) <= 10_000

    ask(slack_bot, question)

    [post] = channel_posts(slack_bot.fake, MARKETING, 1)
    assert "thread_ts" not in post.args
    blocks = valid_blocks(post)
    assert len(blocks) <= 50
    assert escape(question) in section_text(blocks)
    assert "<!channel>" not in json.dumps(blocks)
    assert post.args["text"].startswith("<@U1> asked")
    [row] = recommendations(slack_bot.services)
    first = slack_bot.services.searcher().assets[row.items[0].item_id]
    assert link(first.url, first.title) in section_text(blocks)
    assert f"Stage: *{row.stage}*" in json.dumps(blocks)
    assert f"Answer #{row.id}" in json.dumps(blocks)
    assert ("Weak match" in json.dumps(blocks)) == row.weak


def test_a_weak_answer_is_flagged_to_marketing(slack_bot: SlackBot, worker: OutboxWorker) -> None:
    ask(slack_bot, "does anyone have a recipe for sourdough bread for the team offsite?")

    [post] = channel_posts(slack_bot.fake, MARKETING, 1)
    [row] = recommendations(slack_bot.services)
    assert row.weak
    assert "Weak match" in section_text(valid_blocks(post))


def test_each_reaction_is_a_reply_in_the_answers_thread(
    slack_bot: SlackBot, worker: OutboxWorker, ts_of: TsOf
) -> None:
    answer = ask(slack_bot, COMPARE)
    [post] = channel_posts(slack_bot.fake, MARKETING, 1)
    thread = ts_of(post)

    click(slack_bot, ids.USEFUL, button_value(answer, ids.USEFUL), "useful")
    wait_response(slack_bot, "useful")
    click(slack_bot, ids.NOT_USEFUL, button_value(answer, ids.NOT_USEFUL), "no")
    [opened] = slack_bot.fake.wait_for("views.open")
    reason = {
        ids.REASON_BLOCK: {
            ids.REASON_ACTION: {"type": "static_select", "selected_option": {"value": "outdated"}}
        },
        ids.COMMENT_BLOCK: {
            ids.COMMENT_ACTION: {"type": "plain_text_input", "value": "2024 <data>"}
        },
    }
    slack_bot.sender.post(
        *view_submission(
            ids.NOT_USEFUL_REASON_VIEW, reason, opened.args["view"]["private_metadata"]
        )
    )
    sent_value = button_value(answer, ids.SENT)
    click(slack_bot, ids.SENT, sent_value, "sent")
    wait_response(slack_bot, "sent")
    click(slack_bot, ids.SHARE, button_value(answer, ids.SHARE), "share")

    posts = channel_posts(slack_bot.fake, MARKETING, 6)
    replies = posts[1:]
    assert [r.args.get("thread_ts") for r in replies] == [thread] * 5
    texts = [section_text(valid_blocks(r)) for r in replies]
    asset = slack_bot.services.searcher().assets[json.loads(sent_value)["a"]]
    assert "<@U1> found this answer useful" in texts[0]
    assert "<@U1> found this answer not useful" in texts[1]
    assert "*Outdated*" in texts[2] and "2024 &lt;data&gt;" in texts[2]
    assert "<@U1> sent" in texts[3] and link(asset.url, asset.title) in texts[3]
    assert "<@U1> shared this answer" in texts[4]
    # Paced: about one message per PACE seconds in the channel, never a burst.
    gaps = [b.at - a.at for a, b in itertools.pairwise(posts)]
    assert min(gaps) >= PACE * 0.9


def test_a_rate_limit_burst_delays_but_loses_no_post(
    slack_bot: SlackBot, worker: OutboxWorker, ts_of: TsOf
) -> None:
    slack_bot.fake.fail_next("chat.postMessage", status=429, times=3, retry_after=1)
    first = ask(slack_bot, SOC2, token="q1")
    second = ask(slack_bot, COMPARE, token="q2")
    click(slack_bot, ids.USEFUL, button_value(first, ids.USEFUL), "u1")
    wait_response(slack_bot, "u1")
    click(slack_bot, ids.USEFUL, button_value(second, ids.USEFUL), "u2")

    posts = channel_posts(slack_bot.fake, MARKETING, 4, timeout=20)

    assert len(slack_bot.fake.faulted) == 3
    # Retry-After (1 s) was honoured each time before the first post got through.
    assert posts[0].at - slack_bot.fake.faulted[0].at >= 2.5
    time.sleep(3 * PACE)
    assert len(channel_posts(slack_bot.fake, MARKETING, 4)) == 4
    tops = {ts_of(p): p for p in posts if "thread_ts" not in p.args}
    replies = [p for p in posts if "thread_ts" in p.args]
    assert len(tops) == 2
    assert {r.args["thread_ts"] for r in replies} == set(tops)
    assert all(tops[r.args["thread_ts"]].at < r.at for r in replies)
    with slack_bot.services.sessions() as session:
        assert {m.status for m in session.scalars(select(OutboxMessage))} == {OutboxStatus.SENT}


def test_a_restart_in_the_middle_of_the_queue_delivers_the_rest_exactly_once(
    slack_bot: SlackBot, slack_settings: Settings, embedder: Embedder, ts_of: TsOf
) -> None:
    # Queued while no worker runs: three answers, each with a 👍.
    for n, question in enumerate((SOC2, COMPARE, "why would a retailer drop spreadsheets?")):
        blocks = ask(slack_bot, question, token=f"q{n}")
        click(slack_bot, ids.USEFUL, button_value(blocks, ids.USEFUL), f"u{n}")
        wait_response(slack_bot, f"u{n}")
    assert slack_bot.fake.calls_to("chat.postMessage") == []

    first = start_worker(slack_bot.services)
    channel_posts(slack_bot.fake, MARKETING, 2)
    first.stop()  # the process goes away mid-queue
    # ... and one more message was claimed by a worker that died before posting it.
    dead = claim_next(slack_bot.services.sessions, "dead-worker", ttl=timedelta(seconds=1))
    assert dead is not None

    restarted = Services(slack_settings, embedder=embedder)
    second = start_worker(restarted)
    try:
        posts = channel_posts(slack_bot.fake, MARKETING, 6, timeout=20)
        time.sleep(3 * PACE)  # anything extra would have been posted by now
        posts = channel_posts(slack_bot.fake, MARKETING, 6)
    finally:
        second.stop()
        restarted.close()

    # Six posts: three answers, each with one 👍 in its own thread; nothing twice.
    assert len(posts) == 6
    tops = {ts_of(p): p for p in posts if "thread_ts" not in p.args}
    assert len({json.dumps(p.args["blocks"]) for p in tops.values()}) == 3
    replies = [p for p in posts if "thread_ts" in p.args]
    assert sorted(r.args["thread_ts"] for r in replies) == sorted(tops)
    for reply in replies:
        assert tops[reply.args["thread_ts"]].at < reply.at  # the post before its reply


@pytest.mark.parametrize("form", ["link", "bare link", "id"])
def test_a_marketers_reply_naming_an_asset_is_relayed_to_the_rep(
    slack_bot: SlackBot, worker: OutboxWorker, ts_of: TsOf, form: str
) -> None:
    ask(slack_bot, COMPARE)
    [post] = channel_posts(slack_bot.fake, MARKETING, 1)
    thread = ts_of(post)
    [rec] = recommendations(slack_bot.services)
    # An asset the answer did not offer: what marketing would add.
    offered = {i.item_id for i in rec.items}
    assets = slack_bot.services.searcher().assets
    asset_id = next(a for a in sorted(assets) if a not in offered and assets[a].url)
    asset = assets[asset_id]
    lead = {
        "link": f"<{asset.url}|{asset.title}>",
        "bare link": str(asset.url),
        "id": f"`{asset_id}`",
    }[form]
    reply = thread_reply(
        f"{lead} — newer &amp; better", user="U2", ts="1800000000.000200", thread_ts=thread
    )

    status, _, _ = slack_bot.sender.post(*event_callback(reply, event_id="EvMk1"))
    slack_bot.sender.post(*event_callback(reply, event_id="EvMk1"), retry_num=1)

    assert status == 200
    [dm] = channel_posts(slack_bot.fake, "U1", 1)
    assert "marketing suggests" in dm.args["text"].lower()
    assert link(asset.url, asset.title) in section_text(valid_blocks(dm))
    assert "<@U2>" in json.dumps(dm.args["blocks"])
    [row] = feedback_rows(slack_bot.services)
    assert (row.kind, row.user, row.item_id, row.recommendation_id) == (
        "marketing_suggestion",
        "U2",
        asset_id,
        rec.id,
    )
    assert row.comment == "newer & better"
    [_, relayed] = channel_posts(slack_bot.fake, MARKETING, 2)
    assert relayed.args["thread_ts"] == thread
    assert "Sent to <@U1>" in section_text(valid_blocks(relayed))
    time.sleep(3 * PACE)
    assert len(channel_posts(slack_bot.fake, "U1", 1)) == 1  # the redelivery relayed nothing


def test_other_replies_and_the_bots_own_are_ignored(
    slack_bot: SlackBot, worker: OutboxWorker, ts_of: TsOf
) -> None:
    ask(slack_bot, COMPARE)
    [post] = channel_posts(slack_bot.fake, MARKETING, 1)
    thread = ts_of(post)
    assets = slack_bot.services.searcher().assets
    asset_id = next(a for a in sorted(assets) if assets[a].url)
    link = f"<{assets[asset_id].url}>"
    ignored = [
        thread_reply(f"nice pick, also {link}", user="U2", ts="1.01", thread_ts=thread),
        thread_reply(f"{link} from the bot", user=BOT_USER_ID, ts="1.02", thread_ts=thread)
        | {"bot_id": BOT_ID},
        thread_reply(
            "<https://elsewhere.example/x> not ours", user="U2", ts="1.03", thread_ts=thread
        ),
        thread_reply(f"{link} top level", user="U2", ts="1.04", thread_ts=None),
        thread_reply(f"{link} other channel", user="U2", ts="1.05", thread_ts=thread, channel="C1"),
        thread_reply(f"{link} edited", user="U2", ts="1.06", thread_ts=thread)
        | {"subtype": "message_changed"},
    ]
    for n, event in enumerate(ignored):
        status, _, _ = slack_bot.sender.post(*event_callback(event, event_id=f"EvIg{n}"))
        assert status == 200

    time.sleep(1.0)
    assert feedback_rows(slack_bot.services) == []
    assert len(channel_posts(slack_bot.fake, MARKETING, 1)) == 1
    assert [
        c for c in slack_bot.fake.calls_to("chat.postMessage") if c.args["channel"] != MARKETING
    ] == []


def test_a_ten_thousand_character_question_fits_block_kit() -> None:
    question = "&<>" * 3333 + "x"
    facts = {
        "recommendation_id": 7,
        "asker": "U1",
        "source": "dm",
        "question": question,
        "prospect": "Acme <Foods>",
        "stage": "decision",
        "stage_source": "inferred",
        "stage_confidence": 0.42,
        "weak": True,
        "top_score": 0.2,
        "items": [
            {
                "id": f"a{n}",
                "title": "T" * 500,
                "url": "https://x.example/" + "p" * 1900,
                "type": "case-study",
                "rank": n,
            }
            for n in range(1, 11)
        ],
    }

    text, blocks = answer_post(facts)

    assert_valid_blocks(blocks)
    assert "".join(split_escaped(question)) == escape(question)
    assert escape(question) in section_text(blocks)
    assert len(text) < 1000
