"""The line at the end of an ingest that points a mostly non-English library to the
multilingual model."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.ingest import language_hint
from bot.services import Services
from tests.bot.bilingual_library import write_library

HINT = "FUNNELBOT_EMBEDDING_MODEL=multilingual-e5-small"


@pytest.fixture
def run_cli(tmp_path: Path, database_url: str):
    runner = CliRunner()

    def run(*args: str, **env: str | None):
        home = {"FUNNELBOT_HOME": str(tmp_path / "home"), "FUNNELBOT_DATABASE_URL": database_url}
        return runner.invoke(app, list(args), env={**home, **env})

    return run


def test_ingest_of_a_half_dutch_library_with_the_english_model_ends_with_the_hint(
    run_cli, tmp_path: Path
) -> None:
    library = write_library(tmp_path / "content")

    result = run_cli("ingest", str(library))

    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert HINT in last
    assert "is not English" in last and "all-MiniLM-L6-v2" in last


def test_no_hint_once_the_multilingual_model_is_configured(run_cli, tmp_path: Path) -> None:
    library = write_library(tmp_path / "content")

    result = run_cli(
        "ingest",
        str(library),
        FUNNELBOT_EMBEDDING_MODEL="multilingual-e5-small",
        FUNNELBOT_EMBEDDING_BACKEND=None,
    )

    assert result.exit_code == 0, result.output
    assert HINT not in result.stdout


def test_no_hint_for_an_english_library(ingested: Services) -> None:
    shares = ingested.searcher().lexical.language_shares()
    assert shares["en"] > 0.95
    assert language_hint(ingested) is None
