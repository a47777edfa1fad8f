"""`funnelbot serve --http` as an operator runs it: gunicorn, /healthz, a signed /content."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.serving import free_port, http_status
from bot.cli import app as cli_app
from bot.settings import Settings
from bot.slack import ids
from index.embedder import Embedder
from tests.bot.slack.conftest import SIGNING_SECRET
from tests.conftest import SampleTemplate, start_ingested
from tests.slack_support import BOT_TOKEN, FakeSlack, SlackSender, slash_command


@pytest.fixture
def server(
    slack_settings: Settings,
    embedder: Embedder,
    fake_slack: FakeSlack,
    sample_template: SampleTemplate,
) -> Iterator[str]:
    start_ingested(slack_settings, embedder, sample_template).close()
    port = free_port()
    env = {
        **os.environ,
        "FUNNELBOT_HOME": str(slack_settings.home),
        "FUNNELBOT_DATABASE_URL": slack_settings.database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while http_status(url + "/healthz") != 200:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "server never became ready"
            time.sleep(0.25)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_http_server_answers_health_and_a_signed_content_command(
    server: str, fake_slack: FakeSlack
) -> None:
    sender = SlackSender(server + "/slack/events", SIGNING_SECRET)

    status, _, elapsed = sender.post(
        *slash_command(
            ids.CONTENT_COMMAND,
            "prospect asked for our SOC 2 report",
            response_url=fake_slack.response_url("served"),
        )
    )

    assert status == 200
    assert elapsed < 3.0
    [reply] = fake_slack.wait_for("response_url", timeout=10)
    assert "SOC 2 Type II" in str(reply.args["blocks"])
    assert http_status(server + "/nowhere") == 404
    bad, _, _ = sender.post(b"token=x", "application/x-www-form-urlencoded", bad_signature=True)
    assert bad == 401


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, "xoxb-"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_missing_or_malformed_setting_stops_start_up_naming_it(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = CliRunner().invoke(
        cli_app, ["serve", "--http"], env={**env, "FUNNELBOT_HOME": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert named in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_socket_mode_needs_an_app_token(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["serve"],
        env={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "", "FUNNELBOT_HOME": str(tmp_path)},
    )
    assert result.exit_code == 2
    assert "SLACK_APP_TOKEN" in result.output
