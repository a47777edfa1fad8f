"""A small marketing website on 127.0.0.1: sitemap index, real-looking navigation, a cookie
banner and a footer on every page, an archive section, a linked PDF, robots.txt with a
disallowed path, ETags, one page that fails with 500 and one that is slow."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.content_store.test_loaders import make_pdf

CHROME_TOP = """<header><nav class="main-nav"><a href="/">Home</a> <a href="/pricing">Pricing</a>
<a href="/customers/harbor">Customers</a> <a href="/blog/forecasting-basics">Blog</a>
<a href="/private/roadmap">Roadmap</a> <a href="/contact">Contact sales</a></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
<button>Accept all cookies</button> <button>Manage cookie preferences</button></div>"""
CHROME_BOTTOM = """<footer class="site-footer"><p>Copyright 2027 Tidewell Inc. All rights
reserved.</p><a href="/privacy">Privacy policy</a> <a href="/terms">Terms of service</a>
<p>Subscribe to our newsletter for monthly inventory tips.</p></footer>"""


def page(title: str, body: str, *, extra_head: str = "", links: str = "") -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Tidewell</title><meta name="description" content="{title}: Tidewell">
<meta property="og:type" content="article">{extra_head}</head><body>{CHROME_TOP}
<main><article><h1>{title}</h1>{body}{links}</article></main>{CHROME_BOTTOM}</body></html>"""


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def marketing_pages() -> dict[str, tuple[str, bytes]]:
    """path -> (content type, body)."""
    html = "text/html; charset=utf-8"
    pages = {
        "/": page(
            "Tidewell: demand forecasting for distributors",
            paragraphs(
                "Tidewell forecasts demand per SKU and location, and turns the forecast into "
                "purchase orders your ERP already understands.",
            ),
        ),
        "/customers/harbor": page(
            "How Harbor Logistics cut stockouts by 30 percent",
            paragraphs(
                "Harbor Logistics runs four regional warehouses for grocery retailers.",
                "Before Tidewell, planners forecast demand in spreadsheets and the weekend "
                "stockouts of fresh produce cost them two retail contracts.",
                "After eight weeks on Tidewell, stockouts fell by 30 percent and the planners "
                "spend Mondays on exceptions instead of copying numbers between files.",
            ),
            extra_head='<link rel="canonical" href="/customers/harbor">'
            '<meta property="article:published_time" content="2026-04-02">'
            '<meta property="article:modified_time" content="2026-09-10">',
        ),
        "/blog/forecasting-basics": page(
            "Demand forecasting basics for distributors",
            paragraphs(
                "Demand forecasting starts with clean sales history per SKU and location.",
                "Seasonality, promotions and lead times matter more than the choice of model; "
                "a distributor that tracks them weekly halves its safety stock.",
            ),
            links='<p>Read our <a href="/resources/inventory-guide.pdf">inventory guide</a>.'
            ' <a href="http://[::1">A broken link</a></p>',
        ),
        "/blog/archive/forecasting-2019": page(
            "Forecasting trends for 2019",
            paragraphs(
                "ARCHIVED. What we expected for demand forecasting in 2019: more spreadsheets, "
                "fewer planners, and the first machine learning pilots at large distributors.",
            ),
        ),
        "/pricing": page(
            "Tidewell pricing",
            paragraphs(
                "Essentials costs 2,400 dollars a month for up to 5,000 SKU-locations.",
                "Growth costs 5,900 dollars a month and adds automated purchase orders.",
            ),
        ),
        "/private/roadmap": page("Roadmap", paragraphs("Secret roadmap, not for crawlers.")),
        "/broken": "",
        "/slow": page("Slow page", paragraphs("This page takes too long to answer.")),
    }
    out = {path: (html, text.encode()) for path, text in pages.items()}
    out["/resources/inventory-guide.pdf"] = (
        "application/pdf",
        make_pdf(
            "Inventory guide for distributors. Safety stock, reorder points and service "
            "levels explained with worked examples.",
            title="The distributor's inventory guide",
        ),
    )
    out["/logo.png"] = ("image/png", b"\x89PNG\r\n\x1a\nnot really")
    return out


