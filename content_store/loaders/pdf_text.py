"""Guarded text extraction from PDFs with pypdf."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, StreamObject

from content_store.loaders.model import BadContent
from content_store.loaders.reading import human_size

log = logging.getLogger(__name__)

# Hostile or huge PDFs must not stall a library load; these bound the work per file.
MAX_PDF_PAGES = 500
MAX_PDF_CHARS = 2_000_000
# A few KB of Flate data can inflate to gigabytes (a "zip bomb"). One page's content stream is
# rarely over 1 MB, so no single stream may inflate past this, whatever pypdf's own default...
MAX_PDF_STREAM_BYTES = 10_000_000
# ...and all pages together (a page may reuse another's stream) are decoded at most this much.
MAX_PDF_CONTENT_BYTES = 50_000_000


def pdf_to_text(data: bytes) -> tuple[str, str | None]:
    """Return (text, title from the PDF's metadata or None); raises BadContent if unreadable."""
    cap = MAX_PDF_STREAM_BYTES
    try:
        with apply_configuration(
            zlib_maximum_output_length=cap,
            lzw_maximum_output_length=cap,
            run_length_maximum_output_length=cap,
            brotli_maximum_output_length=cap,
            array_based_stream_maximum_output_length=cap,
            stream_decoding_work_maximum_length=2 * cap,
        ):
            return _extract(data)
    except BadContent:
        raise
    except LimitReachedError as exc:
        raise BadContent(
            f"PDF exceeds a safety limit ({exc}); a stream may inflate to at most "
            f"{human_size(cap)}. A decompression bomb? Not indexed"
        ) from None
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
    decoded = 0
    for number, page in enumerate(reader.pages, start=1):
        if number > MAX_PDF_PAGES:
            log.warning("PDF has more than %d pages; the rest is not indexed", MAX_PDF_PAGES)
            break
        # Decoding first (pypdf keeps the result for extract_text) lets the budget stop a page
        # before its text is parsed.
        decoded += sum(len(stream.get_data()) for stream in _content_streams(page))
        if decoded > MAX_PDF_CONTENT_BYTES:
            raise BadContent(
                f"PDF pages inflate past {human_size(MAX_PDF_CONTENT_BYTES)} of content "
                f"by page {number} (a decompression bomb?); not indexed"
            )
        text = page.extract_text() or ""
        pages.append(text)
        total += len(text)
        if total >= MAX_PDF_CHARS:
            log.warning("PDF text exceeds %d characters; the rest is not indexed", MAX_PDF_CHARS)
            break
    text = _tidy("\n\n".join(pages))[:MAX_PDF_CHARS]
    return text, _metadata_title(reader)


def _content_streams(page: PageObject) -> Iterator[StreamObject]:
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    parts = contents if isinstance(contents, ArrayObject) else [contents]
    for part in parts:
        stream = part.get_object() if part is not None else None
        if isinstance(stream, StreamObject):
            yield stream


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
