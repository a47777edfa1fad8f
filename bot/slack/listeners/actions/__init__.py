"""Button clicks: useful, not useful, sent it, share, Ask marketing on answers; Download CSV on
stats; a marketer's take / pick / done on a request."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners.actions import (
    clarify,
    crm_pushes,
    feedback,
    pick_prospect,
    requests,
    share,
    stats_csv,
)


def register(app: App, services: Services) -> None:
    crm_pushes.register(app, services)
    feedback.register(app, services)
    pick_prospect.register(app, services)
    share.register(app, services)
    stats_csv.register(app, services)
    requests.register(app, services)
    clarify.register(app, services)
