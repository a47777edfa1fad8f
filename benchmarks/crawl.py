"""Website re-crawl benchmark: a local site of N pages crawled, then crawled again unchanged.

    python -m benchmarks.crawl [--pages 1000] [--ingest]

The second crawl sends each page's ETag back, so an unchanged page costs one 304 and no text
extraction. Without --ingest only the crawl (read_source) is timed; with it, the whole
`funnelbot ingest` of the site is timed too (the first run embeds every page, the second
nothing). Target: the re-crawl costs at most 1/10 of the first. Prints the core count and
writes benchmarks/results/crawl.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.synthetic import COMPETITORS, INDUSTRIES, TOPICS, WORDS
from content_store.sources import SourceOptions, read_source
from content_store.sources.website import WebsiteSource

NAV = (
    '<nav><a href="/">Home</a> <a href="/pricing">Pricing</a> <a href="/blog">Blog</a></nav>'
    '<div class="cookie-banner">We use cookies. <button>Accept</button></div>'
)
FOOTER = "<footer>Copyright 2027. <a href='/privacy'>Privacy</a></footer>"


def make_site(pages: int, *, seed: int = 5) -> dict[str, bytes]:
    rng = random.Random(seed)
    site: dict[str, bytes] = {}
    for n in range(pages):
        topic = rng.choice(TOPICS)
        industry = rng.choice(INDUSTRIES)
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(WORDS) for _ in range(60)) + "</p>" for _ in range(5)
        )
        title = f"{topic} for {industry} teams, part {n} (vs {rng.choice(COMPETITORS)})"
        html = (
            f"<!doctype html><html><head><title>{title}</title>"
            f'<meta name="description" content="{title}"></head><body>{NAV}'
            f"<main><article><h1>{title}</h1>{paragraphs}</article></main>{FOOTER}</body></html>"
        )
        site[f"/posts/{n}"] = html.encode()
    return site


class Server:
    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.etags = {p: '"' + hashlib.sha256(b).hexdigest()[:16] + '"' for p, b in pages.items()}
        self.statuses: dict[int, int] = {}
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real web server does

            def do_GET(self) -> None:
                status, kind, body, etag = server.answer(self.path, self.headers)
                with lock:
                    server.statuses[status] = server.statuses.get(status, 0) + 1
                self.send_response(status)
                if kind:
                    self.send_header("Content-Type", kind)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str, headers: Any) -> tuple[int, str | None, bytes, str | None]:
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n", None
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.url}{p}</loc></url>" for p in self.pages)
            body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return 200, "application/xml", body.encode(), None
        if path not in self.pages:
            return 404, "text/plain", b"not found", None
        etag = self.etags[path]
        if headers.get("If-None-Match") == etag:
            return 304, None, b"", etag
        return 200, "text/html; charset=utf-8", self.pages[path], etag


def time_crawls(server: Server, pages: int) -> dict[str, float]:
    options = SourceOptions(max_pages=pages + 10)
    server.statuses.clear()
    started = time.perf_counter()
    first = read_source(WebsiteSource(server.url, options))
    first_s = time.perf_counter() - started
    first_statuses = dict(server.statuses)
    known = {item.source: item.version for item in first.items}
    server.statuses.clear()
    started = time.perf_counter()
    second = read_source(WebsiteSource(server.url, options), known_versions=known)
    second_s = time.perf_counter() - started
    assert len(first.items) == pages, (len(first.items), first.problems[:3])
    assert len(second.unchanged) == pages and not second.items
    return {
        "first_crawl_s": first_s,
        "recrawl_s": second_s,
        "recrawl_ratio": second_s / first_s,
        "first_200s": first_statuses.get(200, 0),
        "recrawl_304s": server.statuses.get(304, 0),
    }


def time_ingests(server: Server) -> dict[str, float]:
    from bot.ingest import ingest
    from bot.services import Services
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        services = Services(Settings(home=Path(folder) / "home"))
        try:
            options = SourceOptions(max_pages=100_000)
            started = time.perf_counter()
            first = ingest(services, server.url, options=options)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            second = ingest(services, server.url, options=options)
            second_s = time.perf_counter() - started
        finally:
            services.close()
    return {
        "first_ingest_s": first_s,
        "first_ingest_chunks": first.chunks_embedded,
        "reingest_s": second_s,
        "reingest_chunks": second.chunks_embedded,
        "reingest_ratio": second_s / first_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--ingest", action="store_true", help="also time the whole ingest")
    args = parser.parse_args()
    server = Server(make_site(args.pages))
    results: dict[str, Any] = {"pages": args.pages, "cores": os.cpu_count()}
    results.update(time_crawls(server, args.pages))
    if args.ingest:
        results.update(time_ingests(server))
    server.httpd.shutdown()
    print(f"cores: {results['cores']}, pages: {args.pages}")
    print(
        f"crawl: first {results['first_crawl_s']:.2f} s ({results['first_200s']} x 200), "
        f"unchanged re-crawl {results['recrawl_s']:.2f} s ({results['recrawl_304s']} x 304): "
        f"ratio {results['recrawl_ratio']:.3f} (target <= 0.100: "
        f"{'met' if results['recrawl_ratio'] <= 0.1 else 'MISSED'})"
    )
    if args.ingest:
        print(
            f"ingest: first {results['first_ingest_s']:.1f} s "
            f"({results['first_ingest_chunks']} chunks embedded), unchanged re-ingest "
            f"{results['reingest_s']:.1f} s ({results['reingest_chunks']} chunks): "
            f"ratio {results['reingest_ratio']:.3f} (target <= 0.100: "
            f"{'met' if results['reingest_ratio'] <= 0.1 else 'MISSED'})"
        )
    out = Path(__file__).parent / "results" / "crawl.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
