"""A new or empty home is obvious: `ask` says so; `status` shows each part and if it is ready."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.services import Services
from bot.settings import Settings
from tests.conftest import EXAMPLES, cli_env
from tests.slack_support import BOT_TOKEN


def run(*args: str, **env: str):
    return CliRunner().invoke(app, list(args), env=env)


def test_ask_on_a_new_home_exits_2_and_logs_nothing(tmp_path: Path, database_url: str) -> None:
    env = {"FUNNELBOT_HOME": str(tmp_path / "new"), "FUNNELBOT_DATABASE_URL": database_url}

    asked = run("ask", "what do we have on pricing?", **env)
    from_stdin = CliRunner().invoke(app, ["ask", "-"], env=env, input="pricing\n")
    logged = run("log", "--json", **env)

    for result in (asked, from_stdin):
        assert result.exit_code == 2
        assert result.stderr == (
            f"error: nothing ingested in {tmp_path / 'new'} yet: run funnelbot ingest DIR\n"
        )
        assert result.stdout == ""
    assert json.loads(logged.stdout) == []  # no answer and no "content gap" was recorded


def test_a_relative_home_is_made_absolute_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    settings = Settings.from_env({"FUNNELBOT_HOME": "teams/home"})
    monkeypatch.chdir("/")

    assert settings.home == tmp_path / "teams" / "home"
    assert settings.database_url == f"sqlite:///{tmp_path / 'teams' / 'home' / 'funnelbot.db'}"


def test_status_on_an_ingested_home_is_all_ok(ingested: Services, database_url: str) -> None:
    home = ingested.settings.home

    result = run(
        "status",
        "--json",
        FUNNELBOT_HOME=str(home),
        FUNNELBOT_DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd9911122285a5",
    )

    assert result.exit_code == 0, result.output
    checks = {c["check"]: c for c in json.loads(result.stdout)}
    assert list(checks) == [
        "home",
        "database",
        "model",
        "index",
        "last ingest",
        "sources",
        "slack",
        "crm",
    ]
    assert all(c["ok"] for c in checks.values()), checks
    assert checks["home"]["value"] == str(home)
    assert "32 assets" in checks["index"]["value"]
    assert checks["index"]["value"].startswith("version ")
    assert "32 added" in checks["last ingest"]["value"]
    assert checks["sources"]["value"].startswith(str(EXAMPLES / "content") + " (read ")
    assert checks["slack"]["value"] == "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET set (HTTP)"
    assert BOT_TOKEN not in result.stdout
    assert checks["crm"]["value"] == "not configured"


def test_status_names_what_is_not_ready(tmp_path: Path) -> None:
    new = run("status", FUNNELBOT_HOME=str(tmp_path / "new"))
    away = run(
        "status",
        "--json",
        FUNNELBOT_HOME=str(tmp_path),
        FUNNELBOT_DATABASE_URL="postgresql://root:hunter2@127.0.0.1:1/test",
        SLACK_BOT_TOKEN="xoxp-a-user-token",
    )

    assert new.exit_code == 1
    assert f"nothing ingested in {tmp_path / 'new'} yet: run funnelbot ingest DIR" in new.stdout
    assert "not created yet" in new.stdout
    assert away.exit_code == 1
    checks = {c["check"]: c for c in json.loads(away.stdout)}
    assert "cannot reach the database" in checks["database"]["problem"]
    assert "hunter2" not in away.stdout
    assert "xoxb-" in checks["slack"]["problem"]


def test_answers_piped_are_not_wrapped(ingested: Services, database_url: str) -> None:
    question = "prospect asked for our SOC 2 report " + "and the details of every control " * 4

    result = run(
        "ask",
        question,
        FUNNELBOT_HOME=str(ingested.settings.home),
        FUNNELBOT_DATABASE_URL=database_url,
    )

    assert result.exit_code == 0, result.output
    assert question.strip() in result.stdout.splitlines()


def test_status_speaks_the_terminals_language_and_its_json_stays_english(
    ingested: Services, database_url: str
) -> None:
    env = cli_env(ingested.settings.home, database_url, SLACK_BOT_TOKEN="xoxp-a-user-token")
    dutch_terminal = {**env, "LANG": "nl_NL.UTF-8"}
    runner = CliRunner()

    dutch = runner.invoke(app, ["status"], env=dutch_terminal)
    english = runner.invoke(app, ["status"], env={**env, "LANG": "C.UTF-8"})
    as_json = runner.invoke(app, ["status", "--json"], env=dutch_terminal)

    assert dutch.exit_code == english.exit_code == 1  # the user token is not a bot token
    lines = [" ".join(line.split()) for line in dutch.stdout.splitlines()]
    assert lines[0] == "controle waarde status"
    assert any(line.startswith("thuismap ") and line.endswith(" ok") for line in lines)
    assert any(line.startswith("index versie ") and "assets: 32," in line for line in lines)
    assert any(line.startswith("laatste inlezing ") and "32 toegevoegd" in line for line in lines)
    slack = "slack SLACK_BOT_TOKEN ingesteld SLACK_BOT_TOKEN is ongeldig: een bottoken begint met"
    assert any(line.startswith(slack) for line in lines)
    assert "crm niet ingesteld ok" in lines
    english_lines = [" ".join(line.split()) for line in english.stdout.splitlines()]
    assert english_lines[0] == "check value status"
    assert "crm not configured ok" in english_lines
    assert "32 added" in english.stdout and "toegevoegd" not in english.stdout
    checks = {c["check"]: c for c in json.loads(as_json.stdout)}
    assert "32 assets" in checks["index"]["value"]
    assert (
        checks["slack"]["problem"] == "SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-"
    )
