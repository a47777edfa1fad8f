"""A public website: pages from its sitemap, or found by following same-site links.

Polite by construction: robots.txt and its crawl delay are obeyed, the User-Agent names
funnelbot, at most `per_host` requests run at once, and conditional GETs (ETag,
Last-Modified) make an unchanged page cost one 304 and no embedding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from content_store.loaders.fields import read_metadata
from content_store.loaders.model import BadContent, Found, LoadProblem, make_item
from content_store.loaders.pdf_text import pdf_to_text
from content_store.loaders.reading import first_line, human_size
from content_store.sources.base import (
    Fetched,
    Gone,
    Listed,
    NotModified,
    SourceError,
    SourceOptions,
)
from content_store.sources.rules import rule_fields

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_PDF_TYPES = ("application/pdf",)
_SKIP_SUFFIXES = (
    ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".ico", ".css", ".js", ".zip", ".mp4",
    ".mp3", ".woff", ".woff2", ".ttf", ".xml", ".json",
)  # fmt: skip
# Sitemap files are read whole; bigger than this is refused.
MAX_SITEMAP_BYTES = 50_000_000
MAX_SITEMAP_FILES = 100


@dataclass
class _Page:
    """What one fetch found: the result for the item, and same-site links to follow."""

    listed: Listed
    result: Fetched
    links: list[str] = field(default_factory=list)


class WebsiteSource:
    kind = "website"

    def __init__(self, start_url: str, options: SourceOptions | None = None) -> None:
        from content_store.sources.specs import source_key

        self.options = options or SourceOptions()
        self.start_url = start_url.strip()
        self.key = source_key(self.start_url)
        parts = urlsplit(self.start_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc.lower()
        self._client = httpx.Client(
            headers={"User-Agent": self.options.user_agent},
            timeout=self.options.timeout_s,
            follow_redirects=True,
            max_redirects=10,
        )
        self._robots: RobotFileParser | None = None
        self._delay = 0.0
        self._last_request = 0.0
        self._pace = threading.Lock()

    # -- the Source interface ---------------------------------------------------------------

    def list_items(self) -> Iterable[Listed | LoadProblem]:
        """The URLs the sitemap lists (or the start URL when following links)."""
        self._read_robots()
        urls, problems = self._sitemap_urls()
        yield from problems
        for url, lastmod in urls if urls is not None else [(self.start_url, None)]:
            yield Listed(locator=url, hint={"lastmod": lastmod} if lastmod else {})

    def fetch(self, listed: Listed, previous_version: str | None) -> Fetched:
        return self._fetch(listed.locator, previous_version).result

    def fetch_all(
        self, known_versions: Mapping[str, str | None]
    ) -> Iterator[tuple[Listed, Fetched] | LoadProblem]:
        """Every page, two at a time, following same-site links (PDFs included) as it goes.

        Pages read before are asked for again with their ETag, so one that did not change
        costs a 304; pages beyond max_pages keep their last version.
        """
        self._read_robots()
        urls, problems = self._sitemap_urls()
        yield from problems
        follow = urls is None
        queue: deque[str] = deque()
        seen: set[str] = set()

        def add(url: str, *, linked: bool = False) -> None:
            url = _normal(url)
            if url not in seen and self._wanted(url, linked=linked):
                seen.add(url)
                queue.append(url)

        if urls is None:
            add(self.start_url)
        else:
            for url, _lastmod in urls:
                add(url)
        for url in known_versions:
            add(url)
        workers = 1 if self._delay else max(1, self.options.per_host)
        fetched = 0
        pending: dict[Future[_Page], str] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
            while queue or pending:
                while queue and len(pending) < workers and fetched < self.options.max_pages:
                    url = queue.popleft()
                    fetched += 1
                    pending[pool.submit(self._fetch, url, known_versions.get(url))] = url
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.pop(future)
                    page = future.result()
                    yield page.listed, page.result
                    for link in page.links:
                        if follow or link.lower().endswith(".pdf"):
                            add(link, linked=True)
        if queue:
            left = [url for url in queue]
            yield LoadProblem(
                self.key,
                f"stopped at max_pages ({self.options.max_pages}); {len(left)} more URLs not "
                "read this time (pages read before keep their last version; raise --max-pages)",
            )
            for url in left:
                if url in known_versions:
                    yield Listed(locator=url), NotModified(url)

    def close(self) -> None:
        self._client.close()

    # -- robots.txt and sitemaps -------------------------------------------------------------

    def _read_robots(self) -> None:
        if self._robots is not None:
            return
        robots = RobotFileParser()
        url = f"{self.origin}/robots.txt"
        try:
            response = self._client.get(url)
        except httpx.HTTPError as error:
            raise SourceError(f"{url}: site unreachable ({_reason(error)})") from None
        if response.status_code >= 500:
            raise SourceError(f"{url}: HTTP {response.status_code}, the site seems down")
        text = response.text if response.status_code == 200 else ""
        robots.parse(text.splitlines())
        self._robots = robots
        given = robots.crawl_delay(self.options.user_agent)
        delay = float(given) if given else None
        if delay is None:
            # The standard parser takes whole seconds only; "Crawl-delay: 0.5" is common.
            match = re.search(r"(?im)^\s*crawl-delay\s*:\s*([0-9.]+)", text)
            delay = float(match.group(1)) if match else None
        self._delay = min(delay, 60.0) if delay else 0.0

    def _sitemap_urls(self) -> tuple[list[tuple[str, str | None]] | None, list[LoadProblem]]:
        """(URL, lastmod) pairs from the sitemap, or None when the site is to be crawled."""
        path = urlsplit(self.start_url).path.lower()
        if path.endswith(".xml") or path.endswith(".txt"):
            start = [self.start_url]
            explicit = True
        else:
            assert self._robots is not None
            start = list(self._robots.site_maps() or []) or [f"{self.origin}/sitemap.xml"]
            explicit = bool(self._robots.site_maps())
        found: list[tuple[str, str | None]] = []
        problems: list[LoadProblem] = []
        queue = deque(start)
        files = 0
        while queue and files < MAX_SITEMAP_FILES:
            url = queue.popleft()
            files += 1
            try:
                response = self._client.get(url)
            except httpx.HTTPError as error:
                raise SourceError(f"sitemap {url}: {_reason(error)}") from None
            if response.status_code != 200:
                if files == 1 and not explicit and response.status_code == 404:
                    return None, []  # no sitemap: follow links from the start URL
                raise SourceError(f"sitemap {url}: HTTP {response.status_code}")
            if len(response.content) > MAX_SITEMAP_BYTES:
                raise SourceError(
                    f"sitemap {url} is {human_size(len(response.content))}; "
                    f"the limit is {human_size(MAX_SITEMAP_BYTES)}"
                )
            if url.lower().endswith(".txt"):
                entries: list[tuple[str, str | None]] = [
                    (line.strip(), None) for line in response.text.splitlines()
                ]
                nested: list[str] = []
            else:
                try:
                    entries, nested = _parse_sitemap(response.content)
                except ET.ParseError as error:
                    raise SourceError(f"sitemap {url} is not valid XML ({error})") from None
            queue.extend(nested)
            for loc, lastmod in entries:
                if not loc:
                    continue
                if len(found) >= self.options.max_sitemap_urls:
                    problems.append(
                        LoadProblem(
                            url,
                            f"the sitemaps list more than {self.options.max_sitemap_urls:,} "
                            "URLs; the rest are ignored",
                        )
                    )
                    return found, problems
                found.append((loc, lastmod))
        return found, problems

    def _wanted(self, url: str, *, linked: bool) -> bool:
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.host:
            return False
        if linked and parts.path.lower().endswith(_SKIP_SUFFIXES):
            return False  # images, scripts and the like: not worth a request
        assert self._robots is not None
        return self._robots.can_fetch(self.options.user_agent, url)

    # -- one page --------------------------------------------------------------------------

    def _fetch(self, url: str, previous_version: str | None) -> _Page:
        listed = Listed(locator=url)
        headers = _conditional_headers(previous_version)
        try:
            self._wait_turn()
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return _Page(Listed(url, previous_version), NotModified(url))
                if response.status_code in (404, 410):
                    return _Page(listed, Gone(url, f"HTTP {response.status_code}: page is gone"))
                if response.status_code != 200:
                    return _Page(listed, [LoadProblem(url, f"HTTP {response.status_code}")])
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in _HTML_TYPES + _PDF_TYPES:
                    return _Page(
                        listed, [LoadProblem(url, f"not HTML or PDF (content type {kind!r})")]
                    )
                final = str(response.url)
                if response.url.host.lower() != urlsplit(self.origin).hostname:
                    # Only the configured site is read: a redirect elsewhere is not followed in.
                    reason = f"redirects off the site, to {final[:200]}"
                    return _Page(listed, [LoadProblem(url, reason)])
                data = self._read_capped(response)
                version = _version(response.headers)
        except _TooBig as error:
            return _Page(listed, [LoadProblem(url, str(error))])
        except httpx.TooManyRedirects:
            return _Page(listed, [LoadProblem(url, "redirect loop (more than 10 redirects)")])
        except httpx.TimeoutException:
            reason = f"timed out after {self.options.timeout_s:g} s"
            return _Page(listed, [LoadProblem(url, reason)])
        except httpx.HTTPError as error:
            return _Page(listed, [LoadProblem(url, _reason(error))])
        listed = Listed(url, version)
        try:
            if kind in _PDF_TYPES:
                body, title = pdf_to_text(data)
                meta: dict[str, object] = {"title": title or first_line(body), "type": "pdf"}
                links: list[str] = []
            else:
                body, meta, links = _read_html(data, final)
        except BadContent as error:
            return _Page(listed, [LoadProblem(url, str(error))])
        if not body.strip():
            return _Page(listed, [LoadProblem(url, "no main text found on the page")])
        return _Page(listed, self._item(url, final, body, meta), links)

    def _item(
        self, url: str, final: str, body: str, meta: dict[str, object]
    ) -> list[Found | LoadProblem]:
        canonical = str(meta.get("canonical") or "")
        try:
            same_site = urlsplit(canonical).netloc.lower() == self.host
        except ValueError:
            same_site = False
        link = canonical if same_site else final
        raw: dict[str, object] = {"url": link, **rule_fields(self.options.rules, link)}
        if meta.get("title"):
            raw.setdefault("title", meta["title"])
        if meta.get("type"):  # a PDF: a rule's type still wins
            raw.setdefault("type", meta["type"])
        metadata, errors = read_metadata(
            raw,
            default_id=_item_id(link),
            default_title=first_line(body),
            default_type="web-page",
            location=link,
        )
        if metadata is None:
            return [LoadProblem(url, reason) for reason in errors]
        details = {k: str(v) for k, v in meta.items() if v and k not in ("title", "type")}
        item = make_item(metadata, body=body, source=url)
        return [Found(url, replace(item, details=details or None))]

    def _wait_turn(self) -> None:
        if not self._delay:
            return
        with self._pace:
            wait_s = self._last_request + self._delay - time.monotonic()
            if wait_s > 0:
                time.sleep(wait_s)
            self._last_request = time.monotonic()

    def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.options.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _TooBig(f"file is {human_size(int(declared))}; the limit is {human_size(cap)}")
        data = bytearray()
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > cap:
                raise _TooBig(f"file is over {human_size(cap)}, the limit; not read")
        return bytes(data)


class _TooBig(Exception):
    pass


def _parse_sitemap(data: bytes) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(URL, lastmod) entries of a urlset, and the sitemaps a sitemap index points at."""
    root = ET.fromstring(data)
    entries: list[tuple[str, str | None]] = []
    nested: list[str] = []
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        children = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in element}
        if tag == "sitemap" and children.get("loc"):
            nested.append(children["loc"])
        elif tag == "url" and children.get("loc"):
            entries.append((children["loc"], children.get("lastmod") or None))
    return entries, nested


