"""The `funnelbot` command line: ingest, ask, prospects, the log, stats, eval and serve."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot import cli_sources
from bot.answer import Answer
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.services import Services

app = typer.Typer(
    help="funnelbot: the right marketing content for the buyer's stage.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
prospect_app = typer.Typer(help="Store and show a prospect's buyer-journey stage.")
app.add_typer(prospect_app, name="prospect")
cli_sources.register(app)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise _fail(str(error)) from None


def _services() -> Services:
    # Imported here so `funnelbot --help` does not load torch.
    from bot.services import Services
    from bot.spool import flush_spool

    services = Services(_settings())
    # Answers an earlier run spooled while the database was away go into the log now.
    flush_spool(services)
    return services


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


@app.command()
def ingest(
    sources: Annotated[
        list[str],
        typer.Argument(help="Content sources: a folder, an http(s) site, gdrive:FOLDER_ID."),
    ],
    strict: Annotated[bool, typer.Option(help="Exit 1 if any file had a problem.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    allow_removals: Annotated[
        bool,
        typer.Option(
            "--allow-removals", help="Go ahead when over 10% of a source's assets would go."
        ),
    ] = False,
    max_pages: Annotated[
        int | None, typer.Option(min=1, max=100_000, help="Pages to read from a website.")
    ] = None,
) -> None:
    """Read content sources and index what is new or changed; other sources are left as they are."""
    for spec in sources:
        if "://" not in spec and not spec.startswith("gdrive:") and not Path(spec).is_dir():
            raise _fail(f"{spec} is not a folder (nor an http(s) URL or gdrive:FOLDER_ID)")
    _index_library(
        sources, strict=strict, dry_run=dry_run, allow_removals=allow_removals, max_pages=max_pages
    )


@app.command("reindex")
def reindex_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any file had a problem.")] = False,
    allow_removals: Annotated[
        bool,
        typer.Option(
            "--allow-removals", help="Go ahead when over 10% of a source's assets would go."
        ),
    ] = False,
) -> None:
    """Refresh the index from every configured source (for cron); one run at a time."""
    sources = list(_settings().sources)
    if not sources:
        raise _fail(
            "neither FUNNELBOT_CONTENT_SOURCES nor FUNNELBOT_CONTENT_DIR is set: "
            "name the content library folder, site or Drive folder"
        )
    _index_library(sources, strict=strict, dry_run=dry_run, allow_removals=allow_removals)


def _index_library(
    sources: list[str],
    *,
    strict: bool,
    dry_run: bool,
    allow_removals: bool = False,
    max_pages: int | None = None,
) -> None:
    from dataclasses import replace

    from bot.ingest import IngestProgress, source_options
    from bot.reindex import ReindexBusy, reindex

    services = _services()
    options = source_options(services.settings)
    if max_pages is not None:
        options = replace(options, max_pages=max_pages)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        reading = bar.add_task("reading files", total=None)
        embedding = bar.add_task("embedding chunks", total=None, visible=False)
        progress = IngestProgress(
            on_file=lambda _p: bar.advance(reading),
            on_embed_start=lambda total: bar.update(embedding, total=total, visible=True),
            on_embedded=lambda done: bar.update(embedding, completed=done),
        )
        try:
            report = reindex(
                services,
                sources,
                started_by="cli",
                trigger="cli",
                dry_run=dry_run,
                progress=progress,
                allow_removals=allow_removals,
                options=options,
            )
        except ReindexBusy as busy:
            raise _fail(f"not started: {busy}", 1) from None
    from bot.cli_sources import print_report_notes

    out.print(report.summary(), highlight=False)
    print_report_notes(report, err)
    if report.blocked and not dry_run:
        raise typer.Exit(1)
    if report.problems or report.failed_sources:
        if report.problems:
            err.print(f"{len(report.problems)} file(s) skipped; everything else was ingested.")
        if strict:
            raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, or - to read one per line.")],
    prospect: Annotated[str | None, typer.Option(help="The prospect it is about.")] = None,
    stage: Annotated[str | None, typer.Option(help="awareness, consideration or decision")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=10, help="How many assets.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per answer.")] = False,
) -> None:
    """Ask for content, as a rep would in Slack."""
    from bot.recommend import Question, QuestionError, recommend
    from content_store.stage import parse_stage

    try:
        stated = parse_stage(stage) if stage else None
    except ValueError as error:
        raise _fail(f"--stage: {error}") from None
    services = _services()
    questions = sys.stdin if question == "-" else [question]
    answered = 0
    for line in questions:
        if question == "-" and not line.strip():
            continue
        try:
            answer = recommend(
                services, Question(text=line, source="cli", prospect=prospect, stage=stated, k=k)
            )
        except QuestionError as error:
            if question != "-":
                raise _fail(str(error)) from None
            print(json.dumps({"question": line.strip(), "error": str(error)}), flush=True)
            continue
        answered += 1
        if as_json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            _print_answer(answer)
    if answered == 0 and question == "-":
        raise _fail("no questions on standard input")


def _print_answer(answer: Answer) -> None:
    out.print(f"[bold]{answer.question}[/bold]", highlight=False)
    out.print(f"Stage: {answer.stage.explain()}", highlight=False)
    if answer.weak:
        out.print("[yellow]Nothing strong for this: it is logged as a content gap.[/yellow]")
    for item in answer.items:
        internal = " [yellow]internal, don't forward[/yellow]" if item.internal else ""
        out.print(
            f"{item.rank}. [bold]{item.title}[/bold] ({item.type}){internal}", highlight=False
        )
        if item.url:
            out.print(f"   {item.url}", highlight=False)
        out.print(f"   {item.reason}", highlight=False)
    logged = (
        f"logged as #{answer.recommendation_id}"
        if answer.recommendation_id > 0
        else "database away: kept in the local spool, logged when it is back"
    )
    out.print(f"[dim]{answer.latency_ms:.0f} ms, {logged}[/dim]")


@prospect_app.command("set")
def prospect_set(
    name: Annotated[str, typer.Argument(help="The prospect's name, e.g. Acme.")],
    stage: Annotated[str, typer.Argument(help="awareness, consideration or decision")],
) -> None:
    """Store a prospect's stage; questions that name the prospect use it."""
    from content_store.db import transaction
    from content_store.prospects import set_prospect_stage
    from content_store.stage import parse_stage

    try:
        parsed = parse_stage(stage)
    except ValueError as error:
        raise _fail(str(error)) from None
    services = _services()
    try:
        with transaction(services.sessions) as session:
            prospect = set_prospect_stage(session, name, parsed, changed_by="cli")
            out.print(f"{prospect.name} is now at the {prospect.stage} stage.", highlight=False)
    except ValueError as error:
        raise _fail(str(error)) from None


