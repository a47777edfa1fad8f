"""/reindex from Slack: admins only, progress in a DM, incremental, one run at a time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.reindex import LEASE_NAME
from bot.settings import Settings
from bot.slack import ids
from content_store.leases import acquire
from content_store.models import IndexRun
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, recommendations
from tests.slack_support import BOT_TOKEN, FakeSlack, assert_valid_blocks, slash_command

ADMIN = "UADMIN"
NEW_ASSET = """---
id: cs-mercy-health-roi
title: "Mercy Health: the ROI of hospital supply forecasting"
url: https://tidewell.example/customers/mercy-health-roi
type: case-study
stage: [decision]
tags: [healthcare, roi]
---
Mercy Health, a 12-hospital system, cut expired supplies by 31% and freed $2.4M of working
capital in the first year with Tidewell's par-level forecasting. The CFO signed off after a
payback analysis showed break-even in five months.
"""


@pytest.fixture
def slack_settings(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, library: Path
) -> Settings:
    from tests.bot.slack.conftest import SIGNING_SECRET

    fake_slack.users[ADMIN] = {"id": ADMIN, "name": "ada", "is_admin": False, "is_owner": False}
    fake_slack.users["UOWNER"] = {
        "id": "UOWNER",
        "name": "own",
        "is_admin": False,
        "is_owner": True,
    }
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        content_dir=library,
        admins=frozenset({ADMIN}),
    )


def command(slack_bot: SlackBot, text: str = "", *, user: str = ADMIN) -> dict:
    status, body, elapsed = slack_bot.sender.post(
        *slash_command(
            ids.REINDEX_COMMAND, text, user_id=user, response_url=slack_bot.response_url()
        )
    )
    assert status == 200
    assert elapsed < 3.0
    assert isinstance(body, dict)
    return body


def runs(slack_bot: SlackBot) -> list[IndexRun]:
    with slack_bot.services.sessions() as session:
        return list(session.scalars(select(IndexRun).order_by(IndexRun.id)))


def final_summary(slack_bot: SlackBot) -> str:
    for _ in range(100):
        updates = slack_bot.fake.calls_to("chat.update")
        if updates and "finished" in str(updates[-1].args.get("text", "")) + str(
            updates[-1].args.get("blocks", "")
        ):
            assert_valid_blocks(updates[-1].args.get("blocks") or [])
            return block_text(updates[-1].args.get("blocks") or []) + updates[-1].args["text"]
        slack_bot.fake.wait_for("chat.update", count=len(updates) + 1, timeout=30)
    raise AssertionError("no final summary")


def test_non_admin_is_refused_and_nothing_runs(slack_bot: SlackBot) -> None:
    body = command(slack_bot, user="U1")

    assert "Only funnelbot admins" in body["text"]
    assert [c.args["user"] for c in slack_bot.fake.calls_to("users.info")] == ["U1"]
    assert len(runs(slack_bot)) == 1  # the sample ingest only
    assert slack_bot.fake.calls_to("chat.postMessage") == []


def test_workspace_owner_may_reindex_as_slack_says(slack_bot: SlackBot) -> None:
    body = command(slack_bot, "status", user="UOWNER")
    assert "Last run" in block_text(body["blocks"])


def test_admin_reindex_reflects_added_changed_removed_in_the_next_answer(
    slack_bot: SlackBot, library: Path
) -> None:
    (library / "case-studies" / "mercy-health-roi.md").write_text(NEW_ASSET, encoding="utf-8")
    pricing = library / "pricing" / "pricing-sheet-2027.md"
    pricing.write_text(pricing.read_text(encoding="utf-8") + "\nVolume discounts from 50 sites.\n")
    (library / "security" / "security-whitepaper.md").unlink()
    (library / "broken.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")

    body = command(slack_bot)

    assert "progress" in body["text"]
    [progress] = slack_bot.fake.wait_for("chat.postMessage")
    assert progress.args["channel"] == ADMIN
    summary = final_summary(slack_bot)
    for words in ("1 added", "1 changed", "1 removed", "30 unchanged", "1 failed", "broken.md"):
        assert words in summary
    updates = slack_bot.fake.calls_to("chat.update")
    assert len({(u.args["channel"], u.args["ts"]) for u in updates}) == 1  # one message, edited
    assert runs(slack_bot)[-1].status == "succeeded"

    slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_COMMAND,
            "need a healthcare ROI case at decision stage",
            response_url=slack_bot.response_url("after"),
        )
    )
    [answer] = slack_bot.fake.wait_for("response_url")
    assert "Mercy Health" in block_text(answer.args["blocks"])
    assert "sec-security-whitepaper" not in [
        i.item_id for i in recommendations(slack_bot.services)[-1].items
    ]


def test_second_reindex_while_one_runs_says_who_started_it(slack_bot: SlackBot) -> None:
    taken, _ = acquire(
        slack_bot.services.sessions,
        LEASE_NAME,
        "other-host:123:abc",
        ttl=timedelta(minutes=5),
        started_by="U7",
    )
    assert taken

    body = command(slack_bot)

    assert "Not started" in body["text"]
    assert "U7" in body["text"]
    assert len(runs(slack_bot)) == 1
    assert "is running" in block_text(command(slack_bot, "status")["blocks"])


def test_dry_run_shows_what_would_change_and_changes_nothing(
    slack_bot: SlackBot, library: Path
) -> None:
    (library / "security" / "security-whitepaper.md").unlink()

    command(slack_bot, "dry-run")

    [reply] = slack_bot.fake.wait_for("response_url", timeout=30)
    assert "1 removed" in reply.args["text"]
    assert "Dry run" in block_text(reply.args["blocks"])
    assert len(runs(slack_bot)) == 1
    assert "sec-security-whitepaper" in slack_bot.services.searcher().assets


def test_unknown_subcommand_gets_usage(slack_bot: SlackBot) -> None:
    assert "Usage" in command(slack_bot, "now please")["text"]


def test_a_reindex_through_one_server_is_served_by_another_process(
    slack_bot: SlackBot, library: Path, fake_slack: FakeSlack
) -> None:
    import os
    import subprocess
    import sys
    import time

    from benchmarks.serving import free_port, http_status
    from tests.bot.slack.conftest import SIGNING_SECRET
    from tests.slack_support import SlackSender

    settings = slack_bot.services.settings
    port = free_port()
    replica = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1",
         "--port", str(port)],
        env={
            **os.environ,
            "FUNNELBOT_HOME": str(settings.home.parent / "replica-home"),
            "FUNNELBOT_DATABASE_URL": settings.database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.base_url,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while http_status(f"http://127.0.0.1:{port}/healthz") != 200:
            assert replica.poll() is None and time.monotonic() < deadline
            time.sleep(0.25)
        (library / "case-studies" / "mercy-health-roi.md").write_text(NEW_ASSET, encoding="utf-8")

        command(slack_bot)  # through the in-process server
        final_summary(slack_bot)
        time.sleep(2.5)  # the replica checks the index version every 2 s

        other = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
        other.post(
            *slash_command(
                ids.CONTENT_COMMAND,
                "need a healthcare ROI case at decision stage",
                response_url=fake_slack.response_url("replica"),
            )
        )
        replies = fake_slack.wait_for("response_url", timeout=15)
        assert "Mercy Health" in block_text(replies[-1].args["blocks"])
    finally:
        replica.terminate()
        replica.wait(timeout=30)


def test_reindex_of_a_mostly_dutch_library_ends_with_the_multilingual_hint(
    slack_bot: SlackBot, library: Path
) -> None:
    import shutil

    from tests.bot.bilingual_library import write_library

    for folder in [p for p in library.iterdir() if p.is_dir()]:
        shutil.rmtree(folder)
    for file in [p for p in library.iterdir() if p.is_file()]:
        file.unlink()
    write_library(library / "bilingual")
    # Replacing the whole library is a mass removal, which a reindex refuses: drop the old
    # content deliberately first, as a team would with `funnelbot sources remove`.
    from bot.sources import remove_source

    remove_source(slack_bot.services, str(library))

    command(slack_bot)

    summary = final_summary(slack_bot)
    assert "6 added" in summary
    assert "FUNNELBOT_EMBEDDING_MODEL=multilingual-e5-small" in summary


def _last_update(slack_bot: SlackBot, words: str) -> str:
    """The progress message's text and blocks once an update contains `words`."""
    for _ in range(100):
        for update in reversed(slack_bot.fake.calls_to("chat.update")):
            text = block_text(update.args.get("blocks") or []) + str(update.args.get("text"))
            if words in text:
                assert_valid_blocks(update.args.get("blocks") or [])
                return text
        count = len(slack_bot.fake.calls_to("chat.update"))
        slack_bot.fake.wait_for("chat.update", count=count + 1, timeout=30)
    raise AssertionError(f"no update with {words!r}")


