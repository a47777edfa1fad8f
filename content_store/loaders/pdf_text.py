"""Guarded text extraction from PDFs with pypdf."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader

from content_store.loaders.model import BadContent

log = logging.getLogger(__name__)

# Hostile or huge PDFs must not stall a library load; these bound the work per file.
MAX_PDF_PAGES = 500
MAX_PDF_CHARS = 2_000_000


def pdf_to_text(data: bytes) -> tuple[str, str | None]:
    """Return (text, title from the PDF's metadata or None); raises BadContent if unreadable."""
    try:
        return _extract(data)
    except BadContent:
        raise
    except Exception as exc:
        # pypdf raises many exception types on malformed files; any of them means "unreadable".
        raise BadContent(f"PDF text could not be read: {type(exc).__name__}: {exc}") from None


def _extract(data: bytes) -> tuple[str, str | None]:
    reader = PdfReader(io.BytesIO(data))
    # Owner-password-only PDFs (print/copy restrictions) open with an empty password.
    if reader.is_encrypted and not reader.decrypt(""):
        raise BadContent("PDF is encrypted with a password; add an unencrypted copy")
    pages: list[str] = []
    total = 0
    for number, page in enumerate(reader.pages, start=1):
        if number > MAX_PDF_PAGES:
            log.warning("PDF has more than %d pages; the rest is not indexed", MAX_PDF_PAGES)
            break
        text = page.extract_text() or ""
        pages.append(text)
        total += len(text)
        if total >= MAX_PDF_CHARS:
            log.warning("PDF text exceeds %d characters; the rest is not indexed", MAX_PDF_CHARS)
            break
    text = _tidy("\n\n".join(pages))[:MAX_PDF_CHARS]
    return text, _metadata_title(reader)


def _metadata_title(reader: PdfReader) -> str | None:
    metadata = reader.metadata
    title = metadata.title if metadata is not None else None
    if not isinstance(title, str):
        return None
    title = " ".join(title.split())
    return title[:200] or None


def _tidy(text: str) -> str:
    # NUL bytes show up in extracted text and PostgreSQL text columns reject them.
    text = text.replace("\x00", "")
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
