"""Each start-up fault is one `error:` line naming the setting and what to do, and exit 2.

The real console entry point runs in a subprocess against the real fault: the fake Slack
refusing the token, a closed port for Slack or PostgreSQL, PostgreSQL refusing a user, a home
that is a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.serving import free_port
from bot.settings import Settings
from bot.slack.wsgi import FunnelbotWSGI
from bot.startup import StartupError, describe_failure
from tests.slack_support import BOT_TOKEN, FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5".replace("y", "1").replace("z", "2")
POSTGRES = "postgresql://{user}@127.0.0.1:{port}/test"


def funnelbot(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "FUNNELBOT_DATABASE_URL", "FUNNELBOT_HOME"))
    }
    environ.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=120,
    )


def assert_one_error_line(result: subprocess.CompletedProcess, *named: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for text in named:
        assert text in lines[0]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def serve_env(tmp_path: Path, slack_api_url: str, **more: str) -> dict[str, str]:
    return {
        "FUNNELBOT_HOME": str(tmp_path / "home"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_api_url,
        **more,
    }


@pytest.mark.parametrize("code", ["invalid_auth", "not_authed", "account_inactive"])
def test_a_token_slack_refuses_stops_serve_in_one_line(
    tmp_path: Path, fake_slack: FakeSlack, code: str
) -> None:
    fake_slack.on("auth.test", {"ok": False, "error": code})

    result = funnelbot(
        "serve", "--http", "--port", str(free_port()), **serve_env(tmp_path, fake_slack.base_url)
    )

    assert_one_error_line(result, "SLACK_BOT_TOKEN", code, "OAuth & Permissions")
    assert fake_slack.calls_to("auth.test")


def test_slack_unreachable_stops_serve_in_one_line(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"

    result = funnelbot("serve", "--http", **serve_env(tmp_path, closed))

    assert_one_error_line(result, "Slack is unreachable", "SLACK_API_URL")


def _postgres_up() -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


def test_database_unreachable_is_one_line_for_ask_and_serve(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    url = POSTGRES.format(user="root", port=free_port())

    asked = funnelbot("ask", "pricing", FUNNELBOT_DATABASE_URL=url, FUNNELBOT_HOME=str(tmp_path))
    served = funnelbot(
        "serve", "--http", **serve_env(tmp_path, fake_slack.base_url, FUNNELBOT_DATABASE_URL=url)
    )

    for result in (asked, served):
        assert_one_error_line(result, "FUNNELBOT_DATABASE_URL", "cannot reach the database")
    assert not fake_slack.calls_to("auth.test")  # stopped before anything else started


@pytest.mark.skipif(not _postgres_up(), reason="needs PostgreSQL on 127.0.0.1:5432")
def test_database_refusing_credentials_is_one_line(tmp_path: Path) -> None:
    url = POSTGRES.format(user="funnelbot_nobody:not-the-password", port=5432)

    result = funnelbot("ask", "pricing", FUNNELBOT_DATABASE_URL=url, FUNNELBOT_HOME=str(tmp_path))

    assert_one_error_line(result, "FUNNELBOT_DATABASE_URL", "refused the credentials")
    assert "not-the-password" not in result.stderr


def test_home_that_cannot_be_written_is_one_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    home = str(blocker / "home")

    asked = funnelbot("ask", "pricing", FUNNELBOT_HOME=home)
    ingested = funnelbot("ingest", str(ROOT / "examples" / "content"), FUNNELBOT_HOME=home)
    served = funnelbot(
        "serve", "--http", **serve_env(tmp_path, fake_slack.base_url) | {"FUNNELBOT_HOME": home}
    )

    for result in (asked, ingested, served):
        assert_one_error_line(result, "FUNNELBOT_HOME", home, "cannot be written")


def test_library_log_lines_go_to_debug_not_the_terminal(tmp_path: Path) -> None:
    """Alembic's INFO lines while a new home is migrated, pypdf's and bolt's warnings."""
    script = (
        "import logging; from bot.cli import configure_logging; configure_logging(); "
        "logging.getLogger('pypdf._reader').warning('pypdf noise'); "
        "logging.getLogger('slack_bolt.App').warning('bolt token noise'); "
        "logging.getLogger('bot.ingest').warning('ours')"
    )
    quiet = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    loud = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "FUNNELBOT_LOG_LEVEL": "DEBUG"},
    )
    migrated = funnelbot("ask", "pricing", FUNNELBOT_HOME=str(tmp_path), FUNNELBOT_LOG_LEVEL="INFO")

    assert quiet.stderr.splitlines() == ["WARNING bot.ingest: ours"]
    assert "DEBUG pypdf._reader: pypdf noise" in loud.stderr
    assert "DEBUG slack_bolt.App: bolt token noise" in loud.stderr
    assert "alembic" not in migrated.stderr
    assert migrated.stderr.strip().splitlines() == [
        f"error: nothing ingested in {tmp_path} yet: run funnelbot ingest DIR"
    ]


def _get(wsgi: FunnelbotWSGI, path: str) -> tuple[str, str]:
    seen: list[str] = []
    body = wsgi({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda s, _h: seen.append(s))
    return seen[0], b"".join(body).decode()


def test_healthz_says_starting_then_ok() -> None:
    from slack_bolt import App

    release = threading.Event()
    app = App(signing_secret=SECRET, token=BOT_TOKEN, token_verification_enabled=False)
    wsgi = FunnelbotWSGI(app, signing_secret=SECRET, warm_up=lambda: release.wait(10) and None)

    starting = _get(wsgi, "/healthz")
    release.set()
    assert wsgi.wait_ready(10)

    assert starting == ("503 Service Unavailable", "starting")
    assert _get(wsgi, "/healthz") == ("200 OK", "ok")


def test_healthz_gives_the_reason_it_is_not_ready(tmp_path: Path) -> None:
    from slack_bolt import App

    settings = Settings(home=tmp_path, database_url=POSTGRES.format(user="root", port=1))
    done = threading.Event()

    def warm_up() -> None:
        try:
            from content_store.db import make_engine

            make_engine(settings.database_url).connect()
        finally:
            done.set()

    app = App(signing_secret=SECRET, token=BOT_TOKEN, token_verification_enabled=False)
    wsgi = FunnelbotWSGI(
        app,
        signing_secret=SECRET,
        warm_up=warm_up,
        describe=lambda error: describe_failure(settings, error),
    )
    done.wait(10)
    for _ in range(100):
        status, text = _get(wsgi, "/healthz")
        if text != "starting":
            break
        threading.Event().wait(0.05)

    assert status == "503 Service Unavailable"
    assert text.startswith("not ready: FUNNELBOT_DATABASE_URL: cannot reach the database")
    assert describe_failure(settings, StartupError("SLACK_BOT_TOKEN …")) == "SLACK_BOT_TOKEN …"
