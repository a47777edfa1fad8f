"""Tests for the content library loaders, on small libraries written to tmp_path."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from content_store.loaders import (
    LoadedItem,
    LoadProblem,
    LoadResult,
    discover_files,
    load_library,
    reading,
)
from content_store.stage import Stage


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def md(title: str = "A guide", body: str = "Body text.", **fields: str) -> str:
    lines = ["---", f"title: {title}"] + [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join([*lines, "---", body, ""])


def by_id(result: LoadResult) -> dict[str, LoadedItem]:
    return {item.id: item for item in result.items}


def problems_at(result: LoadResult, path: str) -> list[str]:
    return [problem.reason for problem in result.problems if problem.path == path]


def make_pdf(text: str, title: str | None = None) -> bytes:
    """A minimal hand-written PDF with one page of Helvetica text and a correct xref table."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if title is not None:
        objects.append(f"<< /Title ({title}) >>".encode("latin-1"))
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
    info = b" /Info 6 0 R" if title is not None else b""
    out.write(b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


# --- each format ---------------------------------------------------------------------------


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    write(
        tmp_path,
        "guides/pricing.md",
        "---\n"
        "id: pricing-guide\n"
        "title: '  Pricing guide  '\n"
        "url: https://example.com/pricing\n"
        "type: Battle Card\n"
        "stage: [Decision, awareness, purchase]\n"
        "tags: [Pricing, ROI]\n"
        "competitors: ' Acme Corp ; Globex'\n"
        "owner: Dana\n"
        "review_by: 2027-03-01\n"
        "colour: blue\n"
        "---\n"
        "# Pricing\n\nOur prices are fair.\n",
    )
    result = load_library(tmp_path)
    assert result.problems == []
    assert result.files_seen == 1
    (item,) = result.items
    assert item == LoadedItem(
        id="pricing-guide",
        title="Pricing guide",
        url="https://example.com/pricing",
        type="battle-card",
        stages=(Stage.AWARENESS, Stage.DECISION),
        tags=("pricing", "roi"),
        competitors=("Acme Corp", "Globex"),
        owner="Dana",
        review_by=datetime.date(2027, 3, 1),
        body="# Pricing\n\nOur prices are fair.",
        source="guides/pricing.md",
        content_hash=item.content_hash,
    )
    assert len(item.content_hash) == 64


def test_default_id_is_relative_path_without_extension(tmp_path: Path) -> None:
    write(tmp_path, "guides/deep/intro.md", md())
    write(tmp_path, "top.markdown", md())
    ids = set(by_id(load_library(tmp_path)))
    assert ids == {"guides/deep/intro", "top"}


def test_stage_synonyms_and_review_by_as_string(tmp_path: Path) -> None:
    write(tmp_path, "a.md", md(stage="Interest", review_by="'2027-01-31'"))
    write(tmp_path, "b.md", md(stage="'evaluation, action'"))
    write(tmp_path, "c.md", md(stages="[negotiation, TOFU]"))
    items = by_id(load_library(tmp_path))
    assert items["a"].stages == (Stage.CONSIDERATION,)
    assert items["a"].review_by == datetime.date(2027, 1, 31)
    assert items["b"].stages == (Stage.CONSIDERATION, Stage.DECISION)
    assert items["c"].stages == (Stage.AWARENESS, Stage.DECISION)


def test_missing_stage_is_allowed(tmp_path: Path) -> None:
    write(tmp_path, "a.md", md())
    (item,) = load_library(tmp_path).items
    assert item.stages == ()
    assert item.type == "document"


def test_txt_with_sidecar(tmp_path: Path) -> None:
    write(tmp_path, "notes/case-study.txt", "Acme saved 40%.\r\nThanks to us.\n")
    write(
        tmp_path,
        "notes/case-study.yml",
        "title: Acme case study\nstage: consideration\ntype: case study\ntags: Retail\n",
    )
    result = load_library(tmp_path)
    assert result.problems == []
    assert result.files_seen == 1  # the sidecar is not an item of its own
    (item,) = result.items
    assert item.id == "notes/case-study"
    assert item.title == "Acme case study"
    assert item.stages == (Stage.CONSIDERATION,)
    assert item.type == "case-study"
    assert item.tags == ("retail",)
    assert item.body == "Acme saved 40%.\nThanks to us."
    assert item.source == "notes/case-study.txt"


def test_txt_with_yaml_sidecar_that_sets_only_stage_keeps_first_line_title(
    tmp_path: Path,
) -> None:
    write(tmp_path, "memo.txt", "\n\n  Quarterly   memo  \nMore.\n")
    write(tmp_path, "memo.yaml", "stage: decision\n")
    (item,) = load_library(tmp_path).items
    assert item.title == "Quarterly memo"
    assert item.stages == (Stage.DECISION,)


def test_txt_without_sidecar(tmp_path: Path) -> None:
    long_line = "x" * 300
    write(tmp_path, "one.txt", "\n   First line here  \nSecond line\n")
    write(tmp_path, "two.txt", long_line + "\n")
    items = by_id(load_library(tmp_path))
    assert items["one"].title == "First line here"
    assert items["one"].stages == ()
    assert items["one"].type == "document"
    assert items["one"].body == "First line here  \nSecond line"
    assert items["two"].title == "x" * 200


def test_html_visible_text_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        "web/page.html",
        "<!doctype html><html><head><title> Product   tour </title>"
        "<style>body { color: red }</style><script>var secret = 'hidden';</script>"
        "<meta name='x' content='meta text'></head>"
        "<body><noscript>Enable JS</noscript><h1>Welcome &amp; hello</h1>"
        "<p>First   paragraph\n with <b>bold</b> words.</p>"
        "<template><p>template text</p></template>"
        "<ul><li>One</li><li>Two</li></ul>"
        "<script>alert('also hidden')</script></body></html>",
    )
    (item,) = load_library(tmp_path).items
    assert item.title == "Product tour"
    assert item.body == "Welcome & hello\n\nFirst paragraph with bold words.\n\nOne\n\nTwo"
    for hidden in ("secret", "color", "Enable JS", "template text", "alert", "Product tour"):
        assert hidden not in item.body


