"""Source specs as people write them: a folder path, an http(s) URL, or gdrive:FOLDER_ID."""

from __future__ import annotations

import re
from pathlib import Path

from content_store.sources.base import Source, SourceOptions

_GDRIVE = re.compile(r"gdrive:([A-Za-z0-9_-]+)")


def split_specs(raw: str | None) -> list[str]:
    """A comma- or newline-separated list of sources, blanks dropped, order kept."""
    specs = [part.strip() for part in re.split(r"[,\n]", raw or "")]
    return list(dict.fromkeys(s for s in specs if s))


def source_key(spec: str | Path) -> str:
    """The stable name a source's items are stored under."""
    text = str(spec).strip()
    if re.match(r"https?://", text, re.IGNORECASE):
        return _site_key(text)
    match = _GDRIVE.fullmatch(text)
    if match:
        return f"gdrive:{match.group(1)}"
    if text.startswith("gdrive:"):
        raise ValueError(f"{text!r} is not a Drive folder: expected gdrive:FOLDER_ID")
    return str(Path(text).expanduser().resolve())


def _site_key(url: str) -> str:
    # The start URL without a trailing slash: https://example.com/ and https://example.com
    # are one source.
    return url.rstrip("/") if url.count("/") > 2 else url


def open_source(spec: str | Path, options: SourceOptions | None = None) -> Source:
    """The source a spec names; raises ValueError for a spec that is none of the three forms."""
    options = options or SourceOptions()
    text = str(spec).strip()
    if not text:
        raise ValueError("empty source: name a folder, an http(s) URL or gdrive:FOLDER_ID")
    if re.match(r"https?://", text, re.IGNORECASE):
        from content_store.sources.website import WebsiteSource

        return WebsiteSource(text, options)
    if text.startswith("gdrive:"):
        from content_store.sources.gdrive import DriveSource

        return DriveSource(source_key(text).removeprefix("gdrive:"), options)
    from content_store.sources.folder import FolderSource

    return FolderSource(Path(text).expanduser())
