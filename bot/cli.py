"""The `funnelbot` command line: ingest, ask, prospects, the log, stats, eval and serve."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from bot import cli_sources
from bot.answer import Answer
from bot.cli_crm import crm_app
from bot.i18n import Translator
from bot.settings import Settings
from content_store.errors import FunnelbotError

if TYPE_CHECKING:
    from typer._click.core import Context

    from bot.evaluate import EvalReport, LabelledQuestion
    from bot.gaps import GapGroup
    from bot.ingest import IngestProgress
    from bot.services import Services
    from content_store.lifecycle import LifecycleCounts
    from content_store.stats import UsageStats


class _OneLineErrors(TyperGroup):
    """The one place a command's FunnelbotError becomes `error: …` and the exit code of its kind
    (2 bad input or settings, 1 a failure); the subcommand groups run inside it."""

    def invoke(self, ctx: Context) -> object:
        try:
            return super().invoke(ctx)
        except FunnelbotError as error:
            # In the environment's language, not the settings': the settings may be what failed.
            said = _environment_translator().error(error)
            raise _fail(escape(said), error.exit_code) from None


def _environment_translator() -> Translator:
    from bot.i18n import environment_language, translator

    return translator(environment_language(os.environ))


app = typer.Typer(
    cls=_OneLineErrors,
    help="funnelbot: the right marketing content for the buyer's stage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
prospect_app = typer.Typer(help="Store and show a prospect's buyer-journey stage.")
app.add_typer(prospect_app, name="prospect")
app.add_typer(crm_app, name="crm")
cli_sources.register(app)


def _console(*, stderr: bool = False) -> Console:
    console = Console(stderr=stderr, soft_wrap=True)
    if not console.is_terminal:
        # Piped or redirected: no screen to fit, so lines and table cells are never wrapped.
        console.width = PIPED_WIDTH
    return console


PIPED_WIDTH = 10_000
GAP_LIMIT = 20  # gap groups `stats` lists
out = _console()
err = _console(stderr=True)
# Libraries whose log lines mean nothing to a funnelbot user (Alembic's "Context impl", pypdf's
# object-stream warnings, slack_sdk's "Failed to send" that our own error line already says):
# demoted to DEBUG. Bolt's below ERROR too (its token notes); its errors stay errors.
LIBRARY_LOGGERS = ("alembic", "pypdf", "slack_sdk", "faiss", "py.warnings")
BOLT_LOGGERS = ("slack_bolt", "bot.slack.bolt")


class _DemoteLibraryNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(LIBRARY_LOGGERS) or (
            record.name.startswith(BOLT_LOGGERS) and record.levelno < logging.ERROR
        ):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return record.levelno >= (logging.getLogger().level or logging.WARNING)


def configure_logging(level: int = logging.WARNING) -> None:
    """One stderr handler; FUNNELBOT_LOG_LEVEL=DEBUG shows the libraries' own lines too."""
    name = os.environ.get("FUNNELBOT_LOG_LEVEL", "").strip().upper()
    chosen = logging.getLevelNamesMapping().get(name, level) if name else level
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_DemoteLibraryNoise())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(chosen)
    logging.captureWarnings(True)  # a library's Python warnings become demoted log records
    for name in LIBRARY_LOGGERS + BOLT_LOGGERS:
        # Their own levels must not drop a record before the filter can demote it.
        logging.getLogger(name).setLevel(logging.NOTSET)


