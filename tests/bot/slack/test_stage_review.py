"""Inferred stages on the marketer Home tab: one click confirms, the menu corrects, a rep's forged
click changes nothing; the count reaches `funnelbot stats`."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.ingest import ingest
from bot.settings import Settings
from bot.slack import ids
from bot.slack.listeners.actions.stage_review import REFUSED
from content_store.models import ContentItem, StageConfirmation
from tests.bot.slack.conftest import SIGNING_SECRET, SlackBot
from tests.bot.slack.helpers import block_text
from tests.bot.slack.test_marketing_home import open_home
from tests.slack_support import BOT_TOKEN, FakeSlack, assert_valid_blocks, home_tab_action

MARKETING = "CMKT"
MARKETER = "U9"
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "unstaged"


@pytest.fixture
def slack_settings(tmp_path: Path, database_url: str, fake_slack: FakeSlack) -> Settings:
    fake_slack.channel_members[MARKETING] = [MARKETER]
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        marketing_channel=MARKETING,
    )


@pytest.fixture
def unstaged(slack_bot: SlackBot, tmp_path: Path) -> Path:
    """The sample library plus a folder of assets with no stage: three stages inferred."""
    library = tmp_path / "unstaged"
    shutil.copytree(FIXTURE, library)
    ingest(slack_bot.services, library)
    slack_bot.fake.clear()
    return library


def stage_controls(view: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The confirm button and stage menu of each asset listed, by asset id."""
    return {
        block["block_id"].removeprefix(ids.STAGE_REVIEW_BLOCK): block["elements"]
        for block in view["blocks"]
        if block.get("block_id", "").startswith(ids.STAGE_REVIEW_BLOCK)
    }


def click(slack_bot: SlackBot, element: dict[str, Any], asset: str, **kwargs: Any) -> None:
    block_id = f"{ids.STAGE_REVIEW_BLOCK}{asset}"
    status, _, _ = slack_bot.sender.post(*home_tab_action(element, block_id=block_id, **kwargs))
    assert status == 200


def next_view(slack_bot: SlackBot, before: int) -> dict[str, Any]:
    published = slack_bot.fake.wait_for("views.publish", before + 1, timeout=10)[before]
    assert published.args["user_id"] == MARKETER
    view = published.args["view"]
    assert_valid_blocks(view["blocks"], surface="home")
    return dict(view)


def stored(slack_bot: SlackBot) -> dict[str, tuple[list[str], bool]]:
    with slack_bot.services.sessions() as session:
        rows = session.execute(
            select(ContentItem.id, ContentItem.stages, ContentItem.stage_inferred)
        )
        return {item_id: (list(stages), inferred) for item_id, stages, inferred in rows}


def test_a_marketer_confirms_one_stage_and_corrects_another_from_the_home_tab(
    slack_bot: SlackBot, unstaged: Path
) -> None:
    view = open_home(slack_bot, MARKETER)
    text = block_text(view["blocks"])
    assert "Stages to confirm* (3)" in text
    controls = stage_controls(view)
    assert set(controls) == {"blog-what-is-cold-chain", "compare-vendors", "pricing-contract-terms"}
    proposed = stored(slack_bot)["blog-what-is-cold-chain"][0][0]
    confirm, menu = controls["blog-what-is-cold-chain"]
    assert confirm["value"] == proposed and proposed not in {o["value"] for o in menu["options"]}

    before = len(slack_bot.fake.calls_to("views.publish"))
    click(slack_bot, confirm, "blog-what-is-cold-chain", user_id=MARKETER)
    after_confirm = next_view(slack_bot, before)

    assert f"stage confirmed as *{proposed}*" in block_text(after_confirm["blocks"])
    assert "blog-what-is-cold-chain" not in stage_controls(after_confirm)
    assert stored(slack_bot)["blog-what-is-cold-chain"] == ([proposed], False)

    _, menu = controls["compare-vendors"]
    other = menu["options"][-1]["value"]
    before = len(slack_bot.fake.calls_to("views.publish"))
    click(slack_bot, menu, "compare-vendors", user_id=MARKETER, selected=other)
    after_correct = next_view(slack_bot, before)

    assert f"stage set to *{other}*" in block_text(after_correct["blocks"])
    assert set(stage_controls(after_correct)) == {"pricing-contract-terms"}
    assert stored(slack_bot)["compare-vendors"] == ([other], False)
    assert slack_bot.services.searcher().assets["compare-vendors"].stages == (other,)

    # A reindex of the folder keeps both: nothing is inferred again.
    (unstaged / "compare-vendors.md").write_text(
        (unstaged / "compare-vendors.md").read_text(encoding="utf-8") + "\nUpdated.\n"
    )
    report = ingest(slack_bot.services, unstaged)
    assert report.changed == ["compare-vendors"] and report.missing_stage == []
    assert stored(slack_bot)["compare-vendors"] == ([other], False)

    settings = slack_bot.services.settings
    env = {"FUNNELBOT_HOME": str(settings.home), "FUNNELBOT_DATABASE_URL": settings.database_url}
    stats = CliRunner().invoke(app, ["stats", "--json"], env=env)
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["lifecycle"]["stage_inferred"] == 1
    plain = CliRunner().invoke(app, ["stats"], env=env)
    assert "1 with an inferred stage to confirm" in plain.stdout


def test_a_stage_click_from_a_rep_is_refused_and_changes_nothing(
    slack_bot: SlackBot, unstaged: Path
) -> None:
    controls = stage_controls(open_home(slack_bot, MARKETER))
    confirm, menu = controls["pricing-contract-terms"]
    rows_before = stored(slack_bot)
    publishes = len(slack_bot.fake.calls_to("views.publish"))

    click(slack_bot, confirm, "pricing-contract-terms", user_id="U1")
    click(
        slack_bot,
        menu,
        "pricing-contract-terms",
        user_id="U1",
        selected=menu["options"][0]["value"],
    )

    notes = slack_bot.fake.wait_for("chat.postMessage", 2)
    assert [(n.args["channel"], n.args["text"]) for n in notes] == [("U1", REFUSED)] * 2
    time.sleep(0.2)  # a wrongly accepted click would publish a Home next
    assert len(slack_bot.fake.calls_to("views.publish")) == publishes
    assert stored(slack_bot) == rows_before
    with slack_bot.services.sessions() as session:
        assert session.scalars(select(StageConfirmation)).all() == []


def test_a_forged_click_on_an_asset_staged_by_its_source_is_refused(
    slack_bot: SlackBot, unstaged: Path
) -> None:
    confirm, _ = stage_controls(open_home(slack_bot, MARKETER))["pricing-contract-terms"]
    forged = {**confirm, "value": "awareness"}
    before = len(slack_bot.fake.calls_to("views.publish"))

    click(slack_bot, forged, "guide-staged", user_id=MARKETER)

    view = next_view(slack_bot, before)
    assert "Not changed: guide-staged takes its stage from its source" in block_text(view["blocks"])
    assert stored(slack_bot)["guide-staged"] == (["decision"], False)


def test_a_dutch_marketer_reviews_stages_in_dutch(slack_bot: SlackBot, unstaged: Path) -> None:
    slack_bot.fake.users[MARKETER] = {"id": MARKETER, "name": "mia", "locale": "nl-NL"}

    view = open_home(slack_bot, MARKETER)

    text = block_text(view["blocks"])
    assert "Fases om te bevestigen* (3)" in text and "Stages to confirm" not in text
    _, menu = stage_controls(view)["pricing-contract-terms"]
    labels = {o["text"]["text"] for o in menu["options"]}
    assert "Bewustwording" in labels or "Overweging" in labels
