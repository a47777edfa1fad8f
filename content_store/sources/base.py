"""The interface every content source implements, and reading one source into items."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from content_store.errors import UnavailableError
from content_store.loaders.model import Found, LoadedItem, LoadProblem

log = logging.getLogger(__name__)


class SourceError(UnavailableError):
    """The source as a whole cannot be read (site down, sitemap 404, Drive refused the key).

    Its items stay as they were; the message is shown with the source's name.
    """


@dataclass(frozen=True)
class Listed:
    """One item a source lists: where it is, and the source's version stamp for it."""

    locator: str  # a relative path, a URL, a Drive file id: what `ContentItem.source` stores
    version: str | None = None
    hint: Mapping[str, object] = field(default_factory=dict)  # e.g. a sitemap's lastmod


@dataclass(frozen=True)
class NotModified:
    """The source says the item is as it was at `version` (an HTTP 304, the same modifiedTime)."""

    locator: str


@dataclass(frozen=True)
class Gone:
    """The item is no longer there (HTTP 404/410, a trashed file): its stored item is removed."""

    locator: str
    reason: str


Fetched = list[Found | LoadProblem] | NotModified | Gone


@dataclass(frozen=True)
class SourceOptions:
    """Limits and credentials the sources need; built from the settings by the caller."""

    max_pages: int = 500
    max_bytes: int = 20_000_000
    timeout_s: float = 20.0
    user_agent: str = "funnelbot/1.0 (+https://github.com/funnelbot; content indexer)"
    per_host: int = 2
    max_sitemap_urls: int = 50_000
    gdrive_credentials: str | None = None
    gdrive_api_url: str | None = None
    # funnelbot.yml `rules`: URL or path patterns that give items a type, stages, tags...
    rules: tuple[Mapping[str, object], ...] = ()


class Source(Protocol):
    """A place content is read from. Notion or Confluence later is one more of these."""

    key: str  # stable identity: a resolved folder path, a site URL, gdrive:FOLDER_ID
    kind: str  # folder | website | gdrive

    def list_items(self) -> Iterable[Listed | LoadProblem]:
        """Every item with its version stamp; raises SourceError if the source is unreachable."""
        ...

    def fetch(self, listed: Listed, previous_version: str | None) -> Fetched:
        """The item's text and metadata (a catalog gives several), NotModified or Gone."""
        ...

    def close(self) -> None: ...


class BatchSource(Source, Protocol):
    """A source that fetches many items at once and finds more as it goes (a crawled site)."""

    def fetch_all(
        self, known_versions: Mapping[str, str | None]
    ) -> Iterator[tuple[Listed, Fetched] | LoadProblem]:
        """Every item with its fetch result; may raise SourceError before the first."""
        ...


@dataclass
class SourceRead:
    """What one run read from one source."""

    key: str
    kind: str
    items: list[LoadedItem] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    listed: int = 0
    # Locators the source says are unchanged: their stored items stay, nothing is re-read.
    unchanged: set[str] = field(default_factory=set)
    # Locators that failed to read: their last good items keep serving.
    failed: set[str] = field(default_factory=set)
    error: str | None = None  # the whole source failed; its items stay as they were

    @property
    def ok(self) -> bool:
        return self.error is None


_ROW_SUFFIX = re.compile(r":\d+$")


def locator_of(problem_path: str) -> str:
    """The item locator a problem is about: a catalog row `x.csv:3` is about `x.csv`."""
    return _ROW_SUFFIX.sub("", problem_path)


def read_source(
    source: Source,
    *,
    known_versions: Mapping[str, str | None] | None = None,
    on_item: Callable[[str], None] | None = None,
) -> SourceRead:
    """List and fetch everything in `source`; never raises for bad content or a dead source."""
    known = known_versions or {}
    result = SourceRead(key=source.key, kind=source.kind)
    owners: dict[str, str] = {}
    try:
        for entry in _fetched(source, known):
            if isinstance(entry, LoadProblem):
                result.problems.append(entry)
                result.failed.add(locator_of(entry.path))
                continue
            listed, fetched = entry
            result.listed += 1
            if on_item is not None:
                on_item(listed.locator)
            if isinstance(fetched, NotModified):
                result.unchanged.add(fetched.locator)
                continue
            if isinstance(fetched, Gone):
                result.problems.append(LoadProblem(fetched.locator, fetched.reason))
                continue
            for found in fetched:
                if isinstance(found, LoadProblem):
                    result.problems.append(found)
                    result.failed.add(locator_of(found.path))
                elif found.item.id in owners:
                    first = owners[found.item.id]
                    reason = f"duplicate id {found.item.id!r} (already used by {first})"
                    result.problems.append(LoadProblem(found.path, reason))
                    result.failed.add(locator_of(found.path))
                else:
                    owners[found.item.id] = found.item.source
                    item = found.item
                    if listed.version is not None and item.version is None:
                        item = replace(item, version=listed.version)
                    result.items.append(item)
    except SourceError as error:
        result.error = str(error)
        log.warning("source %s failed: %s", source.key, error)
    except Exception as error:
        # A fault in one source's reader must not stop the others, nor remove its items.
        log.exception("source %s failed unexpectedly", source.key)
        result.error = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        source.close()
    return result


def _fetched(
    source: Source, known: Mapping[str, str | None]
) -> Iterator[tuple[Listed, Fetched] | LoadProblem]:
    fetch_all = getattr(source, "fetch_all", None)
    if fetch_all is not None:
        yield from fetch_all(known)
        return
    for entry in source.list_items():
        if isinstance(entry, LoadProblem):
            yield entry
        else:
            yield entry, source.fetch(entry, known.get(entry.locator))
