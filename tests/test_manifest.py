"""manifest.yml declares exactly what the app listens to, in the fields Slack documents today
(features.agent_view, oauth_config.scopes.bot, settings.event_subscriptions.bot_events)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from slack_bolt import App
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack import ids
from bot.slack.listeners import register_all

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
# Scope lines in the manifest carry a comment saying why: the file is read as text for those.
SCOPE_LINE = "      - "


def load_manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


class RecordingApp(App):
    """The real bolt App, noting what each listener registers for."""

    def __init__(self) -> None:
        super().__init__(
            signing_secret="0" * 32,
            client=WebClient(token="xoxb-manifest"),
            token_verification_enabled=False,
        )
        self.registered: dict[str, set[str]] = {
            k: set() for k in ("event", "command", "action", "view", "options")
        }

    def _note(self, kind: str, key: Any) -> None:
        if isinstance(key, re.Pattern):
            # A family of ids ("pick_prospect:0", ":1", ...): noted as the id it is built on.
            key = next(a for a in ids.ACTIONS if key.pattern.startswith(f"^{re.escape(a)}"))
        self.registered[kind].add(key if isinstance(key, str) else str(key.get("type", key)))

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._note("event", event)
        return super().event(event, *args, **kwargs)

    def command(self, command: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._note("command", command)
        return super().command(command, *args, **kwargs)

    def action(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._note("action", constraints)
        return super().action(constraints, *args, **kwargs)

    def view(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._note("view", constraints)
        return super().view(constraints, *args, **kwargs)

    def options(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self._note("options", constraints)
        return super().options(constraints, *args, **kwargs)


def registered() -> dict[str, set[str]]:
    app = RecordingApp()
    # Registration only keeps the services for later calls; settings is all it reads now.
    register_all(app, SimpleNamespace(settings=Settings()))  # type: ignore[arg-type]
    return app.registered


def test_manifest_commands_match_the_code() -> None:
    declared = {c["command"] for c in load_manifest()["features"]["slash_commands"]}
    assert declared == set(ids.COMMANDS) == registered()["command"]


def test_manifest_bot_events_match_the_listeners() -> None:
    declared = set(load_manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert declared == set(ids.BOT_EVENTS)
    # message.im, message.channels and message.groups all arrive as "message" events.
    assert {e.split(".")[0] for e in declared} == registered()["event"]


def test_every_action_view_and_options_id_has_a_listener() -> None:
    found = registered()
    assert found["action"] == set(ids.ACTIONS)
    assert found["view"] == set(ids.VIEWS)
    assert found["options"] == set(ids.OPTIONS)


def test_manifest_scopes_are_the_needed_ones_each_with_a_reason() -> None:
    scopes = load_manifest()["oauth_config"]["scopes"]["bot"]
    assert scopes == sorted(scopes)
    assert set(scopes) == set(ids.BOT_SCOPES)
    lines = [line for line in MANIFEST.read_text().splitlines() if line.startswith(SCOPE_LINE)]
    for scope in scopes:
        [line] = [line for line in lines if line.split("#")[0].strip() == f"- {scope}"]
        assert "#" in line and len(line.split("#", 1)[1].strip()) > 10, scope


def test_manifest_turns_on_the_features_the_code_needs() -> None:
    manifest = load_manifest()
    features = manifest["features"]
    assert set(ids.FEATURES) <= set(features)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["interactivity"]["message_menu_options_url"]
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    agent = features["agent_view"]
    assert 0 < len(agent["agent_description"]) <= 4000
    prompts = agent["suggested_prompts"]
    assert 1 <= len(prompts) <= 4
    assert all(set(p) == {"title", "message"} and p["title"] and p["message"] for p in prompts)
    # link_shared only arrives for the domains listed (FUNNELBOT_UNFURL_DOMAINS, at most five).
    assert 1 <= len(features["unfurl_domains"]) <= 5
    # The legacy surface and the new one are exclusive; funnelbot declares the new one.
    assert "assistant_view" not in features
