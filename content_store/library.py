"""Keeping the stored library in step with the files: what changed, and writing it in one go."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from content_store.loaders import LoadedItem
from content_store.models import Chunk, ContentItem
from content_store.models.base import utcnow


@dataclass
class LibraryDiff:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Unchanged items that another source held until now: only their source is rewritten.
    moved: list[str] = field(default_factory=list)
    # Items whose file failed to load this time: their last good version keeps serving.
    kept: list[str] = field(default_factory=list)
    # Unchanged items whose version stamp moved (a new ETag, same text): only the stamp is written.
    restamped: list[str] = field(default_factory=list)
    # The source's active items before this run: what a removal is measured against.
    active_before: int = 0

    @property
    def to_embed(self) -> list[str]:
        return self.added + self.changed

    @property
    def touches_index(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass(frozen=True, slots=True)
class StoredItem:
    content_hash: str
    active: bool
    source_key: str | None
    source: str
    version: str | None
    # Neither its source, a marketer nor the stage model gave it a stage (ingested before
    # stages were inferred): the next run proposes one.
    stageless: bool = False


def stored_items(session: Session) -> dict[str, StoredItem]:
    """Every item's hash, state and origin, by id: what a run is compared with."""
    query = select(
        ContentItem.id,
        ContentItem.content_hash,
        ContentItem.active,
        ContentItem.source_key,
        ContentItem.source,
        ContentItem.version,
        ContentItem.stages,
    )
    return {row[0]: StoredItem(*row[1:6], stageless=not row[6]) for row in session.execute(query)}


def other_model_items(session: Session, embedding_model: str) -> set[str]:
    return set(
        session.scalars(
            select(Chunk.item_id).where(_other_model(model_of(embedding_model))).distinct()
        )
    )


def rechunk_items(session: Session, chunking: str) -> set[str]:
    """Items with a chunk cut by another rule than ``chunking``: their next ingest cuts them
    again."""
    other = or_(Chunk.chunking.is_(None), Chunk.chunking != chunking)
    return set(session.scalars(select(Chunk.item_id).where(other).distinct()))


def diff_library(
    session: Session,
    items: Sequence[LoadedItem],
    *,
    embedding_model: str,
    source_key: str | None = None,
    unchanged: Set[str] = frozenset(),
    failed: Set[str] = frozenset(),
) -> LibraryDiff:
    """Compare loaded items with the store by id and content hash.

    With a `source_key`, only that source's items can be removed; `unchanged` and `failed` are
    locators (file paths, URLs) whose stored items stay: the source said they did not change, or
    they failed to load and their last good version keeps serving. An item whose chunks were
    embedded by another model counts as changed: its vectors would not be comparable.
    """
    return diff_source(
        stored_items(session),
        other_model_items(session, embedding_model),
        items,
        source_key=source_key,
        unchanged=unchanged,
        failed=failed,
    )


def diff_source(
    stored: Mapping[str, StoredItem],
    other_model: Set[str],
    items: Sequence[LoadedItem],
    *,
    source_key: str | None,
    unchanged: Set[str] = frozenset(),
    failed: Set[str] = frozenset(),
) -> LibraryDiff:
    diff = LibraryDiff()
    seen: set[str] = set()
    for item in items:
        seen.add(item.id)
        previous = stored.get(item.id)
        if previous is None:
            diff.added.append(item.id)
        elif (
            previous.content_hash != item.content_hash
            or not previous.active
            or item.id in other_model
        ):
            diff.changed.append(item.id)
        elif source_key is not None and previous.source_key != source_key:
            diff.moved.append(item.id)
        else:
            diff.unchanged.append(item.id)
            if item.version != previous.version:
                diff.restamped.append(item.id)
    for item_id, row in stored.items():
        if not row.active or item_id in seen:
            continue
        if source_key is not None and row.source_key != source_key:
            continue
        diff.active_before += 1
        locator = row.source.split("#", 1)[0]
        if locator in unchanged:
            diff.unchanged.append(item_id)
        elif locator in failed:
            diff.kept.append(item_id)
        else:
            diff.removed.append(item_id)
    for item_id in seen:
        found = stored.get(item_id)
        if found is not None and found.active and found.source_key == source_key:
            diff.active_before += 1
    diff.removed.sort()
    diff.kept.sort()
    return diff


@dataclass(frozen=True)
class NewChunk:
    text: str
    # A view into the ingest's one array of vectors: bytes per chunk would hold them twice.
    vector: bytes | memoryview