def test_html_title_falls_back_to_h1_and_sidecar_wins(tmp_path: Path) -> None:
    write(tmp_path, "a.htm", "<body><h1>The <i>big</i> launch</h1><p>Text</p></body>")
    write(tmp_path, "b.html", "<title>Page title</title><p>Text</p>")
    write(tmp_path, "b.yml", "title: Sidecar title\nstage: awareness\n")
    items = by_id(load_library(tmp_path))
    assert items["a"].title == "The big launch"
    assert items["b"].title == "Sidecar title"
    assert items["b"].stages == (Stage.AWARENESS,)


def test_make_pdf_is_a_real_pdf() -> None:
    reader = PdfReader(io.BytesIO(make_pdf("Hello PDF world")))
    assert "Hello PDF world" in reader.pages[0].extract_text()


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    write(tmp_path, "pdfs/whitepaper.pdf", make_pdf("Hello PDF world"))
    write(tmp_path, "pdfs/titled.pdf", make_pdf("Body words", title="Metadata Title"))
    write(tmp_path, "pdfs/titled.yml", "stage: awareness\n")
    result = load_library(tmp_path)
    assert result.problems == []
    items = by_id(result)
    assert items["pdfs/whitepaper"].body == "Hello PDF world"
    assert items["pdfs/whitepaper"].title == "Hello PDF world"
    assert items["pdfs/titled"].title == "Metadata Title"
    assert items["pdfs/titled"].stages == (Stage.AWARENESS,)


def test_broken_and_encrypted_pdfs_are_problems(tmp_path: Path) -> None:
    write(tmp_path, "junk.pdf", b"%PDF-1.4\n\x00\xff garbage without structure")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Secret words"))))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    write(tmp_path, "locked.pdf", locked.getvalue())
    write(tmp_path, "good.md", md())
    result = load_library(tmp_path)
    assert [item.id for item in result.items] == ["good"]
    (junk,) = problems_at(result, "junk.pdf")
    assert junk.startswith("PDF text could not be read")
    (encrypted,) = problems_at(result, "locked.pdf")
    assert "encrypted" in encrypted


def test_catalog_rows_load_and_bad_row_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "links/catalog.csv",
        "id,title,url,type,stage,tags,competitors,body\n"
        "roi-calc,ROI calculator,https://x.test/roi,Tool,decision;interest,ROI;Finance,Acme,"
        "Work out savings\n"
        "blog-1,Launch blog,https://x.test/blog,,awareness,,,\n"
        "bad-1,Broken row,https://x.test/bad,,someday,,,\n"
        "\n"
        ",No id here,https://x.test/none,,,,,\n"
        '"quoted, id","Title, with comma",https://x.test/q,,,,"Acme, Inc.;Globex",\n',
    )
    result = load_library(tmp_path)
    assert result.files_seen == 1
    items = by_id(result)
    assert list(items) == ["roi-calc", "blog-1", "quoted, id"]
    roi = items["roi-calc"]
    assert roi.stages == (Stage.CONSIDERATION, Stage.DECISION)
    assert roi.tags == ("roi", "finance")
    assert roi.type == "tool"
    assert roi.body == "Work out savings"
    assert roi.source == "links/catalog.csv#roi-calc"
    assert items["blog-1"].type == "link"
    assert items["quoted, id"].competitors == ("Acme, Inc.", "Globex")
    assert problems_at(result, "links/catalog.csv:3") == [
        "unknown stage 'someday'; use awareness, consideration, decision or customer"
    ]
    assert problems_at(result, "links/catalog.csv:5") == ["missing required field 'id'"]
    assert len(result.problems) == 2


