"""Internal assets (`internal: true`) are for reps: never posted where people outside the company
read (a Slack Connect channel, or one being connected). Shares leave them out or are refused, a
mention's answer there leaves them out and says so, the marketing channel and the digest never
name them when that channel is shared outside."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.i18n import english
from bot.ingest import ingest
from bot.settings import Settings
from bot.slack import ids
from bot.slack.blocks.internal import MASKED_TITLE, withheld_line
from bot.slack.client import make_web_client
from bot.slack.digest import post_digest
from bot.slack.listeners.actions.share import NOTHING_TO_SHARE
from bot.slack.outbox_worker import OutboxWorker
from content_store.models import (
    ContentItem,
    FeedbackKind,
    MarketingRequest,
    OutboxMessage,
    OutboxStatus,
)
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, button_value, feedback_rows, recommendations
from tests.slack_support import (
    app_mention,
    block_actions,
    event_callback,
    select_action,
    slash_command,
    view_submission,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "lifecycle"
QUESTION = "Coldbox says they are cheaper, which battlecard do I send?"
INTERNAL = "bc-coldbox-2027"
INTERNAL_TITLE = "Frostline vs Coldbox (2027)"
INTERNAL_LABEL = "internal, don't forward"
MARKETING = "CMKT"


@pytest.fixture
def slack_settings(slack_settings: Settings) -> Settings:
    return dataclasses.replace(slack_settings, marketing_channel=MARKETING)


@pytest.fixture
def bot(slack_bot: SlackBot, tmp_path: Path) -> SlackBot:
    """The sample library plus the lifecycle one, whose current Coldbox battlecard is internal;
    CIN is the company's own channel, CEXT a Slack Connect one."""
    library = tmp_path / "lifecycle"
    shutil.copytree(FIXTURE, library)
    ingest(slack_bot.services, library)
    slack_bot.fake.add_channel("CIN", "sales")
    slack_bot.fake.add_channel("CEXT", "acme-frostline", external=True)
    slack_bot.fake.add_channel("CPEND", "globex-frostline", pending_external=True)
    slack_bot.fake.clear()
    return slack_bot


def ask(bot: SlackBot, channel: str, token: str) -> list[dict[str, Any]]:
    """U1's /content answer in `channel` (ephemeral: U1 alone sees it)."""
    bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND, QUESTION, channel_id=channel, response_url=bot.response_url(token)
        )
    )
    deadline = time.monotonic() + 15
    while True:
        replies = [c for c in bot.fake.calls_to("response_url") if c.args["_token"] == token]
        if replies and replies[-1].args.get("blocks"):
            blocks = list(replies[-1].args["blocks"])
            assert INTERNAL_LABEL in block_text(blocks)  # the rep sees it, labelled
            return blocks
        assert time.monotonic() < deadline, "no answer"
        time.sleep(0.05)


def share(bot: SlackBot, blocks: list[dict[str, Any]], channel: str, token: str) -> str:
    """U1 clicks Share in `channel`; the ephemeral note U1 gets back."""
    bot.sender.post(
        *block_actions(
            ids.SHARE,
            button_value(blocks, ids.SHARE),
            channel_id=channel,
            response_url=bot.response_url(token),
        )
    )
    deadline = time.monotonic() + 10
    while True:
        notes = [
            c
            for c in bot.fake.calls_to("response_url")
            if c.args["_token"] == token and c.args.get("response_type") == "ephemeral"
        ]
        if notes:
            return str(notes[-1].args["text"])
        assert time.monotonic() < deadline, "no note"
        time.sleep(0.05)


def posts_to(bot: SlackBot, channel: str) -> list[dict[str, Any]]:
    return [c.args for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == channel]


def test_a_share_in_a_slack_connect_channel_leaves_the_internal_item_out(bot: SlackBot) -> None:
    blocks = ask(bot, "CEXT", "ext")

    note = share(bot, blocks, "CEXT", "ext-share")

    assert (
        note
        == "Shared without its 1 internal item: people outside the company can read this channel."
    )
    [posted] = posts_to(bot, "CEXT")
    text = block_text(posted["blocks"]) + posted["text"]
    assert INTERNAL_TITLE not in text and INTERNAL_LABEL not in text
    assert "1. " in text  # what is left is numbered from 1
    assert [r.kind for r in feedback_rows(bot.services)] == [FeedbackKind.SHARED]


def test_a_share_in_the_companys_own_channel_keeps_the_internal_item_labelled(
    bot: SlackBot,
) -> None:
    blocks = ask(bot, "CIN", "in")

    assert share(bot, blocks, "CIN", "in-share") == "Shared in the channel."
    [posted] = posts_to(bot, "CIN")
    assert INTERNAL_TITLE in block_text(posted["blocks"])
    assert INTERNAL_LABEL in block_text(posted["blocks"])


