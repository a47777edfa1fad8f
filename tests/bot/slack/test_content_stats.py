"""/content-stats: a private summary, a PNG chart and a CSV, uploaded with the v2 upload API."""

from __future__ import annotations

import csv
import io
from typing import Any

from PIL import Image

from bot.slack import ids
from content_store.models import FeedbackKind
from tests.bot.log_rows import log_answer, log_click
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, button_value, valid_blocks
from tests.slack_support import block_actions, slash_command

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SEC = "sec-security-whitepaper"


def content_stats(slack_bot: SlackBot, text: str, *, channel: str = "C1") -> dict | str:
    status, body, elapsed = slack_bot.sender.post(
        *slash_command(
            ids.CONTENT_STATS_COMMAND,
            text,
            channel_id=channel,
            response_url=slack_bot.response_url("stats"),
        )
    )
    assert status == 200
    assert elapsed < 3.0
    return body


def uploaded(slack_bot: SlackBot, n: int = 1) -> tuple[bytes, dict[str, Any]]:
    """The bytes of the n-th upload and the files.completeUploadExternal call that shared it."""
    fake = slack_bot.fake
    [*_, completed] = fake.wait_for("files.completeUploadExternal", n, timeout=30)
    [*_, asked] = fake.wait_for("files.getUploadURLExternal", n)
    [entry] = completed.args["files"]
    data = fake.uploads[entry["id"]]
    assert int(asked.args["length"]) == len(data)
    return data, completed.args


def log_some_answers(slack_bot: SlackBot) -> None:
    services = slack_bot.services
    rec = log_answer(
        services, "SOC 2 report?", [SEC, "price-tidewell-pricing-sheet"], stage="decision"
    )
    log_click(services, rec, FeedbackKind.USEFUL)
    log_click(services, rec, FeedbackKind.SENT, item_id=SEC)
    log_answer(services, "soc 2 again", [SEC], stage="decision", asker="U2")
    log_answer(services, "healthcare ROI case study", stage="decision", weak=True)


def test_summary_is_private_and_the_chart_is_a_png_uploaded_to_the_channel(
    slack_bot: SlackBot,
) -> None:
    log_some_answers(slack_bot)

    content_stats(slack_bot, "90")

    [reply] = slack_bot.fake.wait_for("response_url", timeout=30)
    assert reply.args["response_type"] == "ephemeral"
    blocks = valid_blocks(reply)
    text = block_text(blocks)
    assert "Content stats, last 90 days" in text
    assert "Tidewell security whitepaper" in text and "healthcare ROI case study" in text
    assert button_value(blocks, ids.STATS_CSV) == "90"

    png, shared = uploaded(slack_bot)
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every pixel: a truncated or corrupt PNG raises here
    assert image.format == "PNG" and image.width > 500 and image.height > 300
    assert shared["channel_id"] == "C1"
    assert [c.method for c in slack_bot.fake.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


def test_chart_goes_to_the_dm_when_the_channel_refuses_it(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    complete = fake._api_files_completeUploadExternal

    def refuse_c1(args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel_id") == "C1":
            return {"ok": False, "error": "not_in_channel"}
        return complete(args)

    fake.on("files.completeUploadExternal", refuse_c1)

    content_stats(slack_bot, "")

    completions = fake.wait_for("files.completeUploadExternal", 2, timeout=30)
    [note] = fake.wait_for("chat.postMessage")
    assert note.args["channel"] == "U1"
    assert completions[-1].args["channel_id"] == "U1"  # the DM channel chat.postMessage named
    [*_, last_upload] = fake.wait_for("upload", 2)
    assert last_upload.args["content"].startswith(PNG_SIGNATURE)


def test_download_csv_uploads_the_full_per_asset_table(slack_bot: SlackBot) -> None:
    log_some_answers(slack_bot)

    status, _, _ = slack_bot.sender.post(
        *block_actions(
            ids.STATS_CSV, "30", channel_id="C1", response_url=slack_bot.response_url("csv")
        )
    )

    assert status == 200
    data, shared = uploaded(slack_bot)
    assert shared["channel_id"] == "C1"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) == 32
    by_id = {r["id"]: r for r in rows}
    assert by_id[SEC]["surfaced"] == "2" and by_id[SEC]["sent"] == "1"
    assert by_id[SEC]["useful"] == "1" and by_id[SEC]["useful_rate"] == "1.000"
    assert by_id["roi-inventory-calculator"]["surfaced"] == "0"
    [note] = slack_bot.fake.wait_for("response_url")
    assert "Uploaded the CSV here" in note.args["text"]


def test_bad_period_gets_usage_and_no_work(slack_bot: SlackBot) -> None:
    body = content_stats(slack_bot, "last quarter")

    assert isinstance(body, dict) and "Usage" in body["text"]
    assert slack_bot.fake.calls_to("files.getUploadURLExternal") == []