def test_catalog_missing_required_column_is_one_problem(tmp_path: Path) -> None:
    write(tmp_path, "catalog.csv", "url,stage\nhttps://x.test,awareness\n")
    write(tmp_path, "ok.md", md())
    result = load_library(tmp_path)
    assert [item.id for item in result.items] == ["ok"]
    (problem,) = result.problems
    assert problem.path == "catalog.csv"
    assert "'id'" in problem.reason and "'title'" in problem.reason


# --- bad input: reported with path and reason, good items still load ------------------------


@pytest.mark.parametrize(
    ("rel", "content", "expected"),
    [
        ("broken.md", "---\ntitle: [unclosed\n---\nbody\n", "front matter is not valid YAML (line"),
        ("untitled.md", "---\nstage: awareness\n---\nbody\n", "missing required field 'title'"),
        (
            "later.md",
            md(stage="later"),
            "unknown stage 'later'; use awareness, consideration, decision or customer",
        ),
        ("soon.md", md(review_by="soon"), "`review_by` must be a date like 2027-03-01, got 'soon'"),
        ("badday.md", md(review_by="2027-02-30"), "front matter is not valid YAML"),
        ("plain.md", "# Just markdown\n", "no YAML front matter (--- block) at the top"),
        ("unclosed.md", "---\ntitle: x\nbody\n", "no closing --- line"),
        ("listy.md", "---\n- a\n- b\n---\n", "must be a YAML mapping of fields, got a list"),
        ("binary.md", bytes(range(256)) * 4, "not UTF-8 text"),
        ("latin1.txt", "café".encode("latin-1"), "not UTF-8 text"),
        ("nul.html", b"<p>a\x00b</p>", "not UTF-8 text"),
        ("bad.csv/catalog.csv", b"id,title\n\xff\xfe,x\n", "not UTF-8 text"),
        ("titled-list.md", md(title="[a, b]"), "`title` must be text, got a list"),
        ("nested.md", md(tags="[[a], [b], [c]]"), "`tags` must be a word or a list of words"),
    ],
)
def test_bad_input_is_reported_and_good_items_still_load(
    tmp_path: Path, rel: str, content: str | bytes, expected: str
) -> None:
    write(tmp_path, "a-good.md", md(title="Good one"))
    write(tmp_path, rel, content)
    write(tmp_path, "z-good.txt", "Also good\n")
    result = load_library(tmp_path)
    assert sorted(item.id for item in result.items) == ["a-good", "z-good"]
    reasons = problems_at(result, rel)
    assert len(reasons) == 1, result.problems
    assert expected in reasons[0]
    assert result.files_seen == 3


def test_yaml_error_names_the_file_line(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "\n---\ntitle: ok\nstage: [unclosed\n---\n")
    (problem,) = load_library(tmp_path).problems
    assert "(line 4:" in problem.reason  # counted from the top of the file


def test_every_bad_field_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.md", md(stage="[later, awareness, never]", review_by="soon"))
    reasons = problems_at(load_library(tmp_path), "a.md")
    assert len(reasons) == 3
    assert any("'later'" in reason for reason in reasons)
    assert any("'never'" in reason for reason in reasons)
    assert any("review_by" in reason for reason in reasons)


def test_bad_sidecar_is_reported_against_the_document(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "Text\n")
    write(tmp_path, "a.yml", "stage: [\n")
    write(tmp_path, "b.txt", "Text\n")
    write(tmp_path, "b.yml", "stage: soonish\n")
    write(tmp_path, "c.txt", "Text\n")
    write(tmp_path, "c.yml", "title: C\n")
    write(tmp_path, "c.yaml", "title: C again\n")
    result = load_library(tmp_path)
    assert result.items == []
    (a,) = problems_at(result, "a.txt")
    assert a.startswith("sidecar a.yml is not valid YAML")
    (b,) = problems_at(result, "b.txt")
    assert b.startswith("in sidecar b.yml: unknown stage 'soonish'")
    (c,) = problems_at(result, "c.txt")
    assert "c.yml and c.yaml" in c


def test_empty_txt_without_sidecar_needs_a_title(tmp_path: Path) -> None:
    write(tmp_path, "empty.txt", "  \n\n")
    assert problems_at(load_library(tmp_path), "empty.txt") == ["missing required field 'title'"]