def main() -> None:
    """The console script: one error style (`error: …` on stderr; 2 bad input, 1 failure)."""
    from typer._click.exceptions import Abort, ClickException, UsageError

    configure_logging()
    try:
        code = app(standalone_mode=False, prog_name="funnelbot")
    except UsageError as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            raise SystemExit(2) from None  # the help was printed already
        where = error.ctx.command_path if error.ctx is not None else "funnelbot"
        _fail(f"{error.format_message()} (see `{where} --help`)")
        raise SystemExit(2) from None
    except ClickException as error:
        _fail(error.format_message(), error.exit_code)
        raise SystemExit(error.exit_code) from None
    except Abort:
        raise SystemExit(130) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out.print(f"funnelbot {version('funnelbot')}", highlight=False)
        except PackageNotFoundError:
            out.print("funnelbot (not installed)", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    _show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """funnelbot: the right marketing content for the buyer's stage."""


def _settings() -> Settings:
    return Settings.from_env()


def _services() -> Services:
    # Imported here so `funnelbot --help` does not load torch.
    from bot.spool import flush_spool
    from bot.startup import open_services

    services = open_services(_settings())
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
    """Read content sources and index what is new or changed."""
    for spec in sources:
        if "://" not in spec and not spec.startswith("gdrive:") and not Path(spec).is_dir():
            t = _terminal_language(_settings())
            raise _fail(
                t.gettext(
                    "%(source)s is not a folder (nor an http(s) URL or gdrive:FOLDER_ID)",
                    source=spec,
                )
            )
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
    """Re-read every configured source (for cron); one run at a time."""
    settings = _settings()
    sources = list(settings.sources)
    if not sources:
        raise _fail(
            _terminal_language(settings).gettext(
                "neither FUNNELBOT_CONTENT_SOURCES nor FUNNELBOT_CONTENT_DIR is set: "
                "name the content library folder, site or Drive folder"
            )
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

    from bot.ingest import source_options
    from bot.reindex import ReindexBusy, reindex

    services = _services()
    t = _terminal_language(services.settings)
    options = source_options(services.settings)
    if max_pages is not None:
        options = replace(options, max_pages=max_pages)
    with _ingest_progress(t) as progress:
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
            raise _fail(
                t.gettext("not started: %(reason)s", reason=t.say(busy.phrase)), 1
            ) from None
    from bot.cli_sources import print_report_notes

    out.print(report.summary(t), highlight=False)
    print_report_notes(report, err, t)
    for notice in report.notices:
        # One line, however wide.
        out.print(t.say(notice), highlight=False, markup=False, soft_wrap=True)
    if report.blocked and not dry_run:
        raise typer.Exit(1)
    if report.problems or report.failed_sources:
        if report.problems:
            skipped = len(report.problems)
            err.print(
                t.ngettext(
                    "%(count)s file skipped; everything else was ingested.",
                    "%(count)s files skipped; everything else was ingested.",
                    skipped,
                    count=skipped,
                ),
                highlight=False,
            )
        if strict:
            raise typer.Exit(1)


@contextmanager
def _ingest_progress(t: Translator) -> Iterator[IngestProgress]:
    """Rich bars on a terminal; elsewhere (cron, CI, a pipe) a plain line per step."""
    from bot.ingest import IngestProgress

    _ = t.gettext
    if not err.is_terminal:
        err.print(_("reading files"), highlight=False)
        yield IngestProgress(
            on_embed_start=lambda total: err.print(
                t.ngettext(
                    "embedding %(count)s chunk", "embedding %(count)s chunks", total, count=total
                ),
                highlight=False,
            )
        )
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        reading = bar.add_task(escape(_("reading files")), total=None)
        embedding = bar.add_task(escape(_("embedding chunks")), total=None, visible=False)
        yield IngestProgress(
            on_file=lambda _p: bar.advance(reading),
            on_embed_start=lambda total: bar.update(embedding, total=total, visible=True),
            on_embedded=lambda done: bar.update(embedding, completed=done),
        )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, or - to read one per line.")],
    prospect: Annotated[str | None, typer.Option(help="The prospect it is about.")] = None,
    stage: Annotated[str | None, typer.Option(help="awareness, consideration or decision.")] = None,
    k: Annotated[int, typer.Option("-k", metavar="N", min=1, max=10, help="How many assets.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per answer.")] = False,
) -> None:
    """Ask for content, as a rep would in Slack."""
    from bot.recommend import Question, QuestionError, recommend
    from bot.status import active_items, nothing_ingested
    from content_store.stage import parse_stage

    try:
        stated = parse_stage(stage) if stage else None
    except ValueError as error:
        raise _fail(f"--stage: {error}") from None
    services = _services()
    t = _terminal_language(services.settings)
    if not active_items(services.sessions):
        # Not a content gap: there is no content. Nothing is logged.
        raise _fail(escape(t.say(nothing_ingested(services.settings.home))))
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
                raise _fail(t.error(error)) from None
            print(json.dumps({"question": line.strip(), "error": str(error)}), flush=True)
            continue
        answered += 1
        if as_json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            _print_answer(answer, t)
    if answered == 0 and question == "-":
        raise _fail(t.gettext("no questions on standard input"))


def _terminal_language(settings: Settings) -> Translator:
    """The CLI speaks the terminal's language (LANG and friends) when it has a catalog; else
    FUNNELBOT_LANGUAGE (English unless set). `--json` stays English: it is for programs."""
    from bot.i18n import translator

    return translator(settings.terminal_language or settings.language)


def _print_answer(answer: Answer, t: Translator | None = None) -> None:
    from bot.i18n import english

    t = t or english()
    _ = t.gettext
    out.print(f"[bold]{escape(answer.question)}[/bold]", highlight=False)
    if answer.vague:
        out.print(
            "[yellow]"
            + escape(
                _(
                    "Too little to search on: name the topic or what the prospect needs, or "
                    "give --stage."
                )
            )
            + "[/yellow] "
            + escape(_("Closest picks for now:")),
            highlight=False,
        )
    out.print(escape(_("Stage: %(line)s", line=answer.stage.explain(t))), highlight=False)
    if answer.weak:
        out.print(
            "[yellow]"
            + escape(_("Nothing strong for this: it is logged as a content gap."))
            + "[/yellow]"
        )
    for item in answer.items:
        internal = (
            " [yellow]" + escape(_("internal, don't forward")) + "[/yellow]"
            if item.internal
            else ""
        )
        out.print(
            f"{item.rank}. [bold]{escape(item.title)}[/bold] ({escape(item.type)}){internal}",
            highlight=False,
        )
        if item.url:
            out.print(f"   {escape(item.url)}", highlight=False)
        out.print(f"   {escape(item.explain(t))}", highlight=False)
    logged = (
        _("logged as #%(id)s", id=answer.recommendation_id)
        if answer.recommendation_id > 0
        else _("database away: kept in the local spool, logged when it is back")
    )
    out.print(f"[dim]{escape(f'{answer.latency_ms:.0f} ms, {logged}')}[/dim]")


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
    t = _terminal_language(services.settings)
    try:
        with transaction(services.sessions) as session:
            prospect = set_prospect_stage(session, name, parsed, changed_by="cli")
            said = t.gettext(
                "%(name)s is now at the %(stage)s.",
                name=prospect.name,
                stage=t.stage_phrase(prospect.stage),
            )
            out.print(said, highlight=False, markup=False)
    except ValueError as error:
        raise _fail(str(error)) from None


@prospect_app.command("show")
def prospect_show(name: Annotated[str, typer.Argument(help="The prospect's name.")]) -> None:
    """Show a prospect's stage and its history (and, with a CRM, what the CRM says)."""
    from bot.prospects import show

    services = _services()
    t = _terminal_language(services.settings)
    _ = t.gettext
    view = show(services, name)
    if view is None:
        raise _fail(
            escape(
                _(
                    "no prospect named %(name)s; set one with `funnelbot prospect set`",
                    name=repr(name),
                )
            ),
            1,
        )
    if view.stage == "not stored":  # the CRM knows it, funnelbot does not
        said = _("%(name)s: no stage stored", name=view.name)
    else:
        said = _("%(name)s: %(stage)s", name=view.name, stage=t.stage_phrase(view.stage))
    out.print(said, highlight=False, markup=False)
    if view.crm:
        out.print(f"  CRM: {t.say(view.crm)}", highlight=False, markup=False)
    for stage, at, who in view.history:
        step = t.stage(stage)
        if who:
            step = _("%(stage)s by %(person)s", stage=step, person=who)
        out.print(f"  {at:%Y-%m-%d %H:%M} {step}", highlight=False, markup=False)


@app.command("log")
def show_log(
    limit: Annotated[
        int, typer.Option(metavar="N", min=1, max=10_000, help="How many to show.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list, for machines.")] = False,
) -> None:
    """Recent answers, newest first, with their items and feedback."""
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
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for machines.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="The full per-asset table as CSV.")] = False,
    days: Annotated[
        int | None, typer.Option(metavar="DAYS", min=1, max=3650, help="Only the last DAYS days.")
    ] = None,
) -> None:
    """Most and never surfaced assets, content gaps, coverage by stage.

    The content gaps are grouped the way the weekly digest groups them."""
    from dataclasses import asdict
    from datetime import UTC, datetime, timedelta

    from bot.gaps import content_gaps
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
    # The same grouping the weekly digest and the marketing Home use, not the raw log rows.
    gaps = content_gaps(services, since=since, limit=GAP_LIMIT) or []
    if as_json:
        data = asdict(result) | {"gaps": [asdict(g) for g in gaps], "lifecycle": asdict(lifecycle)}
        print(json.dumps(data, default=str, ensure_ascii=False, indent=2))
        return
    _print_stats(result, lifecycle, gaps, _terminal_language(services.settings))


