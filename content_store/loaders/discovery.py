"""Which files under a library root are content, in a deterministic order."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path


class FileKind(Enum):
    MARKDOWN = "markdown"
    DOCUMENT = "document"  # .txt, .html, .pdf: metadata comes from a sidecar
    CATALOG = "catalog"


_SUFFIX_KINDS = {
    ".md": FileKind.MARKDOWN,
    ".markdown": FileKind.MARKDOWN,
    ".txt": FileKind.DOCUMENT,
    ".html": FileKind.DOCUMENT,
    ".htm": FileKind.DOCUMENT,
    ".pdf": FileKind.DOCUMENT,
}
# READMEs document a folder for humans; they are not content.
_SKIPPED_NAMES = frozenset({"readme.md", "readme.markdown", "readme.txt"})
CATALOG_NAME = "catalog.csv"


def file_kind(path: Path) -> FileKind | None:
    """The loader a file needs, or None for files the library ignores (sidecars included)."""
    name = path.name.lower()
    if name.startswith(".") or name in _SKIPPED_NAMES:
        return None
    if name == CATALOG_NAME:
        return FileKind.CATALOG
    return _SUFFIX_KINDS.get(path.suffix.lower())


def discover_files(root: Path) -> list[Path]:
    """The content files load_library reads, sorted by their path relative to `root`.

    Hidden files and folders are skipped; sidecar YAML files are read alongside their
    document, so they are not listed. Symlinked folders are not followed (no cycles).
    Raises ValueError if `root` is not an existing directory.
    """
    if not root.is_dir():
        reason = "does not exist" if not root.exists() else "is not a directory"
        raise ValueError(f"content library {str(root)!r} {reason}")
    found: list[Path] = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            path = Path(folder, name)
            if file_kind(path) is not None and path.is_file():
                found.append(path)
    return sorted(found, key=lambda path: path.relative_to(root).parts)
