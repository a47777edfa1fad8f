"""`funnelbot status`: where this funnelbot keeps its things, and whether each part is ready."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select

from bot.settings import Settings

NOTHING_INGESTED = "nothing ingested in {home} yet: run funnelbot ingest DIR"


@dataclass(frozen=True)
class Check:
    name: str
    value: str  # what is there, never a secret
    problem: str | None = None  # None: ok

    def to_json(self) -> dict[str, str | bool | None]:
        ok = self.problem is None
        return {"check": self.name, "value": self.value, "ok": ok, "problem": self.problem}


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
        return Check("home", str(home), "not created yet: `funnelbot ingest DIR` creates it")
    if not home.is_dir():
        return Check("home", str(home), "is not a folder: point FUNNELBOT_HOME at a folder")
    if not os.access(home, os.W_OK):
        return Check("home", str(home), "cannot be written: point FUNNELBOT_HOME elsewhere")
    return Check("home", str(home))


def _database(settings: Settings) -> tuple[Check, list[Check]]:
    from sqlalchemy.engine import make_url

    from bot.startup import database_problem
    from content_store.db import UNAVAILABLE, make_engine
    from content_store.index_runs import current_index_version, last_run
    from content_store.models import Chunk, ContentItem
    from content_store.models.index_run import IndexRun, IndexRunStatus

    where = make_url(settings.database_url).render_as_string(hide_password=True)
    nothing = NOTHING_INGESTED.format(home=settings.home)
    unknown = [Check(name, "unknown", "the database is not available") for name in _CONTENT]
    if (
        where.startswith("sqlite")
        and not Path(make_url(settings.database_url).database or "").exists()
    ):
        return Check("database", where, "not created yet: any command creates it"), [
            Check(name, "none", nothing) for name in _CONTENT
        ]
    engine = make_engine(settings.database_url, timeout=5.0)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("index_runs"):
                return Check("database", where, "no schema yet: any command creates it"), [
                    Check(name, "none", nothing) for name in _CONTENT
                ]
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
        return Check("database", where, str(database_problem(settings, error))), unknown
    finally:
        engine.dispose()
    index_size = _size(settings.index_dir)
    content = [
        Check(
            "index",
            f"version {version}, {items} assets, {chunks} chunks, {index_size / 1e6:.1f} MB"
            if version is not None
            else "none",
            None if items else nothing,
        ),
        _last_ingest(run, nothing),
        Check(
            "sources",
            "; ".join(f"{folder} (read {at:%Y-%m-%d %H:%M} UTC)" for folder, at in folders)
            or "none",
            None if folders else nothing,
        ),
    ]
    return Check("database", where), content


_CONTENT = ("index", "last ingest", "sources")


def _last_ingest(run: object, nothing: str) -> Check:
    if run is None:
        return Check("last ingest", "never", nothing)
    from content_store.models.index_run import IndexRun, IndexRunStatus

    assert isinstance(run, IndexRun)
    when = f"{(run.finished_at or run.started_at):%Y-%m-%d %H:%M} UTC"
    what = (
        f"{when} from {run.content_dir} ({run.trigger}): {run.added} added, "
        f"{run.changed} changed, {run.removed} removed, {run.failed} failed"
    )
    if run.status == IndexRunStatus.FAILED:
        return Check("last ingest", what, f"failed: {(run.error or '').splitlines()[0][:200]}")
    if run.status == IndexRunStatus.RUNNING:
        return Check("last ingest", what + " (still running, or stopped midway)")
    return Check("last ingest", what)


def _size(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _model(settings: Settings) -> Check:
    exported = settings.models_dir.is_dir() and any(settings.models_dir.iterdir())
    note = ""
    if settings.embedding_backend != "torch":
        note = ", exported" if exported else ", exported at first use"
    return Check("model", f"{settings.embedding_model} ({settings.embedding_backend}{note})")


def _slack(settings: Settings) -> Check:
    from bot.settings import SettingsError

    names = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        "SLACK_APP_TOKEN": settings.slack_app_token,
    }
    present = [name for name, value in names.items() if value]
    value = (", ".join(present) + " set") if present else "not configured"
    if not present:
        return Check("slack", value)  # the CLI works without Slack
    problems = []
    for socket_mode in (False, True):
        try:
            settings.require_slack(socket_mode=socket_mode)
            return Check("slack", value + (" (Socket Mode)" if socket_mode else " (HTTP)"))
        except SettingsError as error:
            problems.append(str(error))
    return Check("slack", value, problems[0])


def _crm(settings: Settings) -> Check:
    crm = getattr(settings, "crm", None)
    return Check("crm", f"FUNNELBOT_CRM={crm}" if crm else "not configured")
