"""Loading a whole content library folder: every file, every problem, no exceptions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from content_store.loaders.catalog import load_catalog
from content_store.loaders.discovery import FileKind, discover_files, file_kind
from content_store.loaders.documents import load_document
from content_store.loaders.markdown import load_markdown
from content_store.loaders.model import (
    BadContent,
    Found,
    LoadedItem,
    LoadProblem,
    LoadResult,
)
from content_store.loaders.reading import read_text

log = logging.getLogger(__name__)


def load_library(root: Path, *, on_file: Callable[[str], None] | None = None) -> LoadResult:
    """Load every content file under `root`; bad files become problems, the rest still load.

    `on_file` is called with each file's relative path before it is read (for progress bars).
    Raises ValueError only if `root` is not an existing directory.
    """
    root = Path(root)
    files = discover_files(root)
    items: list[LoadedItem] = []
    problems: list[LoadProblem] = []
    # id -> source of the item that claimed it first (in sorted path order).
    owners: dict[str, str] = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        if on_file is not None:
            on_file(rel)
        for entry in load_file(path, rel):
            if isinstance(entry, LoadProblem):
                problems.append(entry)
            elif entry.item.id in owners:
                first = owners[entry.item.id]
                reason = f"duplicate id {entry.item.id!r} (already used by {first})"
                problems.append(LoadProblem(entry.path, reason))
            else:
                owners[entry.item.id] = entry.item.source
                items.append(entry.item)
    log.info(
        "loaded %d items from %d files under %s (%d problems)",
        len(items),
        len(files),
        root,
        len(problems),
    )
    return LoadResult(items=items, problems=problems, files_seen=len(files))


def load_file(path: Path, rel: str) -> list[Found | LoadProblem]:
    """The items (a catalog gives several) or problems of one file; never raises."""
    default_id = PurePosixPath(rel).with_suffix("").as_posix()
    try:
        kind = file_kind(path)
        if kind is FileKind.CATALOG:
            return load_catalog(read_text(path), rel)
        if kind is FileKind.MARKDOWN:
            return load_markdown(read_text(path), rel, default_id)
        return load_document(path, rel, default_id)
    except BadContent as exc:
        return [LoadProblem(rel, str(exc))]
    except OSError as exc:
        # Permissions, a file removed mid-load, and the like: report it and carry on.
        return [LoadProblem(rel, f"could not be read ({exc.strerror or exc})")]
