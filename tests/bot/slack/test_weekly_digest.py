"""The weekly digest posted by the scheduler to the marketing channel, as valid Block Kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.jobs import scheduled_jobs
from bot.settings import Settings
from tests.bot.slack.conftest import SIGNING_SECRET, SlackBot
from tests.bot.slack.helpers import block_text, valid_blocks
from tests.bot.test_digest import log_a_quarter
from tests.slack_support import BOT_TOKEN, FakeSlack


@pytest.fixture
def slack_settings(tmp_path: Path, database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        marketing_channel="CMKT",
        digest_cron="0 9 * * MON",
    )


def test_scheduled_digest_posts_to_the_marketing_channel(slack_bot: SlackBot) -> None:
    log_a_quarter(slack_bot.services)
    [job] = [j for j in scheduled_jobs(slack_bot.services) if j.name == "digest"]
    assert job.expression == "0 9 * * MON"

    job.run()

    [posted] = slack_bot.fake.wait_for("chat.postMessage")
    assert posted.args["channel"] == "CMKT"
    text = block_text(valid_blocks(posted))
    assert "Never surfaced in 90 days* (30)" in text and "more (`/content-stats`" in text
    assert "Past their review_by date* (2)" in text
    assert "Mostly rated 👎" in text and "Stockout cost checklist" in text
    assert "2 reps · 2 questions" in text and "Spanish pricing sheet" in text
