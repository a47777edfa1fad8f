"""Reading a website source against a local marketing site: sitemaps, main text, robots.txt,
conditional GETs, rules, and every kind of bad input reported with its URL."""

from __future__ import annotations

from dataclasses import replace

from content_store.sources import SourceOptions, read_source
from content_store.sources.website import WebsiteSource
from tests.content_store.fake_site import FakeSite

RULES = (
    {"match": "/customers/*", "type": "case-study", "stage": ["consideration", "decision"]},
    {"match": "/pricing", "type": "pricing-sheet", "stage": "decision", "internal": True},
)
OPTIONS = SourceOptions(timeout_s=1.0, rules=RULES)


def _read(site: FakeSite, start: str = "", options: SourceOptions = OPTIONS, known=None):
    return read_source(WebsiteSource(site.url + start, options), known_versions=known)


def test_a_sitemap_site_is_read_as_its_main_text_with_metadata_and_rules() -> None:
    with FakeSite(slow_seconds=3.0) as site:
        result = _read(site)
        assert result.ok, result.error
        items = {item.source.removeprefix(site.url): item for item in result.items}

        harbor = items["/customers/harbor"]
        assert "stockouts fell by 30 percent" in harbor.body
        for chrome in ("cookies", "Privacy policy", "Contact sales", "newsletter"):
            assert chrome not in harbor.body
        assert harbor.title == "How Harbor Logistics cut stockouts by 30 percent"
        assert harbor.type == "case-study"
        assert [str(s) for s in harbor.stages] == ["consideration", "decision"]
        assert harbor.url == f"{site.url}/customers/harbor"
        assert harbor.details is not None
        assert harbor.details["published"] == "2026-04-02"
        assert harbor.details["modified"].startswith("2026-09-10")
        assert harbor.details["og_type"] == "article"
        assert items["/pricing"].internal is True

        # Found through a link on a page: read like a local PDF.
        guide = items["/resources/inventory-guide.pdf"]
        assert guide.title == "The distributor's inventory guide"
        assert "reorder points" in guide.body
        assert items["/blog/archive/forecasting-2019"].status == "archived"
        assert items["/blog/forecasting-basics"].status == "published"

        reasons = {p.path.removeprefix(site.url): p.reason for p in result.problems}
        assert reasons["/broken"] == "HTTP 500"
        assert reasons["/slow"] == "timed out after 1 s"
        assert {site.url + "/broken", site.url + "/slow"} <= result.failed
        assert site.requests["/private/roadmap"] == 0  # robots.txt disallows it
        assert site.max_active <= 2
        assert all(agent.startswith("funnelbot/") for agent in site.user_agents)


def test_unchanged_pages_cost_a_304_and_are_not_read_again() -> None:
    with FakeSite(slow_seconds=0) as site:
        first = _read(site)
        known = {item.source: item.version for item in first.items}
        site.statuses.clear()

        second = _read(site, known=known)

        assert second.items == []
        assert second.unchanged == set(known)
        assert site.statuses[304] == len(known)
        assert site.statuses[200] == 3  # robots.txt and the two sitemap files

        site.pages["/pricing"] = (
            "text/html",
            site.pages["/pricing"][1].replace(b"2,400", b"2,600"),
        )
        third = _read(site, known=known)
        assert [item.source for item in third.items] == [f"{site.url}/pricing"]


def test_without_a_sitemap_same_site_links_are_followed_up_to_max_pages() -> None:
    with FakeSite(with_sitemap=False, slow_seconds=0) as site:
        result = _read(site)
        found = {item.source.removeprefix(site.url) for item in result.items}
        assert {"/customers/harbor", "/pricing", "/resources/inventory-guide.pdf"} <= found
        assert site.requests["/private/roadmap"] == 0
        assert site.requests["/logo.png"] == 0  # not a page: not fetched

        limited = _read(site, options=replace(OPTIONS, max_pages=2))
        assert limited.listed == 2
        assert any("stopped at max_pages (2)" in p.reason for p in limited.problems)


def test_bad_input_is_reported_with_its_url_and_reason() -> None:
    with FakeSite(slow_seconds=3.0) as site:
        result = _read(site, "/bad-urls.txt")
        reasons = {p.path.removeprefix(site.url): p.reason for p in result.problems}

        assert reasons["/loop"] == "redirect loop (more than 10 redirects)"
        assert reasons["/logo.png"] == "not HTML or PDF (content type 'image/png')"
        assert reasons["/empty"] == "no main text found on the page"
        assert reasons["/slow"] == "timed out after 1 s"
        assert reasons["/elsewhere"].startswith("redirects off the site, to http://localhost:")
        assert [i.source for i in result.items] == [f"{site.url}/resources/inventory-guide.pdf"]

        site.slow_seconds = 0
        capped = _read(site, "/bad-urls.txt", replace(OPTIONS, max_bytes=700))
        pdf = [p.reason for p in capped.problems if p.path.endswith(".pdf")]
        assert len(pdf) == 1 and pdf[0].endswith("the limit is 700 bytes")

        huge = _read(site, "/huge-sitemap.xml", replace(OPTIONS, max_pages=1))
        (problem,) = [p for p in huge.problems if "sitemaps list" in p.reason]
        assert problem.path == f"{site.url}/huge-sitemap.xml"
        assert "more than 50,000 URLs" in problem.reason


def test_a_site_that_is_down_or_a_missing_sitemap_fails_the_source() -> None:
    with FakeSite() as site:
        missing = _read(site, "/missing-sitemap.xml")
        assert missing.error == f"sitemap {site.url}/missing-sitemap.xml: HTTP 404"

        site.down = True
        down = _read(site)
        assert down.error is not None and "HTTP 503" in down.error
        assert down.items == []
