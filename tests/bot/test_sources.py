"""Ingest never loses content by surprise: items belong to a source, removals are scoped to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from bot.sources import UnknownSource, list_sources, remove_source
from content_store.models import ContentItem, IndexRun

PRICING = Path("pricing/pricing-sheet-2027.md")
PRICING_ID = "price-tidewell-pricing-sheet"


def _active(services: Services) -> set[str]:
    with services.sessions() as session:
        return set(session.scalars(select(ContentItem.id).where(ContentItem.active.is_(True))))


def _runs(services: Services) -> int:
    with services.sessions() as session:
        return len(session.scalars(select(IndexRun.id)).all())


def _other_folder(tmp_path: Path) -> Path:
    other = tmp_path / "other-folder"
    other.mkdir()
    (other / "partner-brief.md").write_text(
        "---\nid: partner-brief\ntitle: Reseller partner brief\nstage: awareness\n---\n"
        "How our channel partners resell Tidewell to regional grocers.\n",
        encoding="utf-8",
    )
    return other


def test_a_run_that_would_remove_many_assets_stops_before_changing_anything(
    ingested: Services, library: Path
) -> None:
    shutil.rmtree(library / "case-studies")  # 5 of 32 assets: over a tenth
    before = _active(ingested)
    runs = _runs(ingested)

    dry = ingest(ingested, library, dry_run=True)
    report = ingest(ingested, library)

    for run in (dry, report):
        assert len(run.blocked) == 1
        assert "would remove 5 of its 32 active assets" in str(run.blocked[0])
        assert "--allow-removals" in str(run.blocked[0])
    assert report.run_id is None
    assert _active(ingested) == before
    assert _runs(ingested) == runs
    assert len(ingested.searcher()) == 32

    allowed = ingest(ingested, library, allow_removals=True)

    assert allowed.blocked == []
    assert len(allowed.removed) == 5
    assert len(_active(ingested)) == 27


def test_a_file_that_fails_to_parse_keeps_its_last_good_version_serving(
    ingested: Services, library: Path
) -> None:
    path = library / PRICING
    path.write_text(
        path.read_text(encoding="utf-8").replace("stage: decision", "stage: [decision"), "utf-8"
    )

    report = ingest(ingested, library)

    assert report.removed == []
    assert [k.id for k in report.kept] == [PRICING_ID]
    message = report.kept[0].describe()
    assert message.startswith(f"kept the previous version of {PRICING_ID} ({PRICING.as_posix()}):")
    assert "front matter is not valid YAML" in message
    assert PRICING_ID in _active(ingested)
    answer = recommend(ingested, Question(text="pricing sheet for 40 stores", source="cli"))
    assert PRICING_ID in [item.asset_id for item in answer.items]


def test_a_second_folder_is_added_beside_the_first_and_removed_deliberately(
    ingested: Services, library: Path, tmp_path: Path
) -> None:
    other = _other_folder(tmp_path)

    report = ingest(ingested, other)

    assert report.counts == {"added": 1, "changed": 0, "removed": 0, "unchanged": 0, "failed": 0}
    assert report.blocked == []
    assert len(_active(ingested)) == 33
    listed = {s.key: s for s in list_sources(ingested)}
    assert listed[str(library.resolve())].items == 32
    assert listed[str(other.resolve())].items == 1
    assert listed[str(other.resolve())].last_status == "ok"

    # Reading the first folder again removes nothing from the second.
    again = ingest(ingested, library)
    assert again.removed == []
    assert "partner-brief" in _active(ingested)

    assert remove_source(ingested, str(other)) == 1
    assert "partner-brief" not in _active(ingested)
    assert len(ingested.searcher()) == 32
    assert str(other.resolve()) not in {s.key for s in list_sources(ingested)}
    with pytest.raises(UnknownSource, match="no source"):
        remove_source(ingested, str(other))


def test_a_folder_that_vanished_keeps_its_items_and_is_reported(
    ingested: Services, library: Path, tmp_path: Path
) -> None:
    other = _other_folder(tmp_path)
    ingest(ingested, other)
    shutil.rmtree(other)

    report = ingest(ingested, [library, other])

    assert [s.key for s in report.failed_sources] == [str(other.resolve())]
    assert "does not exist" in (report.failed_sources[0].error or "")
    assert report.removed == []
    assert "partner-brief" in _active(ingested)


def test_cli_sources_lists_and_removes(
    ingested: Services, library: Path, tmp_path: Path, database_url: str
) -> None:
    other = _other_folder(tmp_path)
    runner = CliRunner()
    env = {"FUNNELBOT_HOME": str(tmp_path / "home"), "FUNNELBOT_DATABASE_URL": database_url}

    added = runner.invoke(app, ["ingest", str(other)], env=env)
    assert added.exit_code == 0, added.output
    assert "1 added" in added.output and "0 removed" in added.output

    listed = runner.invoke(app, ["sources"], env=env)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert f"{other.resolve()}  folder, 1 items, last run" in lines[1], listed.output
    assert f"{library.resolve()}  folder, 32 items, last run" in lines[0]
    assert all(line.endswith(": ok") for line in lines)

    shutil.rmtree(library / "case-studies")
    stopped = runner.invoke(app, ["ingest", str(library)], env=env)
    assert stopped.exit_code == 1
    assert "would remove 5 of its 32 active assets" in stopped.output

    removed = runner.invoke(app, ["sources", "remove", str(other)], env=env)
    assert removed.exit_code == 0, removed.output
    assert "1 assets no longer recommended" in removed.output
    unknown = runner.invoke(app, ["sources", "remove", "/nowhere"], env=env)
    assert unknown.exit_code == 2
    assert "no source '/nowhere'" in unknown.output


def test_sources_setting_takes_folders_sites_and_drive_folders_with_the_dir_shorthand() -> None:
    from bot.settings import Settings, SettingsError

    settings = Settings.from_env(
        {
            "FUNNELBOT_CONTENT_SOURCES": "https://tidewell.example, gdrive:1AbC_d-9\n/data/more",
            "FUNNELBOT_CONTENT_DIR": "/data/content",
        }
    )
    assert settings.sources == (
        "https://tidewell.example",
        "gdrive:1AbC_d-9",
        "/data/more",
        "/data/content",
    )
    with pytest.raises(SettingsError, match="gdrive:FOLDER_ID"):
        Settings.from_env({"FUNNELBOT_CONTENT_SOURCES": "gdrive:"})