def test_a_share_of_only_internal_items_where_outsiders_read_is_refused(bot: SlackBot) -> None:
    blocks = ask(bot, "CPEND", "pend")
    rec = recommendations(bot.services)[-1]
    with bot.services.sessions.begin() as session:  # marketing marked them all internal since
        offered = [i.item_id for i in rec.items]
        session.execute(
            update(ContentItem).where(ContentItem.id.in_(offered)).values(internal=True)
        )

    note = share(bot, blocks, "CPEND", "pend-share")

    assert note == NOTHING_TO_SHARE
    assert posts_to(bot, "CPEND") == []
    assert feedback_rows(bot.services) == []
    assert [c.args["channel"] for c in bot.fake.calls_to("conversations.info")] == ["CPEND"]


@pytest.mark.parametrize(
    ("channel", "flag"),
    [("CEXT", False), ("CPEND", False), ("CIN", True)],
    ids=["connected", "being-connected", "flagged-by-the-event"],
)
def test_a_mention_where_outsiders_read_is_answered_without_internal_items(
    bot: SlackBot, channel: str, flag: bool
) -> None:
    body, kind = event_callback(
        app_mention(f"<@UBOT> {QUESTION}", user="U1", channel=channel, ts="1700000100.000100"),
        event_id=f"EvInt{channel}",
    )
    envelope = json.loads(body)
    envelope["is_ext_shared_channel"] = flag
    bot.sender.post(json.dumps(envelope).encode(), kind)

    [posted] = bot.fake.wait_for("chat.postMessage", timeout=15)
    text = block_text(posted.args["blocks"])
    assert posted.args["channel"] == channel
    assert INTERNAL_TITLE not in text
    assert "1 internal item left out: people outside the company can read this conversation" in text
    # The log keeps what was offered; only the post leaves it out.
    assert INTERNAL in [i.item_id for i in recommendations(bot.services)[-1].items]


def test_a_mention_in_the_companys_own_channel_shows_the_internal_item(bot: SlackBot) -> None:
    event = app_mention(f"<@UBOT> {QUESTION}", user="U1", channel="CIN", ts="1700000200.000100")
    bot.sender.post(*event_callback(event, event_id="EvIntCIN"))

    [posted] = bot.fake.wait_for("chat.postMessage", timeout=15)
    text = block_text(posted.args["blocks"])
    assert INTERNAL_TITLE in text and INTERNAL_LABEL in text and "left out" not in text


@pytest.fixture
def worker(bot: SlackBot) -> Iterator[OutboxWorker]:
    client = make_web_client(bot.services.settings, retries=False)
    running = OutboxWorker(bot.services.sessions, client, pace_s=0.05, poll_s=0.05)
    running.start()
    yield running
    running.stop()


def delivered(bot: SlackBot, count: int) -> list[dict[str, Any]]:
    """The marketing channel's posts once `count` queued messages went out."""
    deadline = time.monotonic() + 15
    while True:
        with bot.services.sessions() as session:
            sent = session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)
            ).all()
        if len(sent) >= count:
            return posts_to(bot, MARKETING)
        assert time.monotonic() < deadline, f"{len(sent)} of {count} outbox messages sent"
        time.sleep(0.05)


@pytest.mark.parametrize("external", [True, False], ids=["shared-outside", "company-only"])
def test_the_marketing_channel_names_internal_assets_only_if_only_the_company_reads_it(
    bot: SlackBot, worker: OutboxWorker, external: bool
) -> None:
    bot.fake.add_channel(MARKETING, "marketing", external=external)
    blocks = ask(bot, "CIN", "mkt")
    sent_it = json.dumps({"r": recommendations(bot.services)[-1].id, "a": INTERNAL})
    bot.sender.post(
        *block_actions(ids.SENT, sent_it, channel_id="CIN", response_url=bot.response_url("s"))
    )
    assert blocks

    post, reply = delivered(bot, 2)
    texts = [block_text(m["blocks"]) + m["text"] for m in (post, reply)]
    if external:
        assert all(INTERNAL_TITLE not in t for t in texts)
        assert MASKED_TITLE in texts[0] and MASKED_TITLE in texts[1]
    else:
        assert all(INTERNAL_TITLE in t for t in texts)


