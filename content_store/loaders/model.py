"""The loader's result types and the content hash that identifies an item's version."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from content_store.errors import InputError
from content_store.stage import Stage


@dataclass(frozen=True)
class LoadedItem:
    id: str
    title: str
    url: str | None
    type: str
    stages: tuple[Stage, ...]
    tags: tuple[str, ...]
    competitors: tuple[str, ...]
    owner: str | None
    review_by: datetime.date | None
    body: str
    source: str
    content_hash: str
    status: str = "published"
    superseded_by: str | None = None
    internal: bool = False
    expires: datetime.date | None = None
    version: str | None = None  # the source's version stamp (mtime, ETag, modifiedTime)
    # What the source says besides the fields (a page's description, canonical URL, dates).
    details: Mapping[str, str] | None = None
    # `stages` were proposed by the stage model: the source gave none (set by the ingest).
    stage_inferred: bool = False


@dataclass(frozen=True)
class LoadProblem:
    path: str
    reason: str


@dataclass
class LoadResult:
    items: list[LoadedItem]
    problems: list[LoadProblem]
    files_seen: int


@dataclass(frozen=True)
class Metadata:
    """Every item field except the body and where it came from, already normalised."""

    id: str
    title: str
    url: str | None
    type: str
    stages: tuple[Stage, ...]
    tags: tuple[str, ...]
    competitors: tuple[str, ...]
    owner: str | None
    review_by: datetime.date | None
    status: str = "published"
    superseded_by: str | None = None
    internal: bool = False
    expires: datetime.date | None = None


@dataclass(frozen=True)
class Found:
    """A loaded item plus the path a problem about it should name (a catalog row, not the file)."""

    path: str
    item: LoadedItem


class BadContent(InputError):
    """A file cannot become an item; the message is the reason shown to the library's owner."""


def content_hash(meta: Metadata, body: str) -> str:
    # Metadata is hashed too, so a re-tagged or re-staged item counts as changed.
    canonical: dict[str, object] = {
        "id": meta.id,
        "title": meta.title,
        "url": meta.url,
        "type": meta.type,
        "stages": [stage.value for stage in meta.stages],
        "tags": list(meta.tags),
        "competitors": list(meta.competitors),
        "owner": meta.owner,
        "review_by": meta.review_by.isoformat() if meta.review_by else None,
        "body": body,
    }
    # Lifecycle fields only when set: a library ingested before they existed keeps its hashes,
    # so upgrading does not re-embed it.
    if meta.status != "published":
        canonical["status"] = meta.status
    if meta.superseded_by:
        canonical["superseded_by"] = meta.superseded_by
    if meta.internal:
        canonical["internal"] = True
    if meta.expires:
        canonical["expires"] = meta.expires.isoformat()
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_item(meta: Metadata, *, body: str, source: str) -> LoadedItem:
    return LoadedItem(
        id=meta.id,
        title=meta.title,
        url=meta.url,
        type=meta.type,
        stages=meta.stages,
        tags=meta.tags,
        competitors=meta.competitors,
        owner=meta.owner,
        review_by=meta.review_by,
        body=body,
        source=source,
        content_hash=content_hash(meta, body),
        status=meta.status,
        superseded_by=meta.superseded_by,
        internal=meta.internal,
        expires=meta.expires,
    )
