"""Button clicks: useful, not useful, sent it, share, Ask marketing on answers; Download CSV on
stats; a marketer's take / pick / done on a request; a marketer's confirmed stage on Home."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.actions import (
    clarify,
    crm_pushes,
    feedback,
    pick_prospect,
    requests,
    share,
    stage_review,
    stats_csv,
)


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    crm_pushes.register(app, services, languages)
    feedback.register(app, services, languages)
    pick_prospect.register(app, services, languages)
    share.register(app, services, languages)
    stats_csv.register(app, services, languages)
    requests.register(app, services, languages)
    clarify.register(app, services, languages)
    stage_review.register(app, services, languages)