def test_oversized_file_is_a_problem_and_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 2_000_000)
    write(tmp_path, "big.md", md(body="x" * 2_500_000))
    write(tmp_path, "big.pdf", b"%PDF" + b"0" * 2_100_000)
    write(tmp_path, "small.md", md())
    result = load_library(tmp_path)
    assert [item.id for item in result.items] == ["small"]
    assert problems_at(result, "big.md") == ["file is 2.5 MB; the limit is 2 MB"]
    assert problems_at(result, "big.pdf") == ["file is 2.1 MB; the limit is 2 MB"]


def test_size_message_uses_readable_units() -> None:
    assert reading.human_size(25_300_000) == "25.3 MB"
    assert reading.human_size(20_000_000) == "20 MB"
    assert reading.human_size(1_500) == "1.5 KB"
    assert reading.human_size(12) == "12 bytes"


def test_duplicate_id_first_in_path_order_wins(tmp_path: Path) -> None:
    write(tmp_path, "b/second.md", md(title="Second", id="shared"))
    write(tmp_path, "a/first.md", md(title="First", id="shared"))
    write(tmp_path, "catalog.csv", "id,title\nshared,Third\nunique,Unique\n")
    result = load_library(tmp_path)
    items = by_id(result)
    assert items["shared"].title == "First"
    assert "unique" in items
    assert result.problems == [
        LoadProblem("b/second.md", "duplicate id 'shared' (already used by a/first.md)"),
        LoadProblem("catalog.csv:1", "duplicate id 'shared' (already used by a/first.md)"),
    ]


# --- discovery, hashing, order ----------------------------------------------------------------


def test_discovery_skips_hidden_readmes_sidecars_and_other_files(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# About this library\n")
    write(tmp_path, "sub/readme.txt", "notes for humans\n")
    write(tmp_path, ".hidden.md", "junk")
    write(tmp_path, ".git/config.md", "junk")
    write(tmp_path, "sub/.draft/x.md", "junk")
    write(tmp_path, "image.png", b"\x89PNG")
    write(tmp_path, "data.csv", "a,b\n")
    write(tmp_path, "sub/doc.yml", "title: sidecar without a document\n")
    write(tmp_path, "sub/doc.TXT", "Upper-case extension\n")
    write(tmp_path, "b.md", md())
    write(tmp_path, "a/z.md", md())
    found = [path.relative_to(tmp_path).as_posix() for path in discover_files(tmp_path)]
    assert found == ["a/z.md", "b.md", "sub/doc.TXT"]
    seen: list[str] = []
    result = load_library(tmp_path, on_file=seen.append)
    assert seen == found
    assert result.files_seen == 3
    assert result.problems == []


def test_root_must_be_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_library(tmp_path / "missing")
    file_root = write(tmp_path, "file.md", md())
    with pytest.raises(ValueError, match="not a directory"):
        load_library(file_root)


def make_library(root: Path) -> None:
    write(root, "m.md", md(title="M", stage="awareness", tags="[b, a]"))
    write(root, "t.txt", "Plain text\n")
    write(root, "h/page.html", "<title>H</title><p>Hello</p>")
    write(root, "p.pdf", make_pdf("Hello PDF world"))
    write(root, "catalog.csv", "id,title,url\nlink-1,Link,https://x.test\n")


def test_content_hash_is_stable_and_order_is_deterministic(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    make_library(one)
    make_library(two)
    first, second = load_library(one), load_library(two)
    assert first.problems == []
    assert [item.id for item in first.items] == ["link-1", "h/page", "m", "p", "t"]
    assert first.items == second.items
    assert load_library(one).items == first.items


@pytest.mark.parametrize(
    "changed",
    [
        md(title="M", stage="awareness", tags="[b, a]", body="Different body."),
        md(title="M", stage="decision", tags="[b, a]"),
        md(title="M", stage="awareness", tags="[b, c]"),
        md(title="M2", stage="awareness", tags="[b, a]"),
        md(title="M", stage="awareness", tags="[b, a]", review_by="2030-01-01"),
        md(title="M", stage="awareness", tags="[b, a]", owner="Sam"),
    ],
)
def test_content_hash_changes_with_body_or_metadata(tmp_path: Path, changed: str) -> None:
    write(tmp_path, "m.md", md(title="M", stage="awareness", tags="[b, a]"))
    before = by_id(load_library(tmp_path))["m"].content_hash
    write(tmp_path, "m.md", changed)
    assert by_id(load_library(tmp_path))["m"].content_hash != before


def test_content_hash_ignores_source_and_formatting_noise(tmp_path: Path) -> None:
    write(tmp_path, "a/x.md", md(id="x", tags="[Pricing]", stage="interest"))
    first = load_library(tmp_path).items[0]
    (tmp_path / "a/x.md").unlink()
    write(tmp_path, "b/x.md", md(id="x", tags="' pricing '", stage="consideration"))
    moved = load_library(tmp_path).items[0]
    assert moved.source != first.source
    assert moved.content_hash == first.content_hash
