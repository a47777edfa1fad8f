"""The long-lived parts the use cases share: database, embedding model and current searcher."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.answer_database import AnswerDatabase, DatabaseUnavailable
from bot.crm.lookup import CrmStages, crm_stages_for
from bot.i18n import N_, Phrase
from bot.search_index import ModelMismatch, load_searcher
from bot.settings import Settings
from content_store.db import UNAVAILABLE, brief_error, make_engine, make_session_factory, upgrade
from content_store.errors import FunnelbotError
from content_store.index_runs import current_index_version
from content_store.spool import Spool
from content_store.team_config import load_saved_team_config
from index.embedder import Embedder, known_model
from index.search import HybridSearcher
from index.stage import StageModel

log = logging.getLogger(__name__)

# How often an answering process asks the database whether another process reindexed.
VERSION_CHECK_SECONDS = 2.0


class Services:
    """Built once per process; the model and the index are loaded once, not per request."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.settings = settings
        if engine is None:
            if settings.database_url.startswith("sqlite"):
                settings.home.mkdir(parents=True, exist_ok=True)
            engine = make_engine(settings.database_url)
            upgrade(engine)
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        # What answering a question reads and writes, never waiting past db_timeout_seconds;
        # log rows it cannot write in time go to the spool.
        self.answer_db = AnswerDatabase(
            engine.url.render_as_string(hide_password=False), timeout_s=settings.db_timeout_seconds
        )
        self.spool = Spool(settings.spool_dir)
        self.embedder = embedder or Embedder(
            settings.embedding_model,
            backend=settings.embedding_backend,
            models_dir=settings.models_dir,
        )
        # The CRM a prospect's stage is read from (bot/crm); None without one.
        self.crm: CrmStages | None = crm_stages_for(settings)
        self._searcher: HybridSearcher | None = None
        self._stage_models: dict[str, StageModel] = {}
        self._stage_lock = threading.Lock()
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._announced: set[str] = set()

    def searcher(self) -> HybridSearcher:
        """The searcher for the current content version, reloaded when another process reindexed."""
        searcher = self._searcher
        if searcher is not None and time.monotonic() - self._checked_at < VERSION_CHECK_SECONDS:
            return searcher
        with self._lock:
            if self._searcher is None:
                self._searcher = self._load()
            elif self._stale(self._searcher):
                try:
                    self._searcher = self._load(previous=self._searcher)
                except UNAVAILABLE as error:
                    # Keep answering from the index already loaded.
                    log.warning("index not reloaded: %s", brief_error(error))
            self._checked_at = time.monotonic()
            return self._searcher

    def reload(self) -> HybridSearcher:
        with self._lock:
            self._searcher = self._load(previous=self._searcher)
            self._checked_at = time.monotonic()
            return self._searcher

    def _load(self, *, previous: HybridSearcher | None = None) -> HybridSearcher:
        try:
            return self._load_with(self.embedder, previous)
        except ModelMismatch as mismatch:
            # The library is searched with the model that embedded it, until it is re-embedded.
            return self._load_with(self._embedder_for(mismatch, previous), previous)

    def _load_with(self, embedder: Embedder, previous: HybridSearcher | None) -> HybridSearcher:
        return load_searcher(
            self.sessions,
            embedder,
            self.settings.index_dir,
            previous=previous,
            languages=self.settings.languages,
            stage_model=self.stage_model(embedder),
            team_config=load_saved_team_config(self.settings.team_config_path),
        )

    def _embedder_for(self, mismatch: ModelMismatch, previous: HybridSearcher | None) -> Embedder:
        if len(mismatch.models) != 1:
            raise MixedVectors(
                f"the library holds vectors of several models ({', '.join(mismatch.models)}); "
                f"`funnelbot ingest` re-embeds it with {self.embedder.model_id}"
            )
        (model,) = mismatch.models
        notice = model_switch_notice(model, self.embedder.model_id)
        if notice not in self._announced:
            self._announced.add(notice)
            log.warning("%s", notice)
        if previous is not None and previous.embedder.model_id == model:
            return previous.embedder
        backends = {r.rpartition("@")[2] for r in mismatch.records if "@" in r}
        info = known_model(model)
        backend = backends.pop() if len(backends) == 1 else None
        if backend is None or (info is not None and backend not in info.backends):
            backend = info.default_backend if info is not None else "torch"
        return Embedder(model, backend=backend, models_dir=self.settings.models_dir)

    def stage_model(self, embedder: Embedder | None = None) -> StageModel:
        """The stage model for the embedding model in use (trained at first use if none ships)."""
        embedder = embedder or self.embedder
        with self._stage_lock:
            model = self._stage_models.get(embedder.model_id)
            if model is None:
                from index.stage_training import load_or_train

                model = load_or_train(
                    embedder.model_id,
                    lambda texts: embedder.encode(texts, queries=True),
                    self.settings.models_dir,
                )
                self._stage_models[embedder.model_id] = model
            return model

    def warm_up(self) -> None:
        """Load the model and the index now, so the first question is not the slow one."""
        self.embedder.load()
        searcher = self.searcher()
        self.embedder.encode_query("warm up")
        searcher.lexical.search("warm up", 1)  # loads the language detector (~1 s)

    def _stale(self, searcher: HybridSearcher) -> bool:
        """Whether another process reindexed; while the database is away, keep what is loaded."""
        try:
            version = self.answer_db.run("checking the index version", _index_version)
        except DatabaseUnavailable:
            return False
        return version != searcher.version

    def close(self) -> None:
        self.answer_db.close()
        self.engine.dispose()


class MixedVectors(FunnelbotError, RuntimeError):
    """The stored vectors come from several models: no model can search them all."""


def model_switch_notice(old: str, new: str) -> str:
    """The one line that says a library embedded with ``old`` is being moved to ``new``."""
    return str(model_switch_phrase(old, new))


def model_switch_phrase(old: str, new: str) -> Phrase:
    """``model_switch_notice`` said later, in its reader's language."""
    return Phrase(
        N_(
            "The library was embedded with %(old)s; FUNNELBOT_EMBEDDING_MODEL is %(new)s: it is "
            "re-embedded in full with %(new)s, and %(old)s answers until that is done."
        ),
        {"old": old, "new": new},
    )


def _index_version(sessions: sessionmaker[Session]) -> int | None:
    with sessions() as session:
        return current_index_version(session)