def _read_html(data: bytes, url: str) -> tuple[str, dict[str, object], list[str]]:
    """Main text (no menus, banners or footers), page metadata, and the page's links."""
    import lxml.etree
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError) as error:
        raise BadContent(f"HTML could not be parsed ({error})") from None
    links = []
    for href in tree.xpath("//a/@href"):
        try:
            links.append(_normal(urljoin(url, str(href))))
        except ValueError:  # e.g. an unclosed IPv6 bracket: not a link to follow
            continue
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, favor_precision=True
    )
    if document is None:
        return "", {}, links
    found = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    meta: dict[str, object] = {
        "title": found.get("title"),
        "canonical": found.get("url"),
        "description": found.get("description"),
        "published": found.get("date"),
        "modified": _meta(tree, "article:modified_time") or _meta(tree, "og:updated_time"),
        "og_type": found.get("pagetype"),
    }
    body = str(found.get("text") or "").strip()
    description = str(meta.get("description") or "").strip()
    if description and body and description not in body:
        body = f"{description}\n\n{body}"
    return body, {k: v for k, v in meta.items() if v}, links


def _meta(tree: object, name: str) -> str | None:
    values = tree.xpath(  # type: ignore[attr-defined]
        f'//meta[@property="{name}" or @name="{name}"]/@content'
    )
    return str(values[0]).strip() if values else None


def _normal(url: str) -> str:
    return urldefrag(url.strip())[0]


def _item_id(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"\.(html?|php|aspx?)$", "", parts.path.rstrip("/"))
    item_id = f"{parts.netloc.lower()}{path}"
    if parts.query:
        item_id += "?" + parts.query
    if len(item_id) > 200:
        item_id = item_id[:180] + "-" + hashlib.sha256(item_id.encode()).hexdigest()[:12]
    return item_id


def _conditional_headers(version: str | None) -> dict[str, str]:
    if not version:
        return {}
    try:
        stamp = json.loads(version)
    except ValueError:
        return {}
    headers = {}
    if isinstance(stamp, dict):
        if stamp.get("etag"):
            headers["If-None-Match"] = str(stamp["etag"])
        if stamp.get("last_modified"):
            headers["If-Modified-Since"] = str(stamp["last_modified"])
    return headers


def _version(headers: httpx.Headers) -> str | None:
    stamp = {
        key: headers[name]
        for key, name in (("etag", "etag"), ("last_modified", "last-modified"))
        if headers.get(name)
    }
    text = json.dumps(stamp, sort_keys=True) if stamp else None
    return text if text is None or len(text) <= 500 else None


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text[:200]
