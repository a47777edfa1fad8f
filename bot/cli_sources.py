"""`funnelbot sources`: each content source with its item count and last run; removing one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bot.i18n import Translator, english

if TYPE_CHECKING:
    from bot.ingest import IngestReport

sources_app = typer.Typer(
    help="List the content sources, or remove one.",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")


@sources_app.callback()
def list_command(ctx: typer.Context) -> None:
    """Each source with its active item count and its last run."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.cli import _services, _terminal_language, out
    from bot.sources import list_sources

    services = _services()
    t = _terminal_language(services.settings)
    _ = t.gettext
    rows = list_sources(services)
    if not rows:
        out.print(
            _("No sources yet: run `funnelbot ingest FOLDER|URL|gdrive:ID`."), highlight=False
        )
        return
    # One line per source, never cut: the key is what `sources remove` takes.
    for row in rows:
        when = f"{row.last_run_at:%Y-%m-%d %H:%M} UTC" if row.last_run_at else _("never")
        # The status word is the run log's ("ok", "failed"); its error is the source's own.
        status = row.last_status or "-"
        if row.last_error:
            status += f" ({row.last_error})"
        # One wording for every count ("1 items"): scripts read this line as it always was.
        out.print(
            _(
                "%(source)s  %(kind)s, %(count)s items, last run %(when)s: %(status)s",
                source=row.key,
                kind=row.kind,
                count=row.items,
                when=when,
                status=status,
            ),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@sources_app.command("remove")
def remove_command(
    source: Annotated[str, typer.Argument(help="The source as `funnelbot sources` lists it.")],
) -> None:
    """Drop a source deliberately: its items stop being recommended.

    The log keeps them."""
    from bot.cli import _fail, _services, _terminal_language, out
    from bot.reindex import ReindexBusy
    from bot.sources import remove_source

    services = _services()
    t = _terminal_language(services.settings)
    try:
        removed = remove_source(services, source)
    except ReindexBusy as busy:
        raise _fail(t.gettext("not removed: %(reason)s", reason=t.say(busy.phrase)), 1) from None
    out.print(
        # One wording for every count, as the English always read.
        t.gettext(
            "Removed %(source)s: %(count)s assets no longer recommended.",
            source=source,
            count=removed,
        ),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def stage_note(report: IngestReport, t: Translator | None = None) -> str:
    """Assets given no stage by their source: what the stage model proposed for each."""
    t = t or english()
    inferred = report.inferred_stages
    named = ", ".join(
        f"{i} ({t.stage(inferred[i])})" if i in inferred else i for i in report.missing_stage
    )
    if report.dry_run:
        return t.gettext(
            "no stage given, would be inferred (marketers confirm it on the Home tab): %(ids)s",
            ids=named,
        )
    return t.gettext(
        "no stage given, inferred (marketers confirm it on the Home tab): %(ids)s", ids=named
    )


def print_report_notes(report: IngestReport, err: Console, t: Translator | None = None) -> None:
    """What a run wants its reader to know besides the counts, one line each."""
    t = t or english()
    _ = t.gettext

    def say(line: str) -> None:
        err.print(line, highlight=False, markup=False)

    for warning in report.blocked:
        said = t.say(warning)
        say(
            _("warning: %(line)s", line=said)
            if report.dry_run
            else _("stopped: %(line)s", line=said)
        )
    for source in report.failed_sources:
        say(
            _(
                "warning: source %(source)s failed, its content is kept as it was: %(error)s",
                source=source.key,
                error=source.error,
            )
        )
    kept = {k.path for k in report.kept}
    for problem in report.problems:
        if problem.path not in kept:
            # A loader's reason is its own English.
            problem_line = f"{problem.path}: {problem.reason}"
            say(_("warning: %(line)s", line=problem_line))
    for item in report.kept:
        say(_("note: %(line)s", line=item.describe(t)))
    if report.missing_stage:
        say(_("note: %(line)s", line=stage_note(report, t)))
    if report.past_review:
        say(
            _(
                "note: %(line)s",
                line=_("past review_by: %(ids)s", ids=", ".join(report.past_review)),
            )
        )
    for note in report.notes:
        say(_("note: %(line)s", line=t.say(note)))