@dataclass(frozen=True)
class StoredChunk:
    id: int
    item_id: str
    text: str
    vector: bytes | None  # None when the caller did not ask for vectors


def model_of(record: str) -> str:
    """The model part of a chunk's ``embedding_model`` record, ``"<model>@<backend>"`` (older
    rows hold the model alone)."""
    return record.rpartition("@")[0] or record


def recorded_models(session: Session) -> set[str]:
    """The distinct ``embedding_model`` records of the stored chunks (removed items keep none):
    one in a consistent library, none in an empty one."""
    return set(session.scalars(select(Chunk.embedding_model).distinct()))


def _other_model(model: str) -> ColumnElement[bool]:
    # Vectors of one model are comparable whichever backend made them: compare the model part.
    same = or_(Chunk.embedding_model == model, Chunk.embedding_model.startswith(f"{model}@"))
    return ~same


def apply_library(
    session: Session,
    items: Sequence[LoadedItem],
    diff: LibraryDiff,
    chunks: Mapping[str, Sequence[NewChunk]],
    *,
    embedding_model: str,
    chunking: str | None = None,
    source_key: str | None = None,
) -> None:
    """Write added and changed items with their new chunks, deactivate removed ones.

    The caller's transaction makes it all-or-nothing.
    """
    by_id = {item.id: item for item in items}
    now = utcnow()
    rewritten = diff.changed + diff.removed
    if rewritten:
        for batch in _batches(rewritten):
            session.execute(delete(Chunk).where(Chunk.item_id.in_(batch)))
    # Core executemany in batches, not mapped objects: at 100,000 assets the session's objects
    # cost ~200 MB and most of the write time.
    for batch in _batches(diff.added, size=_INSERT_BATCH):
        session.execute(
            insert(ContentItem),
            [{"id": i, "first_seen_at": now, **_fields(by_id[i], now, source_key)} for i in batch],
        )
    for item_id in diff.changed:
        session.execute(
            update(ContentItem)
            .where(ContentItem.id == item_id)
            .values(**_fields(by_id[item_id], now, source_key))
        )
    for item_id in diff.restamped:
        session.execute(
            update(ContentItem)
            .where(ContentItem.id == item_id)
            .values(version=by_id[item_id].version)
        )
    for item_id in diff.moved:
        item = by_id[item_id]
        session.execute(
            update(ContentItem)
            .where(ContentItem.id == item_id)
            .values(source_key=source_key, source=item.source, version=item.version)
        )
    for batch in _batches(diff.removed):
        session.execute(
            update(ContentItem)
            .where(ContentItem.id.in_(batch))
            .values(active=False, removed_at=now)
        )
    session.flush()
    for batch in _batches(diff.to_embed, size=_INSERT_BATCH):
        rows = [
            {
                "item_id": item_id,
                "ordinal": ordinal,
                "text": chunk.text,
                "vector": bytes(chunk.vector),
                "embedding_model": embedding_model,
                "chunking": chunking,
            }
            for item_id in batch
            for ordinal, chunk in enumerate(chunks[item_id])
        ]
        if rows:
            session.execute(insert(Chunk), rows)


@dataclass(frozen=True, slots=True)
class ActiveItem:
    """What search needs of an item: no body, which at 100,000 items is most of the bytes."""

    id: str
    title: str
    url: str | None
    type: str
    stages: list[str]
    tags: list[str]
    competitors: list[str]
    status: str = "published"
    superseded_by: str | None = None
    internal: bool = False
    expires: date | None = None

    def servable(self, today: date) -> bool:
        """Whether a rep may be handed it: published and not past its expiry date."""
        return self.status == "published" and (self.expires is None or self.expires >= today)


def iter_active_items(session: Session) -> Iterator[ActiveItem]:
    query = select(
        ContentItem.id,
        ContentItem.title,
        ContentItem.url,
        ContentItem.type,
        ContentItem.stages,
        ContentItem.tags,
        ContentItem.competitors,
        ContentItem.status,
        ContentItem.superseded_by,
        ContentItem.internal,
        ContentItem.expires,
    ).where(ContentItem.active.is_(True))
    for row in session.execute(query.execution_options(yield_per=5000)):
        yield ActiveItem(*row)


@dataclass(frozen=True, slots=True)
class FirstPassage:
    """What a stage is proposed from for a stored item: its words and its first chunk's vector."""

    title: str
    description: str | None
    body: str
    vector: bytes


