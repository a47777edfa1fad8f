"""`/content-stats [days]`: the marketing summary, privately, with a chart and a CSV button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.chart import stats_chart_png
from bot.dashboard import HOME_DAYS, MAX_DAYS, marketing_dashboard
from bot.i18n import N_, Translator
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.dashboard import content_stats_blocks, content_stats_text
from bot.slack.blocks.messages import notice_blocks
from bot.slack.client import respond
from bot.slack.failures import reply_on_failure
from bot.slack.files import upload_for
from bot.slack.language import ReplyLanguages

USAGE = N_(
    "Usage: `/content-stats` covers the last %(days)s days; `/content-stats 90` the last 90 "
    "(1 to %(max)s)."
)


def usage(t: Translator) -> str:
    return t.gettext(USAGE, days=HOME_DAYS, max=MAX_DAYS)


def parse_days(text: str) -> int | None:
    """The number of days asked for, the default when none, None when it is not a day count."""
    text = text.strip().lower().removesuffix("days").removesuffix("d").strip()
    if not text:
        return HOME_DAYS
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        return None
    return int(text)


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.command(ids.CONTENT_STATS_COMMAND)
    def content_stats(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        days = parse_days(command.get("text") or "")
        user = command["user_id"]
        if days is None:
            said = usage(languages.for_user(user))
            ack(text=said, blocks=notice_blocks(said), response_type="ephemeral")
            return
        ack()  # the summary follows through response_url, the chart as a file
        url = command["response_url"]
        t = languages.for_user(user)
        _ = t.gettext
        with reply_on_failure(lambda msg: respond(url, text=msg), "answering /content-stats", t):
            dashboard = marketing_dashboard(services, days=days)
            respond(
                url,
                text=content_stats_text(dashboard, t),
                blocks=content_stats_blocks(dashboard, t),
            )
            upload_for(
                client,
                user=user,
                channel=command.get("channel_id"),
                content=stats_chart_png(dashboard.assets, dashboard.stages, days=days),
                filename=f"content-stats-{days}d.png",
                title=_("Content stats, last %(days)s days", days=days),
                note=_("Your content stats chart for the last %(days)s days:", days=days),
            )
