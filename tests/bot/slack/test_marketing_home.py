"""The Home tab: marketers see what sales uses, ignores and lacks; reps see their own history."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.dashboard import Dashboard
from bot.gaps import GapGroup
from bot.settings import Settings
from bot.slack.blocks.dashboard import marketer_home_view
from content_store.models import FeedbackKind
from content_store.stats import Activity, AssetRef, AssetUsage, StageCoverage
from tests.bot.log_rows import log_answer, log_click
from tests.bot.slack.conftest import SIGNING_SECRET, SlackBot
from tests.bot.slack.helpers import block_text
from tests.slack_support import (
    BOT_TOKEN,
    FakeSlack,
    app_home_opened,
    assert_valid_blocks,
    event_callback,
)

MARKETING = "CMKT"


@pytest.fixture
def slack_settings(tmp_path: Path, database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        marketing_channel=MARKETING,
        marketers=frozenset({"U9"}),
        admins=frozenset({"UADMIN"}),
    )


GROUPING = "Grouping new questions"


def open_home(slack_bot: SlackBot, user: str) -> dict:
    """Open the Home tab; the view the user ends up with (after gaps are grouped, if needed)."""
    fake = slack_bot.fake
    before = len(fake.calls_to("views.publish"))
    status, _, elapsed = slack_bot.sender.post(
        *event_callback(app_home_opened(user), event_id=f"EvHome{user}{before}")
    )
    assert status == 200 and elapsed < 3.0
    published = fake.wait_for("views.publish", before + 1, timeout=10)[-1]
    if GROUPING in block_text(published.args["view"]["blocks"]):
        published = fake.wait_for("views.publish", before + 2, timeout=30)[-1]
    assert published.args["user_id"] == user
    view = published.args["view"]
    assert view["type"] == "home"
    assert_valid_blocks(view["blocks"], surface="home")
    return view


def test_marketer_sees_used_ignored_and_lacking_content(slack_bot: SlackBot) -> None:
    services = slack_bot.services
    slack_bot.fake.channel_members[MARKETING] = []
    soc2 = log_answer(services, "SOC 2 report?", ["sec-security-whitepaper"], stage="decision")
    log_click(services, soc2, FeedbackKind.USEFUL)
    log_click(services, soc2, FeedbackKind.SENT, item_id="sec-security-whitepaper")
    for user in ("U1", "U2", "U3"):
        log_answer(
            services,
            "healthcare ROI case study <!channel>",
            stage="decision",
            asker=user,
            weak=True,
        )

    view = open_home(slack_bot, "U9")

    text = block_text(view["blocks"])
    assert "What sales uses" in text and "Tidewell security whitepaper" in text
    assert "👍 100% of 1" in text and "sent 1" in text
    assert "What sales ignores" in text and "31 of 32 active assets" in text
    assert "What sales needs but lacks" in text
    assert "3 reps · 3 questions" in text and "healthcare" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "Stage coverage" in text
    assert "Past their review_by date" in text  # two sample assets are overdue
    assert "Your recent questions" not in text


def test_rep_sees_their_own_questions_not_the_marketing_view(slack_bot: SlackBot) -> None:
    slack_bot.fake.channel_members[MARKETING] = ["U9"]
    log_answer(slack_bot.services, "SOC 2 report?", ["sec-security-whitepaper"], asker="U1")

    view = open_home(slack_bot, "U1")

    text = block_text(view["blocks"])
    assert "Your recent questions" in text and "SOC 2 report?" in text
    assert "What sales uses" not in text


def test_marketing_channel_members_and_admins_see_the_marketer_view(slack_bot: SlackBot) -> None:
    slack_bot.fake.channel_members[MARKETING] = ["U2"]

    member = open_home(slack_bot, "U2")
    again = open_home(slack_bot, "U2")
    admin = open_home(slack_bot, "UADMIN")
    rep = open_home(slack_bot, "U1")

    for view in (member, again, admin):
        assert "What sales uses" in block_text(view["blocks"])
    assert "What sales uses" not in block_text(rep["blocks"])
    # The member list is cached: one conversations.members call for all four opens.
    [members_call] = slack_bot.fake.calls_to("conversations.members")
    assert members_call.args["channel"] == MARKETING


def test_home_appears_at_once_and_new_gaps_are_grouped_then_republished(
    slack_bot: SlackBot,
) -> None:
    slack_bot.fake.channel_members[MARKETING] = []
    question = f"Dutch translation of the security whitepaper {uuid.uuid4().hex[:8]}"
    for user in ("U1", "U2"):
        log_answer(slack_bot.services, question, stage="decision", asker=user, weak=True)

    open_home(slack_bot, "U9")

    first, grouped = slack_bot.fake.wait_for("views.publish", 2)
    assert GROUPING in block_text(first.args["view"]["blocks"])
    assert "What sales uses" in block_text(first.args["view"]["blocks"])
    assert_valid_blocks(first.args["view"]["blocks"], surface="home")
    assert "2 reps · 2 questions" in block_text(grouped.args["view"]["blocks"])
    # Opened again: the wording is embedded already, so one publish carries the gaps.
    again = open_home(slack_bot, "U9")
    assert len(slack_bot.fake.calls_to("views.publish")) == 3
    assert "2 reps · 2 questions" in block_text(again["blocks"])


def test_home_stays_within_slack_limits_on_a_huge_library() -> None:
    now = datetime.now(UTC)
    title = "A very long asset title <script> & more " * 10
    assets = [
        AssetUsage(f"a{n}", title, "blog", 1000 - n, n, n // 2, n, url=f"https://x.example/{n}")
        for n in range(400)
    ]
    refs = [AssetRef(f"r{n}", title, None, "ebook", "o@example.com", None) for n in range(2000)]
    gap = GapGroup(
        label="q " * 600,
        stage="decision",
        competitors=("Forecastly",),
        industries=("healthcare",),
        questions=70,
        reps=40,
        weak=60,
        said_missing=10,
        last_asked=now,
        wordings=tuple("w " * 100 for _ in range(20)),
    )
    dashboard = Dashboard(
        days=30,
        since=now - timedelta(days=30),
        generated_at=now,
        activity=Activity(10**6, 10**5, 900, 10**5, 7 * 10**4, 3 * 10**4, 5 * 10**4),
        assets=assets,
        never_surfaced=refs,
        active_assets=2400,
        gaps=[replace(gap, label=f"gap {n} " * 100) for n in range(60)],
        stages=[StageCoverage(s, 800, 300_000, 2000) for s in ("awareness", "decision")],
        past_review=refs,
    )

    view = marketer_home_view(dashboard)

    assert_valid_blocks(view["blocks"], surface="home")
    assert len(view["blocks"]) <= 100
    text = block_text(view["blocks"])
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "more (`/content-stats` → Download CSV)" in text
