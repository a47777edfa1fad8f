"""Reindex messages: progress as it runs, the final summary, and the status of the last run."""

from __future__ import annotations

from typing import Any

from bot.ingest import IngestReport
from bot.slack.mrkdwn import escape, truncate
from content_store.models import IndexRun

MAX_LISTED = 20
ALLOW_REMOVALS_HINT = (
    ":point_right: If those assets really went away, `/reindex --allow-removals` removes them."
)


def progress_text(files: int, embedded: int, total: int | None, elapsed_s: float) -> str:
    chunks = f"{embedded:,}/{total:,} chunks embedded" if total else "comparing with the index"
    return f":hourglass_flowing_sand: Reindexing: {files:,} files read, {chunks}, {elapsed_s:.0f} s"


def summary_blocks(report: IngestReport) -> list[dict[str, Any]]:
    c = report.counts
    if report.dry_run:
        head = "Dry run: nothing changed"
    elif report.blocked:
        head = "Reindex stopped before changing anything"
    else:
        head = "Reindex finished"
    counts = (
        f"*{head}* in {report.duration_s:.1f} s: {c['added']} added, {c['changed']} changed, "
        f"{c['removed']} removed, {c['unchanged']} unchanged, {c['failed']} failed"
    )
    blocks = [_section(counts)]
    for warning in report.blocked:
        blocks.append(_section(f":warning: {escape(warning)}"))
    if report.blocked:
        blocks.append(_section(ALLOW_REMOVALS_HINT))
    for source in report.failed_sources:
        blocks.append(
            _section(
                f":warning: Source `{escape(source.key)}` failed, its content is kept as it was: "
                f"{escape(source.error or 'unknown error')}"
            )
        )
    if report.kept:
        lines = [f"• {escape(k.describe())}" for k in report.kept[:MAX_LISTED]]
        blocks.append(_section("*Kept previous versions*:\n" + "\n".join(lines)))
    if report.problems:
        lines = [f"• `{escape(p.path)}`: {escape(p.reason)}" for p in report.problems[:MAX_LISTED]]
        more = len(report.problems) - MAX_LISTED
        if more > 0:
            lines.append(f"… and {more} more (see `funnelbot reindex` or the run log)")
        blocks.append(_section("*Failed files* (the rest was indexed):\n" + "\n".join(lines)))
    inferred = report.inferred_stages
    for title, ids in (
        ("No stage given, inferred (confirm on the Home tab)", report.missing_stage),
        ("Past review_by", report.past_review),
    ):
        if ids:
            shown = ", ".join(
                f"`{escape(i)}` ({inferred[i]})" if i in inferred else f"`{escape(i)}`"
                for i in ids[:MAX_LISTED]
            )
            extra = f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""
            blocks.append(_section(f"*{title}* ({len(ids)}): {shown}{extra}"))
    blocks.extend(_section(escape(notice)) for notice in report.notices)
    return blocks


def summary_text(report: IngestReport) -> str:
    return report.summary()


def failure_text(error: str) -> str:
    return f":x: Reindex failed: {error}. The previous index is still answering."


def status_blocks(last: IndexRun | None, running_since: str | None) -> list[dict[str, Any]]:
    lines = []
    if running_since:
        lines.append(f":hourglass_flowing_sand: {escape(running_since)}")
    if last is None:
        lines.append("No reindex has run yet.")
    else:
        when = f"{last.started_at:%Y-%m-%d %H:%M} UTC"
        who = f" by {_person(last.started_by)}" if last.started_by else ""
        line = (
            f"Last run #{last.id} ({escape(last.trigger)}{who}, {when}): *{last.status}* — "
            f"{last.added} added, {last.changed} changed, {last.removed} removed, "
            f"{last.unchanged} unchanged, {last.failed} failed"
        )
        if last.error:
            line += f"\nError: {escape(truncate(last.error, 500))}"
        lines.append(line)
    return [_section("\n".join(lines))]


def _person(who: str) -> str:
    """A Slack user id becomes a mention; "cli" or "cron" stay words."""
    return f"<@{who}>" if who[:1] in ("U", "W") and who.isalnum() else escape(who)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}
