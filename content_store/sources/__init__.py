"""Where content comes from: a folder, a website, a Google Drive folder.

Each kind is one module behind the small interface in `base`: list items with a version stamp,
fetch one item's text and metadata. `open_source` turns a spec string into one.
"""

from __future__ import annotations

from content_store.sources.base import (
    Listed,
    NotModified,
    Source,
    SourceError,
    SourceOptions,
    SourceRead,
    read_source,
)
from content_store.sources.specs import open_source, source_key, split_specs

__all__ = [
    "Listed",
    "NotModified",
    "Source",
    "SourceError",
    "SourceOptions",
    "SourceRead",
    "open_source",
    "read_source",
    "source_key",
    "split_specs",
]
