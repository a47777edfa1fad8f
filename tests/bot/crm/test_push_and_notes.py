"""Closing the loop: "Sent it" becomes a note on the deal; a deal that moves brings its owner
the content for the new stage, once, across restarts and replicas, within the daily maximum."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.crm.hubspot import HubSpotCrm
from bot.crm.notes import CrmNoteWorker
from bot.crm.push import DealPoller
from bot.services import Services
from bot.slack import ids
from bot.slack.client import make_web_client
from content_store.db import transaction
from content_store.leases import acquire
from content_store.models import CrmPollState, OutboxKind, OutboxMessage
from content_store.outbox import claim_next
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, button_value, recommendations, valid_blocks
from tests.crm_support import HUBSPOT_TOKEN, FakeHubSpot, Fault
from tests.slack_support import app_home_opened, block_actions, event_callback, slash_command

ANN = "ann@example.com"


@pytest.fixture
def reps(slack_bot: SlackBot) -> None:
    slack_bot.fake.users["U1"]["profile"] = {"email": ANN}
    slack_bot.fake.users["U2"]["profile"] = {"email": "bob@example.com"}


def poller(services: Services, fake: FakeHubSpot) -> DealPoller:
    crm = HubSpotCrm(HUBSPOT_TOKEN, api_url=fake.base_url, timeout_s=5)
    return DealPoller(services, crm, make_web_client(services.settings))


def dms(slack_bot: SlackBot, user: str = "U1") -> list[dict]:
    return [
        c.args for c in slack_bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == user
    ]


def test_sent_it_adds_a_note_to_the_deal_retried_through_the_outbox(
    slack_bot: SlackBot, fake_hubspot: FakeHubSpot
) -> None:
    deal = fake_hubspot.add_deal(
        fake_hubspot.add_company("Acme"), "Acme – 40 stores", "contractsent"
    )
    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND, "pricing for Acme", response_url=slack_bot.response_url()
        )
    )
    [reply] = slack_bot.fake.wait_for("response_url", timeout=30)
    value = button_value(valid_blocks(reply), ids.SENT)
    slack_bot.fake.clear()

    slack_bot.sender.post(
        *block_actions(ids.SENT, value, response_url=slack_bot.response_url("sent"))
    )
    [noted] = slack_bot.fake.wait_for("response_url", timeout=10)
    sessions = slack_bot.services.sessions
    assert claim_next(sessions, "slack-worker", ttl=timedelta(seconds=5)) is None  # not Slack's
    worker = CrmNoteWorker(sessions, HubSpotCrm(HUBSPOT_TOKEN, api_url=fake_hubspot.base_url))
    fake_hubspot.fail(Fault(status=500, times=1))
    assert worker.run_once()  # fails: back in the queue
    assert fake_hubspot.data.notes == []
    assert not worker.run_once()  # not due yet
    assert worker.run_once(now=datetime.now(UTC) + timedelta(hours=1))

    assert "Noted" in noted.args["text"]  # the rep saw nothing fail
    (note,) = fake_hubspot.data.notes
    asset = json.loads(value)["a"]
    assert note["associations"][0]["to"]["id"] == deal
    [row] = recommendations(slack_bot.services)
    title = next(i for i in row.items if i.item_id == asset)
    assert title is not None and "Sent" in note["properties"]["hs_note_body"]
    with sessions() as session:
        message = session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == str(OutboxKind.CRM_NOTE))
        )
        assert message is not None and (message.status, message.attempts) == ("sent", 2)


def test_a_moved_deal_is_pushed_once_across_restarts_and_replicas(
    slack_bot: SlackBot, fake_hubspot: FakeHubSpot, reps: None
) -> None:
    acme = fake_hubspot.add_company("Acme")
    deal = fake_hubspot.add_deal(
        acme,
        "Acme – 40 stores",
        "qualifiedtobuy",
        owner_email=ANN,
        modified=datetime.now(UTC) - timedelta(hours=2),
    )
    services = slack_bot.services
    first = poller(services, fake_hubspot)
    assert first.run_once() is not None  # the first poll learns where deals stand
    assert dms(slack_bot) == []

    fake_hubspot.move_deal(deal, "contractsent")
    report = first.run_once()
    again = poller(services, fake_hubspot).run_once()  # a restarted process
    # A crash after the DM but before the mark moved: the change is read again.
    with transaction(services.sessions) as session:
        session.execute(
            update(CrmPollState).values(modified_through=datetime.now(UTC) - timedelta(hours=1))
        )
    replay = poller(services, fake_hubspot).run_once()

    assert report is not None and report.pushed == [deal]
    assert again is not None and again.pushed == []
    assert replay is not None and replay.pushed == []
    [dm] = dms(slack_bot)
    assert "Acme – 40 stores moved to Contract sent (decision)" in dm["text"]
    blocks = dm["blocks"]
    assert sum(1 for b in blocks if b.get("accessory", {}).get("action_id") == ids.SENT) == 3
    [row] = recommendations(services)
    assert (row.source, row.asker, row.stage, row.stage_source) == (
        "crm-trigger",
        "U1",
        "decision",
        "crm",
    )
    assert row.crm_object_id == deal

    # Another replica while this one holds the poll: it does nothing.
    assert acquire(services.sessions, "crm-poll", "replica-a", ttl=timedelta(minutes=5))[0]
    fake_hubspot.move_deal(deal, "closedwon")
    assert poller(services, fake_hubspot).run_once() is None
    assert len(dms(slack_bot)) == 1


def test_daily_maximum_and_the_home_tab_switch(
    slack_bot: SlackBot, fake_hubspot: FakeHubSpot, reps: None
) -> None:
    services = slack_bot.services
    services.settings = replace(services.settings, crm_push_daily_max=1)
    earlier = datetime.now(UTC) - timedelta(hours=2)
    deals = [
        fake_hubspot.add_deal(
            fake_hubspot.add_company(name),
            f"{name} deal",
            "qualifiedtobuy",
            owner_email=ANN,
            modified=earlier,
        )
        for name in ("Acme", "Globex", "Initech")
    ]
    poll = poller(services, fake_hubspot)
    poll.run_once()
    fake_hubspot.move_deal(deals[0], "contractsent")
    fake_hubspot.move_deal(deals[1], "contractsent")
    capped = poll.run_once()

    assert capped is not None and len(capped.pushed) == 1
    assert any("daily maximum" in why for why in capped.skipped)

    services.settings = replace(services.settings, crm_push_daily_max=5)
    slack_bot.sender.post(*event_callback(app_home_opened("U1")))
    [home] = slack_bot.fake.wait_for("views.publish", timeout=10)
    assert "Content when your deals move*: on" in block_text(home.args["view"]["blocks"])
    slack_bot.fake.clear()
    slack_bot.sender.post(
        *block_actions(
            ids.CRM_PUSHES, "off", channel_id=None, container={"type": "view", "view_id": "V1"}
        )
    )
    [switched] = slack_bot.fake.wait_for("views.publish", timeout=10)
    fake_hubspot.move_deal(deals[2], "contractsent")
    off = poll.run_once()

    assert "Content when your deals move*: off" in block_text(switched.args["view"]["blocks"])
    assert off is not None and off.pushed == []
    assert any("switched pushes off" in why for why in off.skipped)
    assert dms(slack_bot) == []  # nothing since the switch


def test_a_rate_limited_poll_waits_as_long_as_the_crm_asks(
    slack_bot: SlackBot, fake_hubspot: FakeHubSpot
) -> None:
    poll = poller(slack_bot.services, fake_hubspot)
    fake_hubspot.fail(Fault(status=429, retry_after=900))

    assert poll.tick() == 900  # not the 10 minutes between polls
    fake_hubspot.fail(None)
    assert poll.tick() == 600