def test_a_mass_removal_stops_and_allow_removals_lets_an_admin_remove_them(
    slack_bot: SlackBot, library: Path
) -> None:
    gone = sorted((library / "blog").glob("*.md"))[:4]
    assert len(gone) == 4  # more than a tenth of the 32 assets
    for path in gone:
        path.unlink()
    before = set(slack_bot.services.searcher().assets)

    command(slack_bot)
    stopped = _last_update(slack_bot, "Stopped")

    assert "4 removed" in stopped
    assert "`/reindex --allow-removals` removes them" in stopped
    assert set(slack_bot.services.searcher().assets) == before
    assert "Only funnelbot admins" in command(slack_bot, "--allow-removals", user="U1")["text"]
    assert "Usage" in command(slack_bot, "--allow-removal")["text"]  # a typo runs nothing

    slack_bot.fake.clear()
    command(slack_bot, "--allow-removals")
    finished = final_summary(slack_bot)

    assert "4 removed" in finished
    assert runs(slack_bot)[-1].status == "succeeded"
    removed = before - set(slack_bot.services.searcher().assets)
    assert len(removed) == 4


def test_a_dutch_admins_reindex_is_reported_in_dutch(slack_bot: SlackBot, library: Path) -> None:
    # No question to read a language from: the admin's Slack locale decides.
    slack_bot.fake.users[ADMIN]["locale"] = "nl-BE"
    (library / "case-studies" / "mercy-health-roi.md").write_text(NEW_ASSET, encoding="utf-8")
    (library / "broken.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")

    body = command(slack_bot)

    assert body["text"].startswith("Herindexering gestart: in onze DM houd ik")
    [progress] = slack_bot.fake.wait_for("chat.postMessage")
    assert "bestanden gelezen" in progress.args["text"]
    summary = _last_update(slack_bot, "Herindexering klaar")
    for words in ("1 toegevoegd", "32 ongewijzigd", "1 mislukt", "*Mislukte bestanden*"):
        assert words in summary
    assert "broken.md" in summary  # a file's path and the loader's reason as they are
    assert "finished" not in summary and "added" not in summary
    lookup = slack_bot.fake.calls_to("users.info")[0]
    assert (lookup.args["user"], lookup.args["include_locale"]) == (ADMIN, "1")

    status = block_text(command(slack_bot, "status")["blocks"])
    assert (
        "Laatste run #2 (slack door <@UADMIN>, " in status and "*geslaagd* — 1 toegevoegd" in status
    )
    assert "Gebruik: `/reindex`" in command(slack_bot, "nu graag")["text"]


def test_a_dutch_non_admin_is_refused_in_dutch_with_one_users_info(slack_bot: SlackBot) -> None:
    slack_bot.fake.users["U1"]["locale"] = "nl-NL"

    body = command(slack_bot, user="U1")

    assert body["text"].startswith("Alleen funnelbot-admins kunnen herindexeren.")
    # The admin check's users.info carried the locale: Slack was asked once, not twice.
    assert [c.args["user"] for c in slack_bot.fake.calls_to("users.info")] == ["U1"]


def test_an_english_admins_status_reads_as_before(slack_bot: SlackBot) -> None:
    slack_bot.fake.users[ADMIN]["locale"] = "en-US"

    status = block_text(command(slack_bot, "status")["blocks"])

    assert '"text": "Last run #1 (cli, ' in status
    assert "*succeeded* — 32 added, 0 changed, 0 removed, 0 unchanged, 0 failed" in status
