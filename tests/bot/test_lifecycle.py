"""The content lifecycle: drafts, archived and expired assets are never recommended, a superseded
asset yields its successor, internal assets are labelled."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.dashboard import marketing_dashboard
from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings
from bot.slack.blocks.answer import answer_blocks
from bot.slack.blocks.dashboard import marketer_home_view
from content_store.lifecycle import lifecycle_counts
from content_store.loaders import load_library
from content_store.models import ContentItem
from content_store.stage import parse_stage
from index.embedder import Embedder
from tests.conftest import EXAMPLES, SampleTemplate, start_ingested

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "lifecycle"
REPO = EXAMPLES.parent
# Every labelled library: examples/ now, holdout/ where the checkout has it.
QUESTION_FILES = sorted(
    path
    for folder in ("examples", "holdout")
    for path in [
        *(REPO / folder).glob("questions.jsonl"),
        *(REPO / folder).glob("*/questions.jsonl"),
    ]
    if (path.parent / "content").is_dir()
)


def test_lifecycle_fields_come_from_front_matter_tags_and_folders() -> None:
    items = {item.id: item for item in load_library(FIXTURE).items}

    assert items["bc-coldbox-2024"].status == "archived"  # in archive/
    assert items["tips-old-sensors"].status == "archived"  # tagged archived
    assert items["launch-humidity-sensor"].status == "draft"
    assert items["promo-winter-2020"].expires == date(2020, 3, 31)
    assert items["bc-coldbox-2026"].superseded_by == "bc-coldbox-2027"
    assert items["bc-coldbox-2027"].internal is True
    assert items["guide-cold-room-monitoring"].status == "published"


def test_a_bad_status_is_reported_with_the_allowed_values(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\nid: a\ntitle: A\nstatus: retired\n---\nbody\n", "utf-8")

    (problem,) = load_library(tmp_path).problems

    assert problem.reason == "`status` must be one of draft, published, archived, got 'retired'"


def test_answers_skip_unservable_assets_and_label_internal_ones(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    library = tmp_path / "lifecycle"
    shutil.copytree(FIXTURE, library)
    ingest(services, library)

    answer = recommend(
        services,
        Question(text="Coldbox says they are cheaper, which battlecard do I send?", source="cli"),
    )
    ids = [item.asset_id for item in answer.items]
    assert ids[0] == "bc-coldbox-2027"
    assert not {"bc-coldbox-2024", "bc-coldbox-2026"} & set(ids)
    assert answer.items[0].internal is True
    assert answer.to_json()["items"][0]["internal"] is True
    text = json.dumps(answer_blocks(answer, shareable=True))
    assert "internal, don't forward" in text
    assert "Sent it (internal!)" in text and "Share in channel (has internal items)" in text

    for question in (
        "half price promotion on temperature sensors",
        "humidity sensor launch brief",
        "tips for first generation sensors batteries",
    ):
        answered = recommend(services, Question(text=question, source="cli"))
        names = {item.asset_id for item in answered.items}
        assert not names & {"promo-winter-2020", "launch-humidity-sensor", "tips-old-sensors"}

    with services.sessions() as session:
        counts = lifecycle_counts(session, today=date.today())
    assert (counts.drafts, counts.archived, counts.expired, counts.superseded) == (1, 2, 1, 2)
    assert counts.internal == 1
    home = json.dumps(marketer_home_view(marketing_dashboard(services, embed=False)))
    assert "1 drafts, 2 archived, 1 expired, 2 superseded" in home

    runner = CliRunner()
    env = {"FUNNELBOT_HOME": str(settings.home), "FUNNELBOT_DATABASE_URL": settings.database_url}
    stats = runner.invoke(app, ["stats", "--json"], env=env)
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["lifecycle"] == {
        "drafts": 1,
        "archived": 2,
        "expired": 1,
        "superseded": 2,
        "internal": 1,
        "review_overdue": 0,
        "stage_inferred": 0,
    }


def _twins(services: Services, questions: list[dict[str, object]], folder: Path) -> None:
    """Unservable copies of the assets the questions want most: same title and text, so only
    the lifecycle can keep them out of the answers."""
    wanted: list[str] = []
    for record in questions:
        relevant = dict(record["relevant"])  # type: ignore[call-overload]
        if relevant:
            wanted.append(max(relevant, key=relevant.__getitem__))
    wanted = list(dict.fromkeys(wanted))[:30]
    kinds = [
        ("archive", {}),
        ("", {"status": "draft"}),
        ("", {"expires": "2021-01-01"}),
        ("", {"tags": ["archived"]}),
        ("", {"status": "archived"}),
    ]
    with services.sessions() as session:
        rows = {r.id: r for r in session.scalars(select(ContentItem)) if r.id in wanted}
    for n, item_id in enumerate(i for i in wanted if i in rows):
        row = rows[item_id]
        subfolder, extra = kinds[n % len(kinds)]
        meta = {
            "id": f"{item_id}-old",
            "title": row.title,
            "type": row.type,
            "stage": list(row.stages),
            "competitors": list(row.competitors),
            **extra,
        }
        target = folder / subfolder / f"{item_id}-old.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{yaml.safe_dump(meta)}---\n{row.body}\n", encoding="utf-8")


@pytest.mark.parametrize("questions_file", QUESTION_FILES, ids=lambda p: p.parent.name)
def test_no_archived_draft_or_expired_asset_answers_any_labelled_question(
    questions_file: Path,
    settings: Settings,
    embedder: Embedder,
    sample_template: SampleTemplate,
    tmp_path: Path,
) -> None:
    library = questions_file.parent / "content"
    if library == EXAMPLES / "content":
        services = start_ingested(settings, embedder, sample_template, library)
    else:
        services = Services(settings, embedder=embedder)
        ingest(services, library)
    try:
        records = [
            json.loads(line)
            for line in questions_file.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        _twins(services, records, tmp_path / "twins")
        ingest(services, tmp_path / "twins")
        today = date.today()
        with services.sessions() as session:
            unservable = {
                row.id
                for row in session.scalars(select(ContentItem))
                if row.status != "published" or (row.expires is not None and row.expires < today)
            }
        assert len(unservable) >= 5

        for record in records:
            stage = parse_stage(record["stage"]) if record.get("stage") else None
            answer = recommend(
                services, Question(text=record["question"], source="cli", stage=stage)
            )
            shown = {item.asset_id for item in answer.items}
            assert not shown & unservable, record["question"]
    finally:
        services.close()


def test_a_question_only_the_superseded_asset_answers_gets_its_successor(
    services: Services, tmp_path: Path
) -> None:
    library = tmp_path / "superseded"
    library.mkdir()
    (library / "old.md").write_text(
        "---\nid: kit-v1\ntitle: Calibration kit for walk-in freezers\ntype: guide\n"
        "stage: decision\nsuperseded_by: kit-v2\n---\nThe calibration kit: a reference "
        "thermometer, ice-point bath and the yearly certificate for walk-in freezers.\n",
        encoding="utf-8",
    )
    (library / "new.md").write_text(
        "---\nid: kit-v2\ntitle: Sensor accuracy service\ntype: guide\nstage: decision\n---\n"
        "We check every sensor against a traceable reference on site, once a year.\n",
        encoding="utf-8",
    )
    (library / "other.md").write_text(
        "---\nid: freezer-faq\ntitle: Walk-in freezer FAQ\ntype: faq\nstage: decision\n---\n"
        "Why walk-in freezers drift, and what their thermometers read after a defrost.\n",
        encoding="utf-8",
    )
    ingest(services, library)

    answer = recommend(
        services,
        Question(text="ice-point bath calibration certificate for walk-in freezers", source="cli"),
    )

    ids = [item.asset_id for item in answer.items]
    # In the place the old kit's text earned, above an asset nearer the question than its own.
    assert ids[0] == "kit-v2"
    assert "kit-v1" not in ids


def test_an_asset_past_review_by_still_serves_and_is_counted_for_marketing(
    services: Services, tmp_path: Path
) -> None:
    library = tmp_path / "overdue"
    library.mkdir()
    (library / "overdue.md").write_text(
        "---\nid: guide-defrost\ntitle: Defrost schedules for walk-in freezers\ntype: guide\n"
        "stage: awareness\nreview_by: 2020-01-01\n---\nHow often to defrost a walk-in freezer.\n",
        encoding="utf-8",
    )
    report = ingest(services, library)

    answer = recommend(services, Question(text="defrost schedule walk-in freezer", source="cli"))

    assert [item.asset_id for item in answer.items] == ["guide-defrost"]
    assert report.past_review == ["guide-defrost"]
    with services.sessions() as session:
        assert lifecycle_counts(session, today=date.today()).review_overdue == 1
    home = json.dumps(marketer_home_view(marketing_dashboard(services, embed=False)))
    assert "Past their review_by date" in home and "Defrost schedules" in home
