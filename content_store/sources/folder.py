"""A folder of Markdown, text, HTML and PDF files and catalog.csv files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from content_store.loaders.discovery import discover_files
from content_store.loaders.library import load_file
from content_store.loaders.model import LoadProblem
from content_store.sources.base import Fetched, Listed, SourceError


class FolderSource:
    kind = "folder"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.key = str(self.root.resolve())

    def list_items(self) -> Iterable[Listed | LoadProblem]:
        try:
            files = discover_files(self.root)
        except (ValueError, OSError) as error:
            raise SourceError(str(error)) from None
        for path in files:
            try:
                stat = path.stat()
                version: str | None = f"{stat.st_mtime_ns}:{stat.st_size}"
            except OSError:
                version = None
            yield Listed(locator=path.relative_to(self.root).as_posix(), version=version)

    def fetch(self, listed: Listed, previous_version: str | None) -> Fetched:
        # Files are cheap to read and the content hash decides what is re-embedded, so an
        # unchanged stamp is not trusted (a copied folder keeps mtimes but may differ).
        return load_file(self.root / listed.locator, listed.locator)

    def close(self) -> None:
        pass