def _print_stats(
    result: UsageStats, lifecycle: LifecycleCounts, gaps: list[GapGroup], t: Translator
) -> None:
    from bot.slack.blocks.insights import duration

    _ = t.gettext
    # Plain digits as before: scripts read these lines.
    questions = t.ngettext(
        "%(count)s question", "%(count)s questions", result.questions, count=result.questions
    )
    out.print(
        _(
            "%(questions)s, %(weak)s with weak matches",
            questions=questions,
            weak=result.weak_answers,
        ),
        highlight=False,
    )
    line = _(
        "%(drafts)s drafts, %(archived)s archived, %(expired)s expired, %(superseded)s "
        "superseded (none of them recommended); %(internal)s internal, %(overdue)s past "
        "review_by, %(inferred)s with an inferred stage to confirm",
        drafts=lifecycle.drafts,
        archived=lifecycle.archived,
        expired=lifecycle.expired,
        superseded=lifecycle.superseded,
        internal=lifecycle.internal,
        overdue=lifecycle.review_overdue,
        inferred=lifecycle.stage_inferred,
    )
    out.print(_("Library: %(line)s", line=line), highlight=False)
    if result.requests is not None:
        r = result.requests
        out.print(
            _(
                "%(opened)s requests to marketing (%(done)s done, %(open)s open now); median "
                "first response %(first)s, done %(done_in)s",
                opened=r.opened,
                done=r.done,
                open=r.open_now,
                first=duration(r.median_first_response, t),
                done_in=duration(r.median_done, t),
            ),
            highlight=False,
        )
    table = Table(
        _("asset"),
        _("type"),
        _("surfaced"),
        _("useful"),
        _("not useful"),
        _("sent"),
        title=_("Most surfaced"),
    )
    for a in result.most_surfaced:
        # Titles and types are the library's own words.
        table.add_row(
            escape(a.title), escape(a.type), str(a.surfaced), str(a.useful), str(a.not_useful),
            str(a.sent),
        )  # fmt: skip
    out.print(table)
    out.print(_("Never surfaced (%(count)s):", count=len(result.never_surfaced)), highlight=False)
    for item_id, title in result.never_surfaced:
        out.print(f"  {item_id}: {title}", highlight=False, markup=False)
    out.print(_("Content gaps, grouped (weak matches, 👎 topic missing):"), highlight=False)
    for gap in gaps:
        out.print(f"  - {gap.describe(t)}", highlight=False, markup=False)
    if not gaps:
        out.print("  " + _("none"), highlight=False)
    coverage = Table(_("stage"), _("assets"), _("questions"), title=_("By stage"))
    for s in result.stages:
        coverage.add_row(t.stage(s.stage), str(s.assets), str(s.questions))
    out.print(coverage)


