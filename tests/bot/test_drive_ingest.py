"""A Google Drive folder as a content source, end to end against a fake Drive API."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from content_store.models import ContentItem
from content_store.sources import SourceOptions
from tests.content_store.fake_drive import FakeDrive
from tests.content_store.test_gdrive import _drive


def test_a_drive_folder_is_ingested_answered_and_kept_when_drive_refuses(
    services: Services, tmp_path: Path
) -> None:
    with FakeDrive() as drive:
        _drive(drive)
        options = SourceOptions(
            gdrive_credentials=str(drive.key_file(tmp_path)), gdrive_api_url=drive.url
        )
        report = ingest(services, "gdrive:ROOT", options=options)
        assert report.counts["added"] == 5 and report.failed_sources == []

        answer = recommend(services, Question(text="how do we win against Coldbox?", source="cli"))
        assert answer.items[0].asset_id == "gdrive-D1"
        assert answer.items[0].url == "https://docs.google.com/document/d/D1/view"
        assert answer.items[0].internal is True
        assert "gdrive-D2" not in [i.asset_id for i in answer.items]  # archived

        drive.refuse = True
        refused = ingest(services, "gdrive:ROOT", options=options)
        assert [s.key for s in refused.failed_sources] == ["gdrive:ROOT"]
        with services.sessions() as session:
            active = session.scalars(
                select(ContentItem.id).where(ContentItem.active.is_(True))
            ).all()
        assert len(active) == 5
