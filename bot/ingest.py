"""The ingest use case: read the content sources, embed what changed, commit, swap the index.

Each item belongs to the source it came from (a folder, a site, a Drive folder). A run of one
source never removes another's items; a source that cannot be read keeps its items as they
were; a file that fails to load keeps its last good version serving; and a run that would
remove more than a tenth of a source's assets stops before changing anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.asset_stages import proposal_text, propose_stages
from bot.heap import release_free_memory
from bot.i18n import N_, Phrase, Translator, english
from bot.services import Services, model_switch_phrase
from bot.settings import Settings
from content_store.db import transaction
from content_store.index_runs import current_index_version, fail_run, finish_run, start_run
from content_store.library import (
    LibraryDiff,
    NewChunk,
    StoredItem,
    apply_library,
    diff_source,
    first_passages,
    model_of,
    other_model_items,
    rechunk_items,
    recorded_models,
    restage,
    stored_items,
)
from content_store.loaders import LoadedItem, LoadProblem
from content_store.models import ContentSource
from content_store.models.base import utcnow
from content_store.sources import SourceOptions, SourceRead, open_source, read_source
from content_store.sources.base import locator_of
from content_store.sources.rules import RulesError, read_rules
from content_store.stage import Stage
from content_store.stage_review import confirmed_stages
from content_store.team_config import read_team_config, save_team_config
from index.chunking import CHUNKING, chunk_text
from index.embedder import MULTILINGUAL_MODEL

log = logging.getLogger(__name__)

# Above this share of a library's text in other languages than English, an English-only model
# is pointed out at the end of an ingest.
NON_ENGLISH_HINT_SHARE = 0.2
# A run that would deactivate more than this share of a source's active assets stops first.
MAX_REMOVAL_SHARE = 0.10

SourceSpec = Path | str
# The reason a kept item gives when no loader said why.
UNREADABLE = N_("it could not be read")


@dataclass
class IngestProgress:
    """Callbacks a surface (Rich bar, Slack message) uses to show a run as it goes."""

    on_file: Callable[[str], None] = lambda _path: None
    on_embed_start: Callable[[int], None] = lambda _total: None
    on_embedded: Callable[[int], None] = lambda _done: None


@dataclass(frozen=True)
class KeptItem:
    """An item whose file failed to load this time: its previous version still serves."""

    id: str
    path: str
    reason: str

    def describe(self, t: Translator | None = None) -> str:
        t = t or english()
        # A loader's reason is its own English; only our fallback has a catalog entry.
        reason = t.gettext(UNREADABLE) if self.reason == UNREADABLE else self.reason
        return t.gettext(
            "kept the previous version of %(id)s (%(path)s): %(reason)s",
            id=self.id,
            path=self.path,
            reason=reason,
        )


@dataclass
class SourceOutcome:
    key: str
    kind: str
    ok: bool
    error: str | None = None
    items: int = 0
    removed: int = 0
    active_before: int = 0


@dataclass
class IngestReport:
    content_dir: str
    dry_run: bool
    files_seen: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    # Assets whose source gives no stage and no marketer confirmed one: the stage model
    # proposes it (`inferred_stages`, empty on a dry run) and marketers confirm it on Home.
    missing_stage: list[str] = field(default_factory=list)
    inferred_stages: dict[str, str] = field(default_factory=dict)
    past_review: list[str] = field(default_factory=list)
    kept: list[KeptItem] = field(default_factory=list)
    sources: list[SourceOutcome] = field(default_factory=list)
    # Why the run stopped before changing anything (a mass removal); empty when it did not.
    # Phrases, said in the reader's language; str() gives the English the log keeps.
    blocked: list[Phrase] = field(default_factory=list)
    notes: list[Phrase] = field(default_factory=list)
    # Lines to show after the summary: a change of model, a better model for the library.
    notices: list[Phrase] = field(default_factory=list)
    chunks_embedded: int = 0
    run_id: int | None = None
    index_version: int | None = None
    duration_s: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "failed": len(self.problems),
        }

    @property
    def failed_sources(self) -> list[SourceOutcome]:
        return [s for s in self.sources if not s.ok]

    def counts_line(self, t: Translator | None = None) -> str:
        """ "1 added, 2 changed, 0 removed, 29 unchanged, 0 failed"."""
        t = t or english()
        c = self.counts
        # Plain digits, as the English line always had them: the CLI's output is parsed.
        return t.gettext(
            "%(added)s added, %(changed)s changed, %(removed)s removed, %(unchanged)s "
            "unchanged, %(failed)s failed",
            **c,
        )

    def summary(self, t: Translator | None = None) -> str:
        t = t or english()
        words = self.counts_line(t)
        if self.blocked and not self.dry_run:
            return t.gettext("Stopped, nothing changed: %(counts)s were found", counts=words)
        embedded = t.ngettext(
            "%(count)s chunk embedded",
            "%(count)s chunks embedded",
            self.chunks_embedded,
            count=self.chunks_embedded,
        )
        seconds = t.number(self.duration_s, "0.0")
        if self.dry_run:
            return t.gettext(
                "Would change: %(counts)s (%(embedded)s, %(seconds)s s)",
                counts=words,
                embedded=embedded,
                seconds=seconds,
            )
        return t.gettext(
            "%(counts)s (%(embedded)s, %(seconds)s s)",
            counts=words,
            embedded=embedded,
            seconds=seconds,
        )


def ingest(
    services: Services,
    content_dir: SourceSpec | Sequence[SourceSpec],
    *,
    trigger: str = "cli",
    started_by: str | None = None,
    dry_run: bool = False,
    progress: IngestProgress | None = None,
    today: date | None = None,
    allow_removals: bool = False,
    options: SourceOptions | None = None,
) -> IngestReport:
    """Bring the store and the index in line with the content sources.

    `content_dir` is one source or several: a folder, an http(s) site, gdrive:FOLDER_ID. Only
    new or changed items are embedded. The database commit is all-or-nothing and the serving
    index is swapped only after it, so a failure leaves the previous version answering.
    """
    started = time.perf_counter()
    progress = progress or IngestProgress()
    specs = [content_dir] if isinstance(content_dir, Path | str) else list(content_dir)
    model = services.embedder.model_id
    with services.sessions() as session:
        stored = stored_items(session)
        replaced = sorted({model_of(r) for r in recorded_models(session)} - {model})
        # Items embedded by another model, or cut into chunks by another rule, count as changed:
        # a model change re-embeds them all, a new chunking rule cuts them again.
        stale = other_model_items(session, model) | rechunk_items(session, CHUNKING)
        folders = _folder_sources(session, specs)
        confirmed = confirmed_stages(session)
    # A malformed funnelbot.yml stops the run before anything changes (TeamConfigError).
    team_config = merge_team_configs([read_team_config(folder) for folder in folders])
    try:
        rules = [rule for folder in folders for rule in read_rules(folder)]
    except RulesError as error:
        # Sites and Drive folders would lose their types and stages: change nothing.
        return IngestReport(
            content_dir=", ".join(str(s) for s in specs)[:1000],
            dry_run=dry_run,
            files_seen=0,
            blocked=[Phrase(N_("%(error)s; nothing was changed"), {"error": str(error)})],
        )
    options = replace(options or source_options(services.settings), rules=tuple(rules))
    reads = [_read(spec, stored, stale, options, progress) for spec in specs]
    report = IngestReport(
        content_dir=", ".join(r.key for r in reads)[:1000],
        dry_run=dry_run,
        files_seen=sum(r.listed for r in reads),
    )
    diffs = _diff_all(reads, stored, stale, report)
    if replaced:
        report.notices.append(model_switch_phrase(" and ".join(replaced), model))
        log.warning("%s", report.notices[-1])
    _apply_confirmed(reads, confirmed)
    loaded = [item for read in reads for item in read.items]
    to_embed = {i for _, d in diffs for i in d.to_embed}  # a set: a list made it quadratic
    unstaged = [i for i in loaded if not i.stages and i.id in to_embed]
    # Stored without a stage and unchanged (ingested before stages were inferred), or stored
    # bare while a confirmation waits: only their stages are written.
    kept_bare = [
        i for _, d in diffs for i in d.unchanged + d.moved if i in stored and stored[i].stageless
    ]
    restaged = {i: (confirmed[i], False) for i in kept_bare if i in confirmed}
    bare = [i for i in kept_bare if i not in confirmed]
    report.missing_stage = sorted([i.id for i in unstaged] + bare)
    today = today or date.today()
    report.past_review = sorted(i.id for i in loaded if i.review_by and i.review_by < today)
    report.notes += _lifecycle_notes(loaded, stored)
    if not allow_removals:
        report.blocked = [_removal_warning(o) for o in report.sources if _too_many_removals(o)]
    if dry_run or report.blocked:
        report.duration_s = time.perf_counter() - started
        return report

    with transaction(services.sessions) as session:
        run_id = start_run(
            session, content_dir=report.content_dir, trigger=trigger, started_by=started_by
        ).id
    report.run_id = run_id
    touches_index = any(d.touches_index for _, d in diffs)
    try:
        chunks = _embed(services, [i for i in loaded if i.id in to_embed], progress)
        report.chunks_embedded = sum(len(c) for c in chunks.values())
        if report.missing_stage:
            proposed = _propose(services, unstaged, chunks, bare)
            report.inferred_stages = {i: str(s) for i, s in sorted(proposed.items())}
            stored_bare = set(bare)
            _apply_stages(reads, {i: s for i, s in proposed.items() if i not in stored_bare})
            restaged |= {i: ((proposed[i],), True) for i in bare if i in proposed}
        with transaction(services.sessions) as session:
            previous = current_index_version(session)
            for read, diff in diffs:
                apply_library(
                    session,
                    read.items,
                    diff,
                    chunks,
                    embedding_model=services.embedder.signature,
                    chunking=CHUNKING,
                    source_key=read.key,
                )
            restage(session, restaged)
            version = run_id if touches_index or previous is None else previous
            _record_sources(session, reads, run_id)
            finish_run(
                session,
                run_id,
                counts={**report.counts, "chunks_embedded": report.chunks_embedded},
                problems=[{"path": p.path, "reason": p.reason} for p in report.problems],
                index_version=version,
            )
        report.index_version = version
    except BaseException as error:
        with transaction(services.sessions) as session:
            fail_run(session, run_id, f"{type(error).__name__}: {error}")
        raise
    # What was read and embedded is in the database now: let it go before the index is built
    # from there, or a large library is held twice at the peak.
    del loaded, diffs, chunks, reads
    release_free_memory()
    save_team_config(team_config, services.settings.team_config_path)
    services.reload()
    hint = language_hint(services)
    if hint:
        report.notices.append(hint)
    report.duration_s = time.perf_counter() - started
    log.info("ingest run %s: %s", run_id, report.summary())
    return report


def _folder_sources(session: Session, specs: Sequence[SourceSpec]) -> list[Path]:
    """The folders whose funnelbot.yml rules apply: this run's, then those ingested before, so
    that a run of a site alone still uses the rules its library's folder gives."""
    folders = [Path(s) for s in specs if "://" not in str(s) and not str(s).startswith("gdrive:")]
    stored = session.scalars(select(ContentSource.key).where(ContentSource.kind == "folder"))
    folders += [Path(key) for key in stored]
    unique = {str(f.resolve()): f for f in folders if f.is_dir()}
    return list(unique.values())