def test_the_digest_leaves_internal_assets_out_of_a_channel_outsiders_read(
    bot: SlackBot,
) -> None:
    bot.fake.add_channel(MARKETING, "marketing", external=True)
    client = make_web_client(bot.services.settings)
    with bot.services.sessions.begin() as session:
        # Overdue, so the digest's short "past review_by" list names it where it may.
        session.execute(
            update(ContentItem)
            .where(ContentItem.id == "sec-security-whitepaper")
            .values(internal=True, review_by=date(2020, 1, 1))
        )
        title = session.get(ContentItem, "sec-security-whitepaper").title  # type: ignore[union-attr]

    post_digest(bot.services, client, MARKETING)
    post_digest(bot.services, client, "CIN")

    [outside] = posts_to(bot, MARKETING)
    [inside] = posts_to(bot, "CIN")
    assert title in block_text(inside["blocks"])
    assert title not in block_text(outside["blocks"]) + outside["text"]


def test_an_internal_asset_picked_for_a_rep_asking_in_a_shared_channel_goes_to_their_dm(
    bot: SlackBot,
) -> None:
    bot.fake.add_channel(MARKETING, "marketing", external=True)
    weak = "does anyone have a recipe for sourdough bread for the team offsite?"
    event = app_mention(f"<@UBOT> {weak}", user="U1", channel="CEXT", ts="1700000300.000100")
    bot.sender.post(*event_callback(event, event_id="EvAskExt"))
    [answer] = bot.fake.wait_for("chat.postMessage", timeout=15)
    value = button_value(answer.args["blocks"], ids.ASK_MARKETING)
    bot.sender.post(
        *block_actions(ids.ASK_MARKETING, value, channel_id="CEXT", message_ts="1700000300.000200")
    )
    [opened] = bot.fake.wait_for("views.open")
    state = {
        ids.NEED_BLOCK: {ids.NEED_ACTION: {"type": "plain_text_input", "value": QUESTION}},
        ids.DEADLINE_BLOCK: {
            ids.DEADLINE_ACTION: {"type": "static_select", "selected_option": {"value": "today"}}
        },
    }
    bot.sender.post(
        *view_submission(ids.ASK_MARKETING_VIEW, state, opened.args["view"]["private_metadata"])
    )
    deadline = time.monotonic() + 10
    while not (posts_to(bot, MARKETING) and len(posts_to(bot, "CEXT")) == 2):
        assert time.monotonic() < deadline, "the request was not posted"
        time.sleep(0.05)
    with bot.services.sessions() as session:
        [request] = session.scalars(select(MarketingRequest))

    bot.sender.post(
        *select_action(
            ids.REQUEST_PICK,
            INTERNAL,
            block_id=f"request-{request.id}",
            user_id="U9",
            channel_id=MARKETING,
            message_ts=str(request.ts),
        )
    )

    deadline = time.monotonic() + 10
    while not (posts_to(bot, "U1") and len(posts_to(bot, MARKETING)) == 2):
        assert time.monotonic() < deadline, "the pick was not delivered"
        time.sleep(0.05)
    [to_rep] = posts_to(bot, "U1")
    assert INTERNAL_TITLE in block_text(to_rep["blocks"]) and INTERNAL_LABEL in block_text(
        to_rep["blocks"]
    )
    assert len(posts_to(bot, "CEXT")) == 2  # the answer and "sent to marketing": nothing more
    note = posts_to(bot, MARKETING)[-1]
    assert INTERNAL_TITLE not in block_text(note["blocks"]) + note["text"]
    assert MASKED_TITLE in note["text"]
    [update] = [c.args for c in bot.fake.calls_to("chat.update") if c.args["channel"] == MARKETING]
    assert INTERNAL_TITLE not in block_text(update["blocks"])


def test_a_stage_pick_answered_in_a_shared_channel_leaves_internal_items_out(
    bot: SlackBot,
) -> None:
    event = app_mention("<@UBOT> what do I send?", user="U1", channel="CEXT", ts="1700000400.1")
    bot.sender.post(*event_callback(event, event_id="EvVagueExt"))
    [asked_back] = bot.fake.wait_for("chat.postMessage", timeout=15)
    with bot.services.sessions.begin() as session:  # the whole library internal from now on
        session.execute(update(ContentItem).values(internal=True))
    bot.services.reload()
    bot.fake.clear()

    value = button_value(asked_back.args["blocks"], f"{ids.CLARIFY_STAGE}.decision")
    bot.sender.post(
        *block_actions(
            f"{ids.CLARIFY_STAGE}.decision",
            value,
            channel_id="CEXT",
            message_ts="1700000400.2",
            response_url=bot.response_url("pick"),
        )
    )

    [post] = bot.fake.wait_for("chat.postMessage", timeout=15)
    text = block_text(post.args["blocks"])
    offered = [i.item_id for i in recommendations(bot.services)[-1].items]
    assert offered and withheld_line(len(offered), english()) in text
    with bot.services.sessions() as session:
        titles = [session.get(ContentItem, i).title for i in offered]  # type: ignore[union-attr]
    assert not [t for t in titles if t in text]
