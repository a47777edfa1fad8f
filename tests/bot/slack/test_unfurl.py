"""Links to library assets unfurl: title, type, stage; for marketers, how sales uses the asset;
internal assets only where no one outside the company reads."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from bot.feedback import give_feedback
from bot.recommend import Question, recommend
from bot.settings import Settings
from content_store.models import FeedbackKind
from tests.bot.slack.conftest import SlackBot
from tests.slack_support import SlackCall, assert_valid_blocks, event_callback

DOMAIN = "tidewell.example"
MARKETER = "U9"
INTERNAL_URL = "https://tidewell.example/internal/battlecards/forecastly"


@pytest.fixture
def slack_settings(slack_settings: Settings) -> Settings:
    return dataclasses.replace(
        slack_settings, unfurl_domains=(DOMAIN,), marketers=frozenset({MARKETER})
    )


def shared(user: str, channel: str, urls: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "link_shared",
        "channel": channel,
        "user": user,
        "message_ts": "1700000100.000100",
        "is_bot_user_member": True,
        "links": [{"domain": url.split("/")[2], "url": url} for url in urls],
        "event_ts": f"{time.time():.6f}",
        **extra,
    }


def unfurl_of(slack_bot: SlackBot, event: dict[str, Any], event_id: str) -> SlackCall:
    before = len(slack_bot.fake.calls_to("chat.unfurl"))
    slack_bot.sender.post(*event_callback(event, event_id=event_id))
    return slack_bot.fake.wait_for("chat.unfurl", before + 1, timeout=15)[before]


def public_asset(slack_bot: SlackBot) -> tuple[str, str]:
    """(id, url) of an asset the sample answer offers first, rated 👍 once."""
    answer = recommend(
        slack_bot.services,
        Question(text="Acme is comparing us with Forecastly, what do I send?", asker="U1"),
    )
    item = next(i for i in answer.items if i.url and "/internal/" not in i.url)
    give_feedback(slack_bot.services, answer.recommendation_id, FeedbackKind.USEFUL, user="U1")
    assert item.url is not None
    return item.asset_id, item.url


def test_a_marketer_sees_title_type_stage_and_use(slack_bot: SlackBot) -> None:
    _, url = public_asset(slack_bot)
    slack_bot.fake.channels["CIN"] = {"id": "CIN", "name": "sales", "is_ext_shared": False}

    call = unfurl_of(
        slack_bot,
        shared(MARKETER, "CIN", [url, INTERNAL_URL, "https://elsewhere.example.org/x"]),
        "EvL1",
    )

    assert (call.args["channel"], call.args["ts"]) == ("CIN", "1700000100.000100")
    unfurls = call.args["unfurls"]
    assert set(unfurls) == {url, INTERNAL_URL}
    for card in unfurls.values():
        assert_valid_blocks(card["blocks"])
    text = str(unfurls[url]["blocks"])
    assert "stage:" in text and "surfaced 1× in 30 days, 100% :+1:" in text
    assert ":lock: internal" in str(unfurls[INTERNAL_URL]["blocks"])


def test_a_rep_sees_no_usage_and_no_internal_asset_in_a_shared_channel(
    slack_bot: SlackBot,
) -> None:
    _, url = public_asset(slack_bot)
    slack_bot.fake.channels["CEXT"] = {"id": "CEXT", "name": "acme-ext", "is_ext_shared": True}

    call = unfurl_of(
        slack_bot,
        shared("U1", "CEXT", [url, INTERNAL_URL], unfurl_id="UF1", source="conversations_history"),
        "EvL2",
    )

    assert call.args["unfurl_id"] == "UF1"
    assert set(call.args["unfurls"]) == {url}
    assert "surfaced" not in str(call.args["unfurls"][url]["blocks"])


def test_internal_links_alone_in_an_unknown_channel_are_not_unfurled(slack_bot: SlackBot) -> None:
    slack_bot.sender.post(
        *event_callback(shared(MARKETER, "CNONE", [INTERNAL_URL]), event_id="EvL3")
    )
    slack_bot.fake.wait_for("conversations.info")
    time.sleep(0.5)
    assert slack_bot.fake.calls_to("chat.unfurl") == []