@app.command()
def digest(
    post: Annotated[
        bool, typer.Option("--post", help="Post it to FUNNELBOT_MARKETING_CHANNEL.")
    ] = False,
) -> None:
    """The weekly digest for marketing: gaps, most used, unused, 👎.

    Top content gaps, most used, never surfaced, mostly 👎, past review_by."""
    from bot.digest import digest_text, weekly_digest

    settings = _settings()
    t = _terminal_language(settings)
    _ = t.gettext
    channel = settings.marketing_channel
    if post and not channel:
        raise _fail(_("FUNNELBOT_MARKETING_CHANNEL is not set: name the channel id to post to"))
    if post and not (settings.slack_bot_token or "").startswith("xoxb-"):
        raise _fail(_("SLACK_BOT_TOKEN is not set or malformed (the bot token, xoxb-…)"))
    services = _services()
    if not post or channel is None:
        out.print(digest_text(weekly_digest(services), t), highlight=False, markup=False)
        return
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import make_web_client
    from bot.slack.digest import post_digest

    try:
        post_digest(services, make_web_client(settings), channel)
    except SlackApiError as error:
        refused = _("Slack refused the digest: %(error)s", error=error.response.get("error"))
        raise _fail(escape(refused), 1) from None
    said = _("Posted the digest to %(channel)s.", channel=channel)
    out.print(said, highlight=False)


