"""Shared fixtures: the real model (loaded once), a real database, and services over both.

The database is SQLite in a temporary folder, or PostgreSQL when FUNNELBOT_TEST_DATABASE_URL is
set (CI runs the suite once each way).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.services import Services
from bot.settings import Settings
from content_store.db import make_engine
from index.embedder import Embedder

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TEST_DATABASE_URL = os.environ.get("FUNNELBOT_TEST_DATABASE_URL", "").strip()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default (bundled) model, loaded once per test session."""
    e = Embedder()
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


@pytest.fixture
def ingested(services: Services, library: Path) -> Services:
    from bot.ingest import ingest

    ingest(services, library)
    return services