class FakeSite:
    """`with FakeSite() as site:` serves the pages at site.url until the block ends."""

    def __init__(self, *, with_sitemap: bool = True, slow_seconds: float = 3.0) -> None:
        self.pages = marketing_pages()
        self.with_sitemap = with_sitemap
        self.slow_seconds = slow_seconds
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.user_agents: set[str] = set()
        self.down = False
        self._active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeSite:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sitemaps(self) -> dict[str, str]:
        listed = [p for p in self.pages if p not in ("/logo.png",) and not p.endswith(".pdf")]
        urls = "".join(
            f"<url><loc>{self.url}{p}</loc><lastmod>2026-10-01</lastmod></url>" for p in listed
        )
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        return {
            "/sitemap.xml": f'<?xml version="1.0"?><sitemapindex {ns}><sitemap><loc>{self.url}'
            "/sitemap-pages.xml</loc></sitemap></sitemapindex>",
            "/sitemap-pages.xml": f'<?xml version="1.0"?><urlset {ns}>{urls}</urlset>',
        }

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?")[0]
        with self._lock:
            self.requests[path] += 1
            self._active += 1
            self.max_active = max(self.max_active, self._active)
            self.user_agents.add(request.headers.get("User-Agent", ""))
        try:
            self._answer(request, path)
        finally:
            with self._lock:
                self._active -= 1

    def _answer(self, request: BaseHTTPRequestHandler, path: str) -> None:
        if self.down:
            self._send(request, 503, "text/plain", b"down for maintenance")
            return
        if path == "/robots.txt":
            robots = "User-agent: *\nDisallow: /private/\n"
            self._send(request, 200, "text/plain", robots.encode())
            return
        sitemaps = self.sitemaps() if self.with_sitemap else {}
        if path in sitemaps:
            self._send(request, 200, "application/xml", sitemaps[path].encode())
            return
        if path == "/loop":
            request.send_response(302)
            request.send_header("Location", "/loop")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if path == "/elsewhere":
            request.send_response(302)
            request.send_header("Location", self.url.replace("127.0.0.1", "localhost") + "/")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if path == "/bad-urls.txt":
            bad = [
                "/loop",
                "/logo.png",
                "/empty",
                "/slow",
                "/resources/inventory-guide.pdf",
                "/elsewhere",
            ]
            listed = "\n".join(self.url + p for p in bad)
            self._send(request, 200, "text/plain", listed.encode())
            return
        if path == "/huge-sitemap.xml":
            ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            urls = "".join(f"<url><loc>{self.url}/p/{n}</loc></url>" for n in range(100_000))
            body = f'<?xml version="1.0"?><urlset {ns}>{urls}</urlset>'.encode()
            self._send(request, 200, "application/xml", body)
            return
        if path == "/empty":
            empty = f"<html><body>{CHROME_TOP}{CHROME_BOTTOM}</body></html>".encode()
            self._send(request, 200, "text/html", empty)
            return
        if path == "/broken":
            self._send(request, 500, "text/plain", b"internal error")
            return
        if path == "/slow":
            time.sleep(self.slow_seconds)
        if path not in self.pages:
            self._send(request, 404, "text/html", b"<html><body>Not found</body></html>")
            return
        kind, body = self.pages[path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self._send(request, 304, None, b"", etag=etag)
            return
        self._send(request, 200, kind, body, etag=etag)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        kind: str | None,
        body: bytes,
        *,
        etag: str | None = None,
    ) -> None:
        with self._lock:
            self.statuses[status] += 1
        try:
            request.send_response(status)
            if kind:
                request.send_header("Content-Type", kind)
            if etag:
                request.send_header("ETag", etag)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            if body:
                request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the slow page's timeout)
