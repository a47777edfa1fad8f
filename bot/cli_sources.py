"""`funnelbot sources`: each content source with its item count and last run; removing one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

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
    from bot.cli import _services, out
    from bot.sources import list_sources

    rows = list_sources(_services())
    if not rows:
        out.print("No sources yet: run `funnelbot ingest FOLDER|URL|gdrive:ID`.")
        return
    # One line per source, never cut: the key is what `sources remove` takes.
    for row in rows:
        when = f"{row.last_run_at:%Y-%m-%d %H:%M} UTC" if row.last_run_at else "never"
        status = row.last_status or "-"
        if row.last_error:
            status += f" ({row.last_error})"
        out.print(
            f"{row.key}  {row.kind}, {row.items} items, last run {when}: {status}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@sources_app.command("remove")
def remove_command(
    source: Annotated[str, typer.Argument(help="The source as `funnelbot sources` lists it.")],
) -> None:
    """Drop a source deliberately: its items stop being recommended (the log keeps them)."""
    from bot.cli import _fail, _services, out
    from bot.reindex import ReindexBusy
    from bot.sources import remove_source

    try:
        removed = remove_source(_services(), source)
    except ReindexBusy as busy:
        raise _fail(f"not removed: {busy}", 1) from None
    out.print(
        f"Removed {source}: {removed} assets no longer recommended.",
        highlight=False,
        soft_wrap=True,
    )


def stage_note(report: IngestReport) -> str:
    """Assets given no stage by their source: what the stage model proposed for each."""
    inferred = report.inferred_stages
    named = ", ".join(f"{i} ({inferred[i]})" if i in inferred else i for i in report.missing_stage)
    verb = "would be inferred" if report.dry_run else "inferred"
    return f"no stage given, {verb} (marketers confirm it on the Home tab): {named}"


def print_report_notes(report: IngestReport, err: Console) -> None:
    """What a run wants its reader to know besides the counts, one line each."""
    for warning in report.blocked:
        label = "warning" if report.dry_run else "stopped"
        err.print(f"{label}: {warning}", highlight=False, markup=False)
    for source in report.failed_sources:
        err.print(
            f"warning: source {source.key} failed, its content is kept as it was: {source.error}",
            highlight=False,
            markup=False,
        )
    kept = {k.path for k in report.kept}
    for problem in report.problems:
        if problem.path not in kept:
            err.print(f"warning: {problem.path}: {problem.reason}", highlight=False, markup=False)
    for item in report.kept:
        err.print(f"note: {item.describe()}", highlight=False, markup=False)
    if report.missing_stage:
        err.print(f"note: {stage_note(report)}", highlight=False, markup=False)
    if report.past_review:
        err.print(f"note: past review_by: {', '.join(report.past_review)}", highlight=False)
    for note in report.notes:
        err.print(f"note: {note}", highlight=False, markup=False)
