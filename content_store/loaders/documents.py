"""Items from plain-text, HTML and PDF files, with metadata from an optional sidecar YAML file."""

from __future__ import annotations

from pathlib import Path

from content_store.loaders.fields import read_metadata
from content_store.loaders.html_text import html_to_text
from content_store.loaders.model import BadContent, Found, LoadProblem, make_item
from content_store.loaders.pdf_text import pdf_to_text
from content_store.loaders.reading import first_line, read_bytes, read_text
from content_store.loaders.yaml_meta import parse_mapping

SIDECAR_SUFFIXES = (".yml", ".yaml")


def load_document(path: Path, rel: str, default_id: str) -> list[Found | LoadProblem]:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        body, title = pdf_to_text(read_bytes(path))
        default_title = title or first_line(body)
    elif suffix in (".html", ".htm"):
        body, title = html_to_text(read_text(path))
        default_title = title or first_line(body)
    else:
        body = read_text(path).strip()
        default_title = first_line(body)

    raw: dict[str, object] = {}
    what = ""
    sidecar = find_sidecar(path)
    if sidecar is not None:
        what = f"sidecar {sidecar.name}"
        try:
            raw = parse_mapping(read_text(sidecar), what=what)
        except BadContent as exc:
            # Name the sidecar: the reason may be about it (size, encoding), not the document.
            message = str(exc)
            raise BadContent(
                message if message.startswith(what) else f"{what}: {message}"
            ) from None

    meta, errors = read_metadata(
        raw,
        default_id=default_id,
        default_title=default_title,
        default_type="document",
        location=rel,
    )
    if meta is None:
        prefix = f"in {what}: " if what else ""
        return [LoadProblem(rel, prefix + reason) for reason in errors]
    return [Found(rel, make_item(meta, body=body, source=rel))]


def find_sidecar(path: Path) -> Path | None:
    """The metadata file next to a document: same base name, .yml or .yaml."""
    found = [path.with_suffix(s) for s in SIDECAR_SUFFIXES if path.with_suffix(s).is_file()]
    if len(found) > 1:
        # Silently preferring one would hide edits made to the other.
        names = " and ".join(p.name for p in found)
        raise BadContent(f"both {names} exist; keep one sidecar")
    return found[0] if found else None
