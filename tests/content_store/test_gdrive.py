"""Reading a Google Drive folder through the real API client against a fake Drive server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from content_store.sources import SourceOptions, read_source
from content_store.sources.gdrive import DriveSource
from tests.content_store.fake_drive import FakeDrive
from tests.content_store.test_loaders import make_pdf

DOC = "application/vnd.google-apps.document"


def _drive(drive: FakeDrive) -> None:
    drive.add("F1", "Battlecards", "application/vnd.google-apps.folder", "ROOT")
    drive.add(
        "D1",
        "Coldbox battlecard",
        DOC,
        "F1",
        content=b"Where we win against Coldbox: no gateways, unlimited alerts.",
        description="stage: [consideration, decision]\ncompetitors: [Coldbox]\ninternal: true",
    )
    drive.add("F2", "archive", "application/vnd.google-apps.folder", "F1")
    drive.add("D2", "Coldbox battlecard 2024", DOC, "F2", content=b"Old claims about Coldbox.")
    drive.add(
        "P1",
        "Security whitepaper.pdf",
        "application/pdf",
        "ROOT",
        content=make_pdf("Encryption at rest and SOC 2 Type II.", title="Security whitepaper"),
        size="900",
    )
    drive.add(
        "S1",
        "Pitch deck",
        "application/vnd.google-apps.presentation",
        "ROOT",
        content=b"Slide 1: Frostline watches your cold rooms.",
    )
    drive.add(
        "SH1",
        "Price list",
        "application/vnd.google-apps.spreadsheet",
        "ROOT",
        content=b"plan,price\nEssentials,99\nGrowth,199\n",
        description="Prices for 2027, kept by finance.",
    )
    drive.add("IMG", "logo.png", "image/png", "ROOT", content=b"\x89PNG")


def _options(drive: FakeDrive, tmp_path: Path) -> SourceOptions:
    return SourceOptions(
        gdrive_credentials=str(drive.key_file(tmp_path)),
        gdrive_api_url=drive.url,
        rules=({"match": "/Battlecards/*", "type": "battlecard"},),
    )


def test_a_drive_folder_is_read_recursively_with_metadata_from_descriptions_and_rules(
    tmp_path: Path,
) -> None:
    with FakeDrive(page_size=2) as drive:
        _drive(drive)
        result = read_source(DriveSource("ROOT", _options(drive, tmp_path)))

        assert result.ok, result.error
        assert result.problems == []
        items = {item.source: item for item in result.items}
        assert set(items) == {"D1", "D2", "P1", "S1", "SH1"}  # the image is not text
        card = items["D1"]
        assert card.id == "gdrive-D1"
        assert card.title == "Coldbox battlecard"
        assert card.type == "battlecard"  # from the rule on its folder path
        assert [str(s) for s in card.stages] == ["consideration", "decision"]
        assert card.competitors == ("Coldbox",) and card.internal is True
        assert card.url == "https://docs.google.com/document/d/D1/view"
        assert card.version == "2026-11-01T10:00:00.000Z"
        assert items["D2"].status == "archived"  # in an archive folder
        assert items["P1"].title == "Security whitepaper"
        assert "SOC 2" in items["P1"].body
        assert items["SH1"].body.startswith("plan,price")
        assert drive.requests["list"] >= 5  # paged: 2 files a page


def test_an_unchanged_file_is_not_downloaded_again(tmp_path: Path) -> None:
    with FakeDrive() as drive:
        _drive(drive)
        options = _options(drive, tmp_path)
        first = read_source(DriveSource("ROOT", options))
        known = {item.source: item.version for item in first.items}
        drive.requests.clear()
        drive.files["S1"]["modifiedTime"] = "2026-11-20T09:00:00.000Z"
        drive.files["S1"]["content"] = b"Slide 1: Frostline now watches humidity too."

        second = read_source(DriveSource("ROOT", options), known_versions=known)

        assert [item.source for item in second.items] == ["S1"]
        assert second.unchanged == {"D1", "D2", "P1", "SH1"}
        downloads = [k for k in drive.requests if k.startswith(("export:", "media:"))]
        assert downloads == ["export:S1"]


def test_drive_refusing_the_key_fails_the_source_and_bad_files_are_reported(
    tmp_path: Path,
) -> None:
    with FakeDrive() as drive:
        _drive(drive)
        options = _options(drive, tmp_path)
        drive.files["D1"]["description"] = "stage: [consideration\n"
        drive.files["P1"]["size"] = str(50_000_000)

        result = read_source(DriveSource("ROOT", options))
        reasons = {p.path: p.reason for p in result.problems}
        assert reasons["D1"].startswith("Battlecards/Coldbox battlecard: the Drive description")
        assert reasons["P1"] == "Security whitepaper.pdf: file is 50 MB; the limit is 20 MB"
        assert {"D1", "P1"} <= result.failed

        drive.refuse = True
        refused = read_source(DriveSource("ROOT", options))
        assert (
            refused.error is not None and "refused the service account (HTTP 401)" in refused.error
        )

        missing = read_source(DriveSource("ROOT", replace(options, gdrive_credentials=None)))
        assert "FUNNELBOT_GDRIVE_CREDENTIALS" in (missing.error or "")
