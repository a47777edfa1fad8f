"""A website as a content source, end to end: ingest beside a folder, ask, re-crawl after a page
changes (only that page re-embedded, the rest 304), and a site that is down keeps its content."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.services import Services
from content_store.models import ContentItem
from content_store.sources import SourceOptions
from tests.content_store.fake_site import FakeSite

RULES = """rules:
  - match: "/customers/*"
    type: case-study
    stage: [consideration, decision]
  - match: "/pricing"
    type: pricing-sheet
    stage: decision
"""


def _library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "funnelbot.yml").write_text(RULES, encoding="utf-8")
    (folder / "battlecard.md").write_text(
        "---\nid: bc-forecastly\ntitle: Battlecard against Forecastly\nstage: consideration\n"
        "competitors: [Forecastly]\n---\nWhere we win against Forecastly: ERP connectors.\n",
        encoding="utf-8",
    )
    return folder


def _active(services: Services) -> dict[str, ContentItem]:
    with services.sessions() as session:
        rows = session.scalars(select(ContentItem).where(ContentItem.active.is_(True))).all()
        return {row.id: row for row in rows}


def test_a_site_is_ingested_beside_a_folder_and_recrawled_cheaply(
    services: Services, tmp_path: Path
) -> None:
    library = _library(tmp_path)
    options = SourceOptions(timeout_s=2.0)
    with FakeSite(slow_seconds=0) as site:
        report = ingest(services, [library, site.url], options=options)

        assert report.failed_sources == []
        assert [p.reason for p in report.problems] == ["HTTP 500"]  # /broken
        active = _active(services)
        harbor = active[f"127.0.0.1:{site.url.rsplit(':', 1)[1]}/customers/harbor"]
        assert harbor.type == "case-study"  # from the library's funnelbot.yml rules
        assert harbor.stages == ["consideration", "decision"]
        assert harbor.source_key == site.url
        assert "bc-forecastly" in active
        archived = [i for i in active.values() if i.source.endswith("/forecasting-2019")]
        assert archived[0].status == "archived"

        answer = recommend(
            services, Question(text="a customer story about cutting stockouts", source="cli")
        )
        assert harbor.id in [item.asset_id for item in answer.items]
        assert answer.items[0].url == f"{site.url}/customers/harbor"

        pricing = site.pages["/pricing"]
        site.pages["/pricing"] = (pricing[0], pricing[1].replace(b"2,400", b"2,600"))
        site.statuses.clear()
        again = ingest(services, [library, site.url], options=options)

        pricing_id = next(i for i in active if i.endswith("/pricing"))
        assert again.changed == [pricing_id]
        assert again.removed == []
        pages = sum(1 for i in active.values() if i.source_key == site.url)
        assert site.statuses[304] == pages - 1
        assert "2,600" in _active(services)[pricing_id].body

        site.down = True
        down = ingest(services, [library, site.url], options=options)

        assert [s.key for s in down.failed_sources] == [site.url]
        assert down.removed == []
        assert _active(services).keys() == active.keys()