@app.command("eval")
def run_eval(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="[LIBRARY] QUESTIONS: a JSONL file of labelled questions, after the content "
            "library to evaluate on (ingested into a temporary home; without it, the current one)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Retrieval quality on labelled questions, vs plain baselines.

    Ranking (nDCG@5, recall@5, MRR@5), stage accuracy and calibration, and
    the weak-match flag, for funnelbot and plain baselines, per language too."""
    from bot.evaluate import read_questions

    t = _terminal_language(_settings())
    _ = t.gettext
    if len(paths) not in (1, 2):
        raise _fail(_("give the questions file, or a library folder and the questions file"))
    library, questions = (None, paths[0]) if len(paths) == 1 else (paths[0], paths[1])
    if library is not None and not library.is_dir():
        raise _fail(
            escape(
                _(
                    "%(path)s is not a folder: name the content library to evaluate on",
                    path=library,
                )
            )
        )
    try:
        labelled = read_questions(questions)
    except (OSError, ValueError) as error:
        raise _fail(str(error)) from None
    report = _evaluate_on(library, labelled)
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
        return
    _print_eval(report, t)


def _evaluate_on(library: Path | None, labelled: list[LabelledQuestion]) -> EvalReport:
    from bot.evaluate import evaluate

    if library is None:
        return evaluate(_services(), labelled)
    import tempfile
    from dataclasses import replace

    from bot.ingest import ingest
    from bot.services import Services

    settings = _settings()
    with tempfile.TemporaryDirectory(prefix="funnelbot-eval-") as home:
        scratch = replace(settings, home=Path(home), database_url=f"sqlite:///{home}/eval.db")
        services = Services(scratch)
        try:
            ingest(services, library, trigger="eval")
            return evaluate(services, labelled)
        finally:
            services.close()


def _interval(bounds: object, form: str) -> str:
    """A bootstrap interval as "[low, high]" in ``form`` (a dash would read as a minus beside
    signed figures); "–" when there were too few questions."""
    if not isinstance(bounds, list | tuple):
        return "–"
    return f"[{form.format(bounds[0])}, {form.format(bounds[1])}]"


def _print_eval(report: EvalReport, t: Translator) -> None:
    """The report's tables in t's language; the figures stay plain (0.843, 71.2%), and nDCG,
    MRR, recall@5 and BM25 are terms of art."""
    from bot.evaluate import SYSTEMS

    _ = t.gettext
    for name, piece in report.slices.items():
        data = piece.to_json()
        title = _("all questions") if name == "all" else _("language: %(language)s", language=name)
        table = Table(
            _("system"),
            "nDCG@5",
            "95% CI",  # a term of art, like the metrics' names
            "recall@5",
            "MRR@5",
            title=_("%(title)s (%(count)s ranked)", title=title, count=data["questions_ranked"]),
        )
        for system, label in SYSTEMS.items():
            m = data["systems"][system]  # type: ignore[index]
            table.add_row(
                escape(_(label)),
                f"{m['ndcg@5']:.3f}",
                _interval(m["ndcg@5_ci95"], "{:.3f}"),
                f"{m['recall@5']:.3f}",
                f"{m['mrr@5']:.3f}",
            )
        out.print(table)
        gain: dict[str, Any] = data["over_best_baseline"]  # type: ignore[assignment]
        out.print(
            _(
                "funnelbot against the best plain system (%(baseline)s): %(gain)s nDCG@5, 95%% "
                "interval %(interval)s (per question, paired)",
                baseline=_(SYSTEMS[gain["baseline"]]),
                gain=f"{gain['ndcg@5']:+.3f}",
                interval=_interval(gain["ci95"], "{:+.3f}"),
            ),
            highlight=False,
        )
        figures = {
            "accuracy": f"{data['stage_accuracy']:.1%}",
            "interval": _interval(data["stage_accuracy_ci95"], "{:.1%}"),
            "ece": f"{data['ece']:.3f}",
        }
        out.print(
            _(
                "stage accuracy: %(accuracy)s of %(count)s (95%% interval %(interval)s; no stage "
                "counts as wrong); expected calibration error %(ece)s",
                count=data["stage_questions"],
                **figures,
            ),
            highlight=False,
        )
        weak: dict[str, float] = data["weak_match"]  # type: ignore[assignment]
        figures = {"precision": f"{weak['precision']:.2f}", "recall": f"{weak['recall']:.2f}"}
        out.print(
            _(
                "weak-match flag: precision %(precision)s, recall %(recall)s (%(flagged)s flagged, "
                "%(no_answer)s without a good asset, %(questions)s questions)",
                flagged=weak["flagged"],
                no_answer=weak["no_answer"],
                questions=weak["questions"],
                **figures,
            ),
            highlight=False,
        )
        if name == "all":
            bins = Table(
                _("confidence"),
                _("questions"),
                _("mean confidence"),
                _("share right"),
                title=_("stage reliability"),
            )
            for row in data["reliability"]:  # type: ignore[attr-defined]
                bins.add_row(
                    f"{row['low']:.1f}–{row['high']:.1f}",
                    str(row["count"]),
                    f"{row['confidence']:.2f}",
                    f"{row['right']:.2f}",
                )
            out.print(bins)
    if report.unknown_ids:
        line = _("ids not in the index: %(ids)s", ids=", ".join(report.unknown_ids))
        err.print(f"[yellow]{escape(_('warning: %(line)s', line=line))}[/yellow]")


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list, for machines.")] = False,
) -> None:
    """Home, database, model, index, last ingest, sources, Slack, CRM.

    Each check says ok or what is wrong; exit 1 if any is not ok.
    Nothing is changed."""
    from bot.status import status_checks

    settings = _settings()
    checks = status_checks(settings)
    if as_json:
        print(json.dumps([c.to_json() for c in checks], ensure_ascii=False, indent=2))
    else:
        t = _terminal_language(settings)
        _ = t.gettext
        table = Table(_("check"), _("value"), _("status"), box=None, pad_edge=False)
        for c in checks:
            problem = c.problem_in(t)
            table.add_row(
                escape(c.label(t)),
                escape(c.value_in(t)),
                _("ok") if problem is None else f"[red]{escape(problem)}[/red]",
            )
        out.print(table, highlight=False)
    if any(c.problem for c in checks):
        raise typer.Exit(1)


@app.command()
def serve(
    http: Annotated[
        bool, typer.Option("--http", help="Serve HTTP instead of Socket Mode.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port, in HTTP mode.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to bind in HTTP mode.")] = "0.0.0.0",
    threads: Annotated[
        int, typer.Option(min=1, max=64, help="Concurrent requests, in HTTP mode.")
    ] = 8,
) -> None:
    """Run the Slack bot, over Socket Mode or HTTP.

    Socket Mode needs no public URL.
    HTTP serves POST /slack/events and GET /healthz."""
    from bot.slack.serve import serve_http, serve_socket_mode

    if logging.getLogger().level > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)
    settings = _settings()
    if http:
        serve_http(settings, host=host, port=port, threads=threads)
    else:
        serve_socket_mode(settings)


if __name__ == "__main__":
    main()