@prospect_app.command("show")
def prospect_show(name: Annotated[str, typer.Argument(help="The prospect's name.")]) -> None:
    """Show a prospect's stage and its history."""
    from content_store.prospects import get_prospect

    services = _services()
    with services.sessions() as session:
        prospect = get_prospect(session, name)
        if prospect is None:
            raise _fail(f"no prospect named {name!r}; set one with `funnelbot prospect set`", 1)
        out.print(f"{prospect.name}: {prospect.stage} stage", highlight=False)
        for change in prospect.history:
            who = f" by {change.changed_by}" if change.changed_by else ""
            out.print(f"  {change.changed_at:%Y-%m-%d %H:%M} {change.stage}{who}", highlight=False)


@app.command("log")
def show_log(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recent recommendations, newest first, with their items and feedback."""
    from bot.log_view import recommendation_to_json
    from content_store.log import recent_recommendations

    services = _services()
    with services.sessions() as session:
        rows = [recommendation_to_json(r) for r in recent_recommendations(session, limit=limit)]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        out.print(
            f"#{row['id']} {row['created_at'][:19]} [{row['source']}] {row['user'] or '-'}: "
            f"{row['question']}",
            highlight=False,
            markup=False,
        )
        out.print(f"   stage {row['stage'] or '?'} ({row['stage_source']})", highlight=False)
        for item in row["items"]:
            out.print(f"   {item['rank']}. {item['id']} ({item['score']:.3f})", highlight=False)
        for fb in row["feedback"]:
            extra = f" {fb['reason']}" if fb["reason"] else ""
            target = f" on {fb['asset_id']}" if fb["asset_id"] else ""
            out.print(f"   feedback: {fb['kind']}{target}{extra} by {fb['user']}", highlight=False)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="The full per-asset table as CSV.")] = False,
    days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Only the last DAYS days.")
    ] = None,
) -> None:
    """Most surfaced assets, assets never surfaced, content gaps, and coverage by stage."""
    from dataclasses import asdict
    from datetime import UTC, datetime, timedelta

    from content_store.stats import usage_stats

    services = _services()
    if as_csv:
        from bot.dashboard import asset_csv, asset_table

        sys.stdout.write(asset_csv(asset_table(services, days=days)))
        return
    since = None if days is None else datetime.now(UTC) - timedelta(days=days)
    from content_store.lifecycle import lifecycle_counts

    with services.sessions() as session:
        result = usage_stats(session, since=since)
        lifecycle = lifecycle_counts(session, today=datetime.now(UTC).date())
    if as_json:
        data = {**asdict(result), "lifecycle": asdict(lifecycle)}
        print(json.dumps(data, default=str, ensure_ascii=False, indent=2))
        return
    out.print(f"{result.questions} questions, {result.weak_answers} with weak matches")
    out.print(f"Library: {lifecycle.line()}", highlight=False)
    table = Table(
        "asset", "type", "surfaced", "useful", "not useful", "sent", title="Most surfaced"
    )
    for a in result.most_surfaced:
        table.add_row(
            a.title, a.type, str(a.surfaced), str(a.useful), str(a.not_useful), str(a.sent)
        )
    out.print(table)
    out.print(f"Never surfaced ({len(result.never_surfaced)}):")
    for item_id, title in result.never_surfaced:
        out.print(f"  {item_id}: {title}", highlight=False, markup=False)
    out.print("Content gaps (weak matches):")
    for gap in result.gaps:
        out.print(f"  [{gap.stage or '?'}] {gap.question} ({gap.top_score:.2f})", markup=False)
    coverage = Table("stage", "assets", "questions", title="By stage")
    for s in result.stages:
        coverage.add_row(s.stage, str(s.assets), str(s.questions))
    out.print(coverage)


@app.command()
def digest(
    post: Annotated[
        bool, typer.Option("--post", help="Post it to FUNNELBOT_MARKETING_CHANNEL.")
    ] = False,
) -> None:
    """The weekly digest: top gaps, most used, never surfaced, mostly 👎, past review_by."""
    from bot.digest import digest_text, weekly_digest

    settings = _settings()
    channel = settings.marketing_channel
    if post and not channel:
        raise _fail("FUNNELBOT_MARKETING_CHANNEL is not set: name the channel id to post to")
    if post and not (settings.slack_bot_token or "").startswith("xoxb-"):
        raise _fail("SLACK_BOT_TOKEN is not set or malformed (the bot token, xoxb-…)")
    services = _services()
    if not post or channel is None:
        out.print(digest_text(weekly_digest(services)), highlight=False, markup=False)
        return
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import make_web_client
    from bot.slack.digest import post_digest

    try:
        post_digest(services, make_web_client(settings), channel)
    except SlackApiError as error:
        raise _fail(f"Slack refused the digest: {error.response.get('error')}", 1) from None
    out.print(f"Posted the digest to {channel}.", highlight=False)


@app.command("eval")
def run_eval(
    questions: Annotated[Path, typer.Argument(help="A JSONL file of labelled questions.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Retrieval quality (nDCG@5, recall@5, MRR, stage accuracy) vs BM25 and dense."""
    from bot.evaluate import evaluate, read_questions

    try:
        labelled = read_questions(questions)
    except (OSError, ValueError) as error:
        raise _fail(str(error)) from None
    report = evaluate(_services(), labelled)
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
        return
    table = Table("ranking", "nDCG@5", "recall@5", "MRR", title=f"{report.questions} questions")
    names = {"hybrid": "hybrid + stage", "lexical": "BM25 only", "dense": "dense only"}
    for mode, m in report.modes.items():
        table.add_row(names[mode], f"{m['ndcg@5']:.3f}", f"{m['recall@5']:.3f}", f"{m['mrr']:.3f}")
    out.print(table)
    out.print(f"stage accuracy (inferred from the question): {report.stage_accuracy:.1%}")
    if report.unknown_ids:
        err.print(
            f"[yellow]warning:[/yellow] ids not in the index: {', '.join(report.unknown_ids)}"
        )


@app.command()
def serve(
    http: Annotated[
        bool, typer.Option("--http", help="Serve HTTP instead of Socket Mode.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535)] = 3000,
    host: Annotated[str, typer.Option(help="Address to bind in HTTP mode.")] = "0.0.0.0",
    threads: Annotated[int, typer.Option(min=1, max=64)] = 8,
) -> None:
    """Run the Slack bot: Socket Mode (no public URL needed) or HTTP (POST /slack/events)."""
    from bot.slack.serve import serve_http, serve_socket_mode

    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # probes CPU builds noisily
    settings = _settings()
    try:
        settings.require_slack(socket_mode=not http)
    except SettingsError as error:
        raise _fail(str(error)) from None
    if http:
        serve_http(settings, host=host, port=port, threads=threads)
    else:
        serve_socket_mode(settings)


if __name__ == "__main__":
    main()
