"""Content library loaders: Markdown, text, HTML, PDF and catalog.csv files into items.

`load_library` never raises for bad content; every unusable file or row becomes a
`LoadProblem` naming its path and what is wrong, and everything else still loads.
"""

from __future__ import annotations

from content_store.loaders.discovery import discover_files
from content_store.loaders.library import load_library
from content_store.loaders.model import LoadedItem, LoadProblem, LoadResult

__all__ = ["LoadProblem", "LoadResult", "LoadedItem", "discover_files", "load_library"]