def first_passages(session: Session, ids: Iterable[str]) -> dict[str, FirstPassage]:
    """The first passage of each item that has chunks, by id."""
    found: dict[str, FirstPassage] = {}
    for batch in _batches(ids):
        query = select(
            ContentItem.id, ContentItem.title, ContentItem.details, ContentItem.body
        ).where(ContentItem.id.in_(batch))
        texts = {row.id: row for row in session.execute(query)}
        firsts = select(Chunk.item_id, Chunk.vector).where(
            Chunk.item_id.in_(batch), Chunk.ordinal == 0
        )
        for item_id, vector in session.execute(firsts):
            row = texts[item_id]
            description = (row.details or {}).get("description")
            found[item_id] = FirstPassage(row.title, description, row.body, vector)
    return found


def restage(session: Session, stages: Mapping[str, tuple[Sequence[str], bool]]) -> None:
    """Set stored items' stages and whether they were inferred, leaving the rest as it is."""
    for item_id, (chosen, inferred) in stages.items():
        session.execute(
            update(ContentItem)
            .where(ContentItem.id == item_id)
            .values(stages=[str(s) for s in chosen], stage_inferred=inferred)
        )


def iter_active_chunks(session: Session, *, with_vectors: bool = True) -> Iterator[StoredChunk]:
    """Every chunk of an active item, in id order: what the search index is built from."""
    active = set(session.scalars(select(ContentItem.id).where(ContentItem.active.is_(True))))
    columns = [Chunk.id, Chunk.item_id, Chunk.text]
    if with_vectors:
        columns.append(Chunk.vector)
    # The table alone, in key order, filtered here: joined to the items, SQLite's plan went
    # through the item index and sorted every row, texts included, in memory (~350 MB at
    # 100,000 chunks) before returning the first.
    query = select(*columns).order_by(Chunk.id)
    for row in session.execute(query.execution_options(yield_per=5000)):
        if row.item_id in active:
            vector = row.vector if with_vectors else None
            yield StoredChunk(id=row.id, item_id=row.item_id, text=row.text, vector=vector)


def iter_active_vectors(session: Session) -> Iterator[tuple[int, bytes]]:
    """``(chunk id, vector)`` of every chunk of an active item, in the order of
    :func:`iter_active_chunks`."""
    active = set(session.scalars(select(ContentItem.id).where(ContentItem.active.is_(True))))
    query = select(Chunk.id, Chunk.item_id, Chunk.vector).order_by(Chunk.id)
    for row in session.execute(query.execution_options(yield_per=5000)):
        if row.item_id in active:
            yield row.id, row.vector


def iter_chunk_texts(session: Session) -> Iterator[tuple[int, str]]:
    """``(chunk id, text)`` of every stored chunk, in id order: what a re-embed reads."""
    query = select(Chunk.id, Chunk.text).order_by(Chunk.id)
    for row in session.execute(query.execution_options(yield_per=5000)):
        yield row.id, row.text


def replace_vectors(
    session: Session,
    vectors: Iterable[tuple[int, bytes | memoryview]],
    *,
    embedding_model: str,
) -> int:
    """Give chunks new vectors made by ``embedding_model``; the caller's transaction makes it
    all-or-nothing. Returns how many chunks were written."""
    written = 0
    batch: list[dict[str, object]] = []
    for chunk_id, vector in vectors:
        batch.append({"id": chunk_id, "vector": bytes(vector), "embedding_model": embedding_model})
        if len(batch) == _INSERT_BATCH:
            session.execute(update(Chunk), batch)
            written += len(batch)
            batch = []
    if batch:
        session.execute(update(Chunk), batch)
        written += len(batch)
    return written


def _fields(item: LoadedItem, now: object, source_key: str | None) -> dict[str, object]:
    fields: dict[str, object] = {
        "title": item.title,
        "url": item.url,
        "type": item.type,
        "stages": [str(s) for s in item.stages],
        "tags": list(item.tags),
        "competitors": list(item.competitors),
        "owner": item.owner,
        "review_by": item.review_by,
        "body": item.body,
        "source": item.source,
        "content_hash": item.content_hash,
        "active": True,
        "removed_at": None,
        "updated_at": now,
        "version": item.version,
        "details": dict(item.details) if item.details else None,
        "status": item.status,
        "superseded_by": item.superseded_by,
        "internal": item.internal,
        "expires": item.expires,
        "stage_inferred": item.stage_inferred,
    }
    if source_key is not None:
        fields["source_key"] = source_key
    return fields


# Rows per executemany when writing a library: bounded memory, and few round trips.
_INSERT_BATCH = 2_000


def _batches(ids: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    # Stay under SQLite's bound-parameter limit on big libraries.
    batch: list[str] = []
    for item_id in ids:
        batch.append(item_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
