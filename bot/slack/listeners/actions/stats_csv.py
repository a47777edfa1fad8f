""" "Download CSV" under /content-stats: the full per-asset table as a file."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.dashboard import asset_csv, asset_table
from bot.services import Services
from bot.slack import ids
from bot.slack.failures import reply_on_failure
from bot.slack.files import upload_for
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.actions.payload import confirm
from bot.slack.listeners.commands.content_stats import parse_days


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.action(ids.STATS_CSV)
    def download_csv(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        t = languages.for_user(body["user"]["id"])
        _ = t.gettext
        with reply_on_failure(lambda msg: confirm(body, msg), "uploading the stats CSV", t):
            days = parse_days(str(action.get("value") or ""))
            if days is None:
                confirm(body, _("That button carries no period; run `/content-stats` again."))
                return
            table = asset_csv(asset_table(services, days=days))
            channel = str((body.get("channel") or {}).get("id") or "") or None
            where = upload_for(
                client,
                user=body["user"]["id"],
                channel=channel,
                content=table,
                filename=f"content-stats-{days}d.csv",
                title=_("Content stats per asset, last %(days)s days", days=days),
                note=_("The per-asset table for the last %(days)s days:", days=days),
            )
            confirm(
                body,
                _("Uploaded the CSV here.")
                if where == channel
                else _("Uploaded the CSV to our DM (I can't post files in this channel)."),
            )
