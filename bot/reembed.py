"""Re-embedding the stored library in full when the configured model is not the one that
embedded it: the old index answers (with its own model) until the new vectors are committed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.heap import release_free_memory
from bot.reindex import ReindexBusy, mark_abandoned_runs, reindex_lease
from bot.services import Services, model_switch_notice
from content_store.db import transaction
from content_store.index_runs import fail_run, finish_run, start_run
from content_store.library import iter_chunk_texts, model_of, recorded_models, replace_vectors

log = logging.getLogger(__name__)

STORED_LIBRARY = "(the stored library)"  # an index run's content_dir when it read no files
RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class ReembedReport:
    old_models: list[str]
    model: str
    chunks: int
    run_id: int
    duration_s: float


def models_to_replace(services: Services) -> list[str]:
    """The models, other than the configured one, that embedded stored chunks."""
    with services.sessions() as session:
        records = recorded_models(session)
    return sorted({model_of(r) for r in records} - {services.embedder.model_id})


def reembed(
    services: Services,
    *,
    started_by: str | None = None,
    trigger: str = "model-change",
    progress: Callable[[int], None] | None = None,
) -> ReembedReport | None:
    """Embed every stored chunk again with the configured model, in one transaction, as a new
    index version; None when there was nothing to do. Raises ReindexBusy if a reindex runs.

    ``progress(n_done)`` is called as the chunks are embedded."""
    started = time.perf_counter()
    embedder = services.embedder
    with reindex_lease(services, started_by):
        mark_abandoned_runs(services, holding_lease=True)
        old = models_to_replace(services)  # again, under the lease: another may have done it
        if not old:
            return None
        with transaction(services.sessions) as session:
            run_id = start_run(
                session, content_dir=STORED_LIBRARY, trigger=trigger, started_by=started_by
            ).id
        try:
            with services.sessions() as session:
                rows = list(iter_chunk_texts(session))
            log.info("re-embedding %d chunks with %s", len(rows), embedder.signature)
            vectors = embedder.encode([text for _, text in rows], progress=progress)
            size = vectors.shape[1] * vectors.itemsize
            flat = vectors.data.cast("B")
            with transaction(services.sessions) as session:
                written = replace_vectors(
                    session,
                    ((c, flat[i * size : (i + 1) * size]) for i, (c, _) in enumerate(rows)),
                    embedding_model=embedder.signature,
                )
                # Nothing else writes chunks under the lease; should anything have, the
                # transaction is undone rather than leave two models' vectors side by side.
                left = {model_of(r) for r in recorded_models(session)} - {embedder.model_id}
                if left:
                    raise RuntimeError(f"chunks of {', '.join(sorted(left))} appeared meanwhile")
                finish_run(
                    session,
                    run_id,
                    counts={"changed": 0, "unchanged": 0, "chunks_embedded": written},
                    problems=[],
                    index_version=run_id,
                )
        except BaseException as error:
            with transaction(services.sessions) as session:
                fail_run(session, run_id, f"{type(error).__name__}: {error}")
            raise
    del rows, vectors, flat
    release_free_memory()
    services.reload()
    report = ReembedReport(
        old_models=old,
        model=embedder.model_id,
        chunks=written,
        run_id=run_id,
        duration_s=time.perf_counter() - started,
    )
    log.info(
        "re-embedded %d chunks with %s in %.1f s; it answers now",
        report.chunks,
        report.model,
        report.duration_s,
    )
    return report


def start_model_switch(services: Services) -> threading.Thread | None:
    """At start-up: when the library was embedded with another model, say so in one line and
    re-embed it in the background (waiting for a running reindex to finish first)."""
    old = models_to_replace(services)
    if not old:
        return None
    log.warning("%s", model_switch_notice(" and ".join(old), services.embedder.model_id))

    def run() -> None:
        while True:
            try:
                reembed(services, started_by="start-up")
                return
            except ReindexBusy as busy:
                log.info("re-embedding waits: %s", busy)
                time.sleep(RETRY_SECONDS)
            except Exception:
                log.exception("re-embedding the library failed; the old model still answers")
                return

    thread = threading.Thread(target=run, name="reembed", daemon=True)
    thread.start()
    return thread