def merge_team_configs(configs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Several libraries' funnelbot.yml as one: word lists joined, the first mapping kept."""
    merged: dict[str, Any] = {}
    for config in configs:
        for key, value in config.items():
            if key not in merged:
                merged[key] = _copy(value)
            elif isinstance(value, list) and isinstance(merged[key], list):
                merged[key] += [v for v in value if v not in merged[key]]
            elif isinstance(value, dict) and isinstance(merged[key], dict):
                for name, words in value.items():
                    have = merged[key].setdefault(name, _copy(words))
                    if isinstance(have, list) and isinstance(words, list) and have is not words:
                        have += [w for w in words if w not in have]
    return merged


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def source_options(settings: Settings) -> SourceOptions:
    return SourceOptions(
        max_pages=settings.crawl_max_pages,
        gdrive_credentials=(
            str(settings.gdrive_credentials) if settings.gdrive_credentials else None
        ),
        gdrive_api_url=settings.gdrive_api_url,
    )


def _read(
    spec: SourceSpec,
    stored: dict[str, StoredItem],
    stale: set[str],
    options: SourceOptions,
    progress: IngestProgress,
) -> SourceRead:
    try:
        source = open_source(spec, options)
    except ValueError as error:
        return SourceRead(key=str(spec), kind="unknown", error=str(error))
    # A stale item is read again even where its version is unchanged: its text is needed.
    known = {
        row.source: row.version
        for item_id, row in stored.items()
        if row.source_key == source.key and item_id not in stale
    }
    return read_source(source, known_versions=known, on_item=progress.on_file)


def _diff_all(
    reads: list[SourceRead],
    stored: dict[str, StoredItem],
    stale: set[str],
    report: IngestReport,
) -> list[tuple[SourceRead, LibraryDiff]]:
    """One diff per source that answered; a source that failed keeps its items untouched."""
    diffs: list[tuple[SourceRead, LibraryDiff]] = []
    claimed: dict[str, str] = {}
    for read in reads:
        report.problems += read.problems
        if not read.ok:
            active = sum(1 for r in stored.values() if r.active and r.source_key == read.key)
            report.sources.append(
                SourceOutcome(read.key, read.kind, False, read.error, active_before=active)
            )
            continue
        # The same id from two sources in one run: the first keeps it, as within a folder.
        mine: list[LoadedItem] = []
        for item in read.items:
            if item.id in claimed:
                reason = f"duplicate id {item.id!r} (already used by {claimed[item.id]})"
                report.problems.append(LoadProblem(f"{read.key}: {item.source}", reason))
            else:
                claimed[item.id] = read.key
                mine.append(item)
        read.items = mine
        diff = diff_source(
            stored,
            stale,
            read.items,
            source_key=read.key,
            unchanged=read.unchanged,
            failed=read.failed,
        )
        diffs.append((read, diff))
        report.added += diff.added
        report.changed += diff.changed
        report.unchanged += diff.unchanged + diff.moved
        report.removed += diff.removed
        report.kept += _kept(diff.kept, stored, read.problems)
        report.sources.append(
            SourceOutcome(
                read.key,
                read.kind,
                True,
                items=len(read.items) + len(read.unchanged) + len(diff.kept),
                removed=len(diff.removed),
                active_before=diff.active_before,
            )
        )
    return diffs


def _apply_confirmed(reads: list[SourceRead], confirmed: Mapping[str, tuple[Stage, ...]]) -> None:
    """A marketer's stage for each item its source gives none (the content hash stays: the
    confirmation is no change of the file)."""
    for read in reads:
        read.items = [
            replace(item, stages=confirmed[item.id])
            if not item.stages and item.id in confirmed
            else item
            for item in read.items
        ]


def _apply_stages(reads: list[SourceRead], proposed: Mapping[str, Stage]) -> None:
    for read in reads:
        read.items = [
            replace(item, stages=(proposed[item.id],), stage_inferred=True)
            if item.id in proposed
            else item
            for item in read.items
        ]


def _propose(
    services: Services,
    items: list[LoadedItem],
    chunks: Mapping[str, Sequence[NewChunk]],
    stored_ids: list[str],
) -> dict[str, Stage]:
    """The stage model's stage for new or changed items without one (from the first passage
    just embedded) and for stored ones (from their stored first passage)."""
    ids: list[str] = []
    texts: list[str] = []
    vectors: list[bytes | memoryview] = []
    for item in items:
        if chunks.get(item.id):
            ids.append(item.id)
            description = (item.details or {}).get("description")
            texts.append(proposal_text(item.title, description, item.body))
            vectors.append(chunks[item.id][0].vector)
    if stored_ids:
        with services.sessions() as session:
            for item_id, first in first_passages(session, stored_ids).items():
                ids.append(item_id)
                texts.append(proposal_text(first.title, first.description, first.body))
                vectors.append(first.vector)
    if not ids:
        return {}
    model = services.stage_model(services.embedder)
    return dict(zip(ids, propose_stages(model, vectors, texts), strict=True))


def _kept(
    ids: list[str], stored: dict[str, StoredItem], problems: list[LoadProblem]
) -> list[KeptItem]:
    reasons: dict[str, str] = {}
    for problem in problems:
        reasons.setdefault(locator_of(problem.path), problem.reason)
    kept = []
    for item_id in ids:
        path = stored[item_id].source.split("#", 1)[0]
        kept.append(KeptItem(item_id, path, reasons.get(path, UNREADABLE)))
    return kept


def _too_many_removals(outcome: SourceOutcome) -> bool:
    return outcome.removed > MAX_REMOVAL_SHARE * outcome.active_before


def _removal_warning(outcome: SourceOutcome) -> Phrase:
    return Phrase(
        N_(
            "%(source)s: this run would remove %(removed)s of its %(active)s active assets (more "
            "than %(share)s), so nothing was changed. If the files really went away, run it "
            "again with --allow-removals; to drop the whole source, `funnelbot sources remove "
            "%(source)s`"
        ),
        {
            "source": outcome.key,
            "removed": outcome.removed,
            "active": outcome.active_before,
            "share": f"{MAX_REMOVAL_SHARE:.0%}",
        },
    )


def _lifecycle_notes(loaded: list[LoadedItem], stored: dict[str, StoredItem]) -> list[Phrase]:
    known = {i.id for i in loaded} | {i for i, row in stored.items() if row.active}
    return [
        Phrase(
            N_("%(asset)s: superseded_by %(target)s is no asset; it keeps serving"),
            {"asset": item.id, "target": repr(item.superseded_by)},
        )
        for item in loaded
        if item.superseded_by and item.superseded_by not in known
    ]


def _record_sources(session: Session, reads: list[SourceRead], run_id: int) -> None:
    now = utcnow()
    for read in reads:
        if read.kind == "unknown":
            continue
        row = session.get(ContentSource, read.key)
        if row is None:
            row = ContentSource(key=read.key, kind=read.kind, added_at=now)
            session.add(row)
        row.last_run_at = now
        row.last_run_id = run_id
        row.last_status = "ok" if read.ok else "failed"
        row.last_error = read.error


def _embed(
    services: Services, items: list[LoadedItem], progress: IngestProgress
) -> dict[str, list[NewChunk]]:
    if not items:
        return {}  # nothing new: do not even load the model
    texts: list[str] = []
    owners: list[str] = []
    for item in items:
        for text in chunk_text(item.title, item.body):
            texts.append(text)
            owners.append(item.id)
    progress.on_embed_start(len(texts))
    vectors = services.embedder.encode(texts, progress=progress.on_embedded)
    row = vectors.shape[1] * vectors.itemsize
    flat = vectors.data.cast("B")
    chunks: dict[str, list[NewChunk]] = {item.id: [] for item in items}
    for i, (owner, text) in enumerate(zip(owners, texts, strict=True)):
        chunks[owner].append(NewChunk(text=text, vector=flat[i * row : (i + 1) * row]))
    return chunks


def language_hint(services: Services) -> Phrase | None:
    """One line naming the multilingual model, when an English-only one is configured and
    more than a fifth of the library's text (as lexical search detected it) is not English."""
    if services.embedder.multilingual is not False:
        return None
    shares = services.searcher().lexical.language_shares()
    other = 1.0 - shares.get("en", 0.0) if shares else 0.0
    if other <= NON_ENGLISH_HINT_SHARE:
        return None
    return Phrase(
        N_(
            "%(share)s of the library's text is not English and %(model)s is English-only: "
            "FUNNELBOT_EMBEDDING_MODEL=%(better)s would serve it better."
        ),
        {
            "share": f"{other:.0%}",
            "model": services.embedder.model_id,
            "better": MULTILINGUAL_MODEL,
        },
    )
