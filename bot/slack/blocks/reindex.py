"""Reindex messages: progress as it runs, the final summary, and the status of the last run.

In the language of the admin who ran it; asset ids, source keys, file problems and stored
errors are shown as they were written.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translator, english
from bot.ingest import IngestReport
from bot.slack.mrkdwn import escape, truncate
from content_store.models import IndexRun

MAX_LISTED = 20
ALLOW_REMOVALS_HINT = N_(
    ":point_right: If those assets really went away, `/reindex --allow-removals` removes them."
)


def progress_text(
    files: int, embedded: int, total: int | None, elapsed_s: float, t: Translator | None = None
) -> str:
    t = t or english()
    read = t.ngettext("%(count)s file read", "%(count)s files read", files, count=t.number(files))
    if total:
        chunks = t.ngettext(
            "%(done)s/%(count)s chunk embedded",
            "%(done)s/%(count)s chunks embedded",
            total,
            done=t.number(embedded),
            count=t.number(total),
        )
    else:
        chunks = t.gettext("comparing with the index")
    return t.gettext(
        ":hourglass_flowing_sand: Reindexing: %(files)s, %(chunks)s, %(seconds)s s",
        files=read,
        chunks=chunks,
        seconds=t.number(round(elapsed_s)),
    )


def summary_blocks(report: IngestReport, t: Translator | None = None) -> list[dict[str, Any]]:
    t = t or english()
    _ = t.gettext
    if report.dry_run:
        head = _("Dry run: nothing changed")
    elif report.blocked:
        head = _("Reindex stopped before changing anything")
    else:
        head = _("Reindex finished")
    counts = _(
        "*%(head)s* in %(seconds)s s: %(counts)s",
        head=head,
        seconds=t.number(report.duration_s, "0.0"),
        counts=report.counts_line(t),
    )
    blocks = [_section(counts)]
    for warning in report.blocked:
        blocks.append(_section(f":warning: {escape(t.say(warning))}"))
    if report.blocked:
        blocks.append(_section(_(ALLOW_REMOVALS_HINT)))
    for source in report.failed_sources:
        error = source.error or _("unknown error")
        blocks.append(
            _section(
                _(
                    ":warning: Source `%(source)s` failed, its content is kept as it was: "
                    "%(error)s",
                    source=escape(source.key),
                    error=escape(error),
                )
            )
        )
    if report.kept:
        lines = [f"• {escape(k.describe(t))}" for k in report.kept[:MAX_LISTED]]
        blocks.append(_section(_("*Kept previous versions*:") + "\n" + "\n".join(lines)))
    if report.problems:
        lines = [f"• `{escape(p.path)}`: {escape(p.reason)}" for p in report.problems[:MAX_LISTED]]
        more = len(report.problems) - MAX_LISTED
        if more > 0:
            lines.append(
                _("… and %(count)s more (see `funnelbot reindex` or the run log)", count=more)
            )
        blocks.append(
            _section(_("*Failed files* (the rest was indexed):") + "\n" + "\n".join(lines))
        )
    inferred = report.inferred_stages
    for title, ids in (
        (_("No stage given, inferred (confirm on the Home tab)"), report.missing_stage),
        (_("Past review_by"), report.past_review),
    ):
        if ids:
            shown = ", ".join(
                f"`{escape(i)}` ({t.stage(inferred[i])})" if i in inferred else f"`{escape(i)}`"
                for i in ids[:MAX_LISTED]
            )
            if len(ids) > MAX_LISTED:
                shown = _("%(shown)s and %(count)s more", shown=shown, count=len(ids) - MAX_LISTED)
            blocks.append(_section(f"*{title}* ({len(ids)}): {shown}"))
    blocks.extend(_section(escape(t.say(notice))) for notice in report.notices)
    return blocks


def summary_text(report: IngestReport, t: Translator | None = None) -> str:
    return report.summary(t)


def failure_text(error: str, t: Translator | None = None) -> str:
    t = t or english()
    return t.gettext(
        ":x: Reindex failed: %(error)s. The previous index is still answering.", error=error
    )


def status_blocks(
    last: IndexRun | None, running_since: str | None, t: Translator | None = None
) -> list[dict[str, Any]]:
    t = t or english()
    _ = t.gettext
    lines = []
    if running_since:
        lines.append(f":hourglass_flowing_sand: {escape(running_since)}")
    if last is None:
        lines.append(_("No reindex has run yet."))
    else:
        values = {
            "id": last.id,
            "trigger": escape(last.trigger),
            "when": f"{last.started_at:%Y-%m-%d %H:%M} UTC",
            "status": run_status(str(last.status), t),
            "counts": _(
                "%(added)s added, %(changed)s changed, %(removed)s removed, %(unchanged)s "
                "unchanged, %(failed)s failed",
                added=last.added,
                changed=last.changed,
                removed=last.removed,
                unchanged=last.unchanged,
                failed=last.failed,
            ),
        }
        if last.started_by:
            line = _(
                "Last run #%(id)s (%(trigger)s by %(person)s, %(when)s): *%(status)s* — %(counts)s",
                person=_person(last.started_by),
                **values,
            )
        else:
            line = _(
                "Last run #%(id)s (%(trigger)s, %(when)s): *%(status)s* — %(counts)s", **values
            )
        if last.error:
            # The stored error is the English the run log keeps.
            line += "\n" + _("Error: %(error)s", error=escape(truncate(last.error, 500)))
        lines.append(line)
    return [_section("\n".join(lines))]


def run_status(status: str, t: Translator) -> str:
    """A run's status word: "succeeded", "geslaagd"; an unknown one as it is stored."""
    # pgettext called by name: Babel reads the context only from a call it recognises.
    words = {
        "running": t.pgettext("run status", "running"),
        "succeeded": t.pgettext("run status", "succeeded"),
        "failed": t.pgettext("run status", "failed"),
    }
    return words.get(status, status)


def _person(who: str) -> str:
    """A Slack user id becomes a mention; "cli" or "cron" stay words."""
    return f"<@{who}>" if who[:1] in ("U", "W") and who.isalnum() else escape(who)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}
