"""`funnelbot status`: where this funnelbot keeps its things, and whether each part is ready."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select

from bot.i18n import N_, LocalizedError, Phrase, Translator, english
from bot.settings import Settings

# A check's value: words said in the reader's language, or a name, path or setting as it is;
# a tuple is a list said one after another ("a; b").
Said = Phrase | str | tuple[Phrase | str, ...]

# The checks' names in the reader's language; `--json` keeps the English keys.
NAMES = {
    "home": N_("home"),
    "database": N_("database"),
    "model": N_("model"),
    "index": N_("index"),
    "last ingest": N_("last ingest"),
    "sources": N_("sources"),
    "slack": N_("slack"),
    "crm": N_("crm"),
}


def nothing_ingested(home: Path) -> Phrase:
    return Phrase(N_("nothing ingested in %(home)s yet: run funnelbot ingest DIR"), {"home": home})


@dataclass(frozen=True)
class Check:
    name: str  # one of NAMES
    value: Said  # what is there, never a secret
    problem: Phrase | str | None = None  # None: ok

    def label(self, t: Translator) -> str:
        return t.gettext(NAMES[self.name]) if self.name in NAMES else self.name

    def value_in(self, t: Translator) -> str:
        parts = self.value if isinstance(self.value, tuple) else (self.value,)
        return "; ".join(t.say(part) for part in parts)

    def problem_in(self, t: Translator) -> str | None:
        return None if self.problem is None else t.say(self.problem)

    def to_json(self) -> dict[str, str | bool | None]:
        """English, whatever the terminal: for programs."""
        en = english()
        ok = self.problem is None
        return {
            "check": self.name,
            "value": self.value_in(en),
            "ok": ok,
            "problem": self.problem_in(en),
        }


def active_items(sessions_or_session: object) -> int:
    """How many assets are serving (0 on a new home)."""
    from sqlalchemy.orm import Session

    from content_store.models import ContentItem

    def count(session: Session) -> int:
        return session.scalar(select(func.count(ContentItem.id)).where(ContentItem.active)) or 0

    if isinstance(sessions_or_session, Session):
        return count(sessions_or_session)
    with sessions_or_session() as session:  # type: ignore[operator]
        return count(session)


def status_checks(settings: Settings) -> list[Check]:
    """Every check, read-only: nothing is created, migrated or downloaded to answer it."""
    checks = [_home(settings)]
    database, content = _database(settings)
    checks.append(database)
    checks.append(_model(settings))
    checks += content
    checks.append(_slack(settings))
    checks.append(_crm(settings))
    return checks


def _home(settings: Settings) -> Check:
    home = settings.home
    if not home.exists():
        problem = N_("not created yet: `funnelbot ingest DIR` creates it")
    elif not home.is_dir():
        problem = N_("is not a folder: point FUNNELBOT_HOME at a folder")
    elif not os.access(home, os.W_OK):
        problem = N_("cannot be written: point FUNNELBOT_HOME elsewhere")
    else:
        return Check("home", str(home))
    return Check("home", str(home), Phrase(problem))


def _database(settings: Settings) -> tuple[Check, list[Check]]:
    from sqlalchemy.engine import make_url

    from bot.startup import database_problem
    from content_store.db import UNAVAILABLE, make_engine
    from content_store.index_runs import current_index_version, last_run
    from content_store.models import Chunk, ContentItem
    from content_store.models.index_run import IndexRun, IndexRunStatus

    where = make_url(settings.database_url).render_as_string(hide_password=True)
    nothing = nothing_ingested(settings.home)
    none = [Check(name, Phrase(N_("none")), nothing) for name in _CONTENT]
    unknown = [
        Check(name, Phrase(N_("unknown")), Phrase(N_("the database is not available")))
        for name in _CONTENT
    ]
    if (
        where.startswith("sqlite")
        and not Path(make_url(settings.database_url).database or "").exists()
    ):
        return Check("database", where, Phrase(N_("not created yet: any command creates it"))), none
    engine = make_engine(settings.database_url, timeout=5.0)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("index_runs"):
                no_schema = Phrase(N_("no schema yet: any command creates it"))
                return Check("database", where, no_schema), none
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            version = current_index_version(session)
            items = active_items(session)
            chunks = session.scalar(
                select(func.count(Chunk.id)).join(ContentItem).where(ContentItem.active)
            )
            run = last_run(session)
            folders = session.execute(
                select(IndexRun.content_dir, func.max(IndexRun.finished_at))
                .where(IndexRun.status == IndexRunStatus.SUCCEEDED)
                .group_by(IndexRun.content_dir)
                .order_by(IndexRun.content_dir)
            ).all()
    except UNAVAILABLE as error:
        return Check("database", where, database_problem(settings, error)), unknown
    finally:
        engine.dispose()
    index_size = _size(settings.index_dir)
    # Counts stay plain digits, as the rest of the CLI's lines.
    index = Phrase(
        N_("version %(version)s, %(assets)s assets, %(chunks)s chunks, %(size)s MB"),
        {"version": version, "assets": items, "chunks": chunks, "size": f"{index_size / 1e6:.1f}"},
    )
    read = tuple(
        Phrase(
            N_("%(source)s (read %(when)s UTC)"), {"source": folder, "when": f"{at:%Y-%m-%d %H:%M}"}
        )
        for folder, at in folders
    )
    content = [
        Check(
            "index",
            index if version is not None else Phrase(N_("none")),
            None if items else nothing,
        ),
        _last_ingest(run, nothing),
        Check("sources", read or Phrase(N_("none")), None if folders else nothing),
    ]
    return Check("database", where), content


_CONTENT = ("index", "last ingest", "sources")


def _last_ingest(run: object, nothing: Phrase) -> Check:
    if run is None:
        return Check("last ingest", Phrase(N_("never")), nothing)
    from content_store.models.index_run import IndexRun, IndexRunStatus

    assert isinstance(run, IndexRun)
    what = Phrase(
        N_(
            "%(when)s UTC from %(source)s (%(trigger)s): %(added)s added, %(changed)s changed, "
            "%(removed)s removed, %(failed)s failed"
        ),
        {
            "when": f"{(run.finished_at or run.started_at):%Y-%m-%d %H:%M}",
            "source": run.content_dir,
            "trigger": run.trigger,  # a word the run log keeps: cli, slack, cron
            "added": run.added,
            "changed": run.changed,
            "removed": run.removed,
            "failed": run.failed,
        },
    )
    if run.status == IndexRunStatus.FAILED:
        # The stored error is the run log's own English, as an operator greps it.
        error = (run.error or "").splitlines()[0][:200] if run.error else ""
        return Check("last ingest", what, Phrase(N_("failed: %(error)s"), {"error": error}))
    if run.status == IndexRunStatus.RUNNING:
        running = Phrase(N_("%(run)s (still running, or stopped midway)"), {"run": what})
        return Check("last ingest", running)
    return Check("last ingest", what)


def _size(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _model(settings: Settings) -> Check:
    exported = settings.models_dir.is_dir() and any(settings.models_dir.iterdir())
    if settings.embedding_backend == "torch":
        said = N_("%(model)s (%(backend)s)")
    elif exported:
        said = N_("%(model)s (%(backend)s, exported)")
    else:
        said = N_("%(model)s (%(backend)s, exported at first use)")
    values = {"model": settings.embedding_model, "backend": settings.embedding_backend}
    return Check("model", Phrase(said, values))


def _slack(settings: Settings) -> Check:
    from bot.settings import SettingsError

    names = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        "SLACK_APP_TOKEN": settings.slack_app_token,
    }
    present = {"names": ", ".join(name for name, value in names.items() if value)}
    if not present["names"]:
        return Check("slack", Phrase(N_("not configured")))  # the CLI works without Slack
    problems: list[LocalizedError] = []
    for socket_mode in (False, True):
        try:
            settings.require_slack(socket_mode=socket_mode)
            mode = N_("%(names)s set (Socket Mode)") if socket_mode else N_("%(names)s set (HTTP)")
            return Check("slack", Phrase(mode, present))
        except SettingsError as error:
            problems.append(error)
    return Check("slack", Phrase(N_("%(names)s set"), present), problems[0].phrase)


def _crm(settings: Settings) -> Check:
    crm = getattr(settings, "crm", None)
    return Check("crm", f"FUNNELBOT_CRM={crm}" if crm else Phrase(N_("not configured")))
