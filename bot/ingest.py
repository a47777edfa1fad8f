"""The ingest use case: read the content library, embed what changed, commit, swap the index."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.heap import release_free_memory
from bot.services import Services, model_switch_notice
from content_store.db import transaction
from content_store.index_runs import current_index_version, fail_run, finish_run, start_run
from content_store.library import (
    LibraryDiff,
    NewChunk,
    apply_library,
    diff_library,
    model_of,
    recorded_models,
)
from content_store.loaders import LoadedItem, LoadProblem, load_library
from content_store.team_config import read_team_config, save_team_config
from index.chunking import chunk_text
from index.embedder import MULTILINGUAL_MODEL

# Above this share of a library's text in other languages than English, an English-only model
# is pointed out at the end of an ingest.
NON_ENGLISH_HINT_SHARE = 0.2

log = logging.getLogger(__name__)


@dataclass
class IngestProgress:
    """Callbacks a surface (Rich bar, Slack message) uses to show a run as it goes."""

    on_file: Callable[[str], None] = lambda _path: None
    on_embed_start: Callable[[int], None] = lambda _total: None
    on_embedded: Callable[[int], None] = lambda _done: None


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
    missing_stage: list[str] = field(default_factory=list)
    past_review: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    # Lines to show after the summary: a change of model, a better model for the library.
    notices: list[str] = field(default_factory=list)
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

    def summary(self) -> str:
        words = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        prefix = "Would change: " if self.dry_run else ""
        return f"{prefix}{words} ({self.chunks_embedded} chunks embedded, {self.duration_s:.1f} s)"


def ingest(
    services: Services,
    content_dir: Path,
    *,
    trigger: str = "cli",
    started_by: str | None = None,
    dry_run: bool = False,
    progress: IngestProgress | None = None,
    today: date | None = None,
) -> IngestReport:
    """Bring the store and the index in line with the files in content_dir.

    Only new or changed items are embedded. The database commit is all-or-nothing and the serving
    index is swapped only after it, so a failure leaves the previous version answering.
    """
    started = time.perf_counter()
    progress = progress or IngestProgress()
    # A malformed funnelbot.yml stops the run before anything changes (TeamConfigError).
    team_config = read_team_config(content_dir) if content_dir.is_dir() else {}
    loaded = load_library(content_dir, on_file=progress.on_file)
    model = services.embedder.model_id
    with services.sessions() as session:
        replaced = sorted({model_of(r) for r in recorded_models(session)} - {model})
        # Items embedded by another model count as changed: a model change re-embeds them all.
        diff = diff_library(session, loaded.items, embedding_model=model)
    report = _report(content_dir, dry_run, loaded.files_seen, diff, loaded.problems)
    if replaced:
        report.notices.append(model_switch_notice(" and ".join(replaced), model))
        log.warning("%s", report.notices[-1])
    report.missing_stage = sorted(i.id for i in loaded.items if not i.stages)
    today = today or date.today()
    report.past_review = sorted(
        i.id for i in loaded.items if i.review_by is not None and i.review_by < today
    )
    if dry_run:
        report.duration_s = time.perf_counter() - started
        return report

    with transaction(services.sessions) as session:
        run_id = start_run(
            session, content_dir=str(content_dir), trigger=trigger, started_by=started_by
        ).id
    report.run_id = run_id
    try:
        to_embed = set(diff.to_embed)  # once: built per item, it made ingest quadratic
        chunks = _embed(services, [i for i in loaded.items if i.id in to_embed], progress)
        report.chunks_embedded = sum(len(c) for c in chunks.values())
        with transaction(services.sessions) as session:
            previous = current_index_version(session)
            apply_library(
                session, loaded.items, diff, chunks, embedding_model=services.embedder.signature
            )
            version = run_id if diff.touches_index or previous is None else previous
            finish_run(
                session,
                run_id,
                counts={**report.counts, "chunks_embedded": report.chunks_embedded},
                problems=[{"path": p.path, "reason": p.reason} for p in loaded.problems],
                index_version=version,
            )
        report.index_version = version
    except BaseException as error:
        with transaction(services.sessions) as session:
            fail_run(session, run_id, f"{type(error).__name__}: {error}")
        raise
    # What was read and embedded is in the database now: let it go before the index is built
    # from there, or a large library is held twice at the peak.
    del loaded, diff, chunks
    release_free_memory()
    save_team_config(team_config, services.settings.team_config_path)
    services.reload()
    hint = language_hint(services)
    if hint:
        report.notices.append(hint)
    report.duration_s = time.perf_counter() - started
    log.info("ingest run %s: %s", run_id, report.summary())
    return report


def language_hint(services: Services) -> str | None:
    """One line naming the multilingual model, when an English-only one is configured and
    more than a fifth of the library's text (as lexical search detected it) is not English."""
    if services.embedder.multilingual is not False:
        return None
    shares = services.searcher().lexical.language_shares()
    other = 1.0 - shares.get("en", 0.0) if shares else 0.0
    if other <= NON_ENGLISH_HINT_SHARE:
        return None
    return (
        f"{other:.0%} of the library's text is not English and {services.embedder.model_id} is "
        f"English-only: FUNNELBOT_EMBEDDING_MODEL={MULTILINGUAL_MODEL} would serve it better."
    )


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


def _report(
    content_dir: Path,
    dry_run: bool,
    files_seen: int,
    diff: LibraryDiff,
    problems: list[LoadProblem],
) -> IngestReport:
    return IngestReport(
        content_dir=str(content_dir),
        dry_run=dry_run,
        files_seen=files_seen,
        added=diff.added,
        changed=diff.changed,
        removed=diff.removed,
        unchanged=diff.unchanged,
        problems=problems,
    )
