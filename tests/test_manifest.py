"""manifest.yml declares exactly what the app listens to, and each declared listener answers."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack import ids

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def load_manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_commands_match_the_code() -> None:
    declared = {c["command"] for c in load_manifest()["features"]["slash_commands"]}
    assert declared == set(ids.COMMANDS)


def test_manifest_bot_events_match_the_code() -> None:
    declared = set(load_manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert declared == set(ids.BOT_EVENTS)


def test_manifest_turns_on_what_the_features_need() -> None:
    manifest = load_manifest()
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "app_mentions:read",
        "channels:history",
        "channels:read",
        "chat:write",
        "commands",
        "files:write",
        "groups:history",
        "groups:read",
        "im:history",
        "users:read",
    }
