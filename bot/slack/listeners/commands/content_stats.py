"""Placeholder: filled by the work that adds this command."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    pass
