"""The recommend use case: a rep's question in, a stage-aware answer out, and always a log row."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.answer import Answer, AnswerItem, StageDecision, StageSource
from bot.answer_database import DatabaseUnavailable, PendingCall
from bot.crm.lookup import CrmFinding
from bot.i18n import N_, LocalizedError
from bot.marketing import queue_answer_post
from bot.services import Services
from content_store.log import (
    LoggedItem,
    NewRecommendation,
    find_by_request_key,
    insert_recommendation,
)
from content_store.models import Recommendation
from content_store.models.base import utcnow
from content_store.prospects import clean_prospect_name, stored_stage
from content_store.spool import new_provisional_id
from content_store.stage import Stage
from content_store.text import clean_text
from index.filler import content_words
from index.match_quality import MatchEvidence, weak_probability
from index.stage import stage_named_in

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 10_000
# The model reads ~256 tokens and BM25 cost grows with query length: search on the opening.
SEARCH_CHARS = 1_000


class QuestionError(LocalizedError):
    """The question cannot be answered as asked; the message tells the rep what to change."""


class AmbiguousProspect(QuestionError):
    """Several CRM companies match the question: the rep picks one (Slack buttons, --prospect)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            N_('several prospects match: %(names)s; name one (--prospect "%(first)s")'),
            names=", ".join(names),
            first=names[0],
        )
        self.names = names


@dataclass(frozen=True, kw_only=True)
class Question:
    text: str
    source: str = "cli"
    asker: str | None = None
    prospect: str | None = None
    stage: Stage | None = None  # stated explicitly (--stage, a button)
    k: int | None = None
    team_id: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    request_key: str | None = None  # Slack's event id: one answer per event, however often sent
    # Earlier words of the conversation (a thread's first question): searched with the question,
    # but the log keeps the question as asked.
    context: str | None = None


def recommend(services: Services, question: Question) -> Answer:
    started = time.perf_counter()
    text = clean_text(question.text).strip()
    if not text:
        raise QuestionError(N_("the question is empty: ask about a prospect, a topic or a stage"))
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            N_("the question is %(chars)s characters; keep it under %(limit)s"),
            chars=f"{len(text):,}",
            limit=f"{MAX_QUESTION_CHARS:,}",
        )
    k = question.k or services.settings.top_k
    search_text = f"{question.context} {text}" if question.context else text
    searcher = services.searcher()
    prospect_name = clean_prospect_name(question.prospect) if question.prospect else None
    decision = _stated_stage(question, text, searcher.vocabulary.stage_phrases)
    lookup = None
    if decision is None:
        lookup = _start_prospect_lookup(services, prospect_name, search_text)
    # --- CRM (bot/crm): started here, consulted after the stated stage, before the stored one.
    crm_lookup = None
    if decision is None and services.crm is not None:
        crm_lookup = services.crm.start(prospect=prospect_name, text=search_text)
    # --- end CRM
    query = _retrieval_text(search_text, prospect_name)
    # The model runs while the database looks the prospect up (its forward pass releases the
    # GIL): the answer waits for the slower of the two, not for both.
    vector = searcher.embedder.encode_query(query)
    # --- CRM: its stage comes before the stored /prospect stage.
    crm = _crm_finding(crm_lookup.result() if crm_lookup is not None else None)
    if crm is not None and crm.found is not None:
        prospect_name, decision = crm.found.company.name, crm.found.decision()
    # --- end CRM
    if decision is None:
        stored = _stored_stage(lookup)
        if stored is not None:
            prospect_name = stored[0]
            decision = StageDecision(stored[1], StageSource.PROSPECT, 1.0, cue=stored[0])
    # A prospect's name says nothing about what to send ("Acme Foods" must not pull another
    # company's food case study): once it is recognised, search without it.
    without_name = _retrieval_text(search_text, prospect_name)
    if without_name != query:
        query = without_name
        vector = searcher.embedder.encode_query(query)
    candidates = searcher.retrieve(query, query_vector=vector)
    if decision is None:
        guess = searcher.infer_stage(vector, candidates, query)
        decision = (
            StageDecision(guess.stage, StageSource.INFERRED, guess.confidence)
            if guess.stage is not None
            else StageDecision(None, StageSource.UNKNOWN, 0.0)
        )
    if crm is not None and crm.note:  # the CRM was asked and had no stage: say so
        decision = replace(decision, note=crm.note)
    context = searcher.read_query(query, decision.stage, decision.confidence)
    ranked = searcher.rank(candidates, context, k=k)
    weak = is_weak_match(searcher.match_evidence(query, ranked), services.settings.weak_match)
    # Nothing to search on and no stage known ("what do I send?"): ask the rep instead of
    # logging a content gap. With a stage stated or stored, its best assets are the answer.
    unknown_stage = decision.source in (StageSource.INFERRED, StageSource.UNKNOWN)
    vague = unknown_stage and not content_words(query)
    if vague:
        weak = False
    items = tuple(
        AnswerItem(
            asset_id=r.asset_id,
            title=searcher.assets[r.asset_id].title,
            url=searcher.assets[r.asset_id].url,
            type=searcher.assets[r.asset_id].type,
            stages=searcher.assets[r.asset_id].stages,
            internal=searcher.assets[r.asset_id].internal,
            score=r.score,
            reason=r.reason,
            rank=rank,
            why=r.why,
        )
        for rank, r in enumerate(ranked, start=1)
    )
    latency_ms = (time.perf_counter() - started) * 1000
    entry = NewRecommendation(
        question=text,
        source=question.source,
        asker=question.asker,
        team_id=question.team_id,
        channel_id=question.channel_id,
        thread_ts=question.thread_ts,
        message_ts=question.message_ts,
        request_key=question.request_key,
        prospect=prospect_name,
        stage=str(decision.stage) if decision.stage else None,
        stage_source=str(decision.source),
        stage_confidence=decision.confidence,
        top_score=ranked[0].dense if ranked else 0.0,
        weak=weak,
        latency_ms=latency_ms,
        index_version=searcher.version,
        items=[
            LoggedItem(
                i.asset_id, i.rank, i.score, str(i.reason), i.why.to_json() if i.why else None
            )
            for i in items
        ],
    )
    crm_ref = crm.found.ref() if crm is not None and crm.found is not None else None
    if crm_ref is not None:
        entry = replace(
            entry,
            crm_system=crm_ref.system,
            crm_object_id=crm_ref.deal_id,
            crm_raw_stage=crm_ref.raw_stage,
        )
    recommendation_id = _write_log(services, entry)
    return Answer(
        recommendation_id=recommendation_id,
        question=text,
        prospect=prospect_name,
        stage=decision,
        items=items,
        weak=weak,
        latency_ms=latency_ms,
        vague=vague,
        crm=crm_ref,
    )


def _crm_finding(finding: CrmFinding | None) -> CrmFinding | None:
    """The CRM's finding; several companies matching stops the answer to ask which one."""
    if finding is not None and finding.candidates:
        raise AmbiguousProspect([c.name for c in finding.candidates])
    return finding


def is_weak_match(evidence: MatchEvidence | None, above: float) -> bool:
    """Whether the best answer is too far from the question to be worth sending (a content gap):
    the calibrated probability of index.match_quality against FUNNELBOT_WEAK_MATCH."""
    return weak_probability(evidence) > above


def _retrieval_text(search_text: str, prospect_name: str | None) -> str:
    text = search_text
    if prospect_name:
        text = re.sub(rf"(?<!\w){re.escape(prospect_name)}(?:'s|’s)?(?!\w)", " ", text, flags=re.I)
        text = re.sub(r"\s+", " ", text).strip() or search_text
    return text[:SEARCH_CHARS]


def _stated_stage(
    question: Question, text: str, phrases: Mapping[Stage, Sequence[str]]
) -> StageDecision | None:
    """The stage the rep stated (an option, a button, or words like "decision stage").

    Stage by precedence: stated > stored for the prospect > inferred from the wording. The
    question's own words come before its context: "anything for decision stage?" in a thread
    that began "they're in evaluation" means decision.
    """
    if question.stage is not None:
        return StageDecision(question.stage, StageSource.STATED, 1.0)
    named = stage_named_in(text, phrases) or (
        stage_named_in(question.context, phrases) if question.context else None
    )
    if named is not None:
        return StageDecision(named[0], StageSource.STATED, 1.0, cue=named[1])
    return None


ProspectLookup = PendingCall[tuple[str, Stage] | None]


def _start_prospect_lookup(
    services: Services, prospect_name: str | None, search_text: str
) -> ProspectLookup | None:
    """Start reading the prospect's stored stage (the one named, or the one the text mentions)."""

    engine = services.answer_db.engine

    def lookup(sessions: sessionmaker[Session]) -> tuple[str, Stage] | None:
        # A bare connection: a session's set-up and tear-down cost as much as the query.
        with engine.connect() as connection:
            return stored_stage(connection, name=prospect_name, text=search_text)

    try:
        return services.answer_db.start("looking up the prospect", lookup)
    except DatabaseUnavailable:
        return None


def _stored_stage(lookup: ProspectLookup | None) -> tuple[str, Stage] | None:
    """The prospect's stored stage; a database that cannot say in time counts as none (the
    answer then goes out with the inferred stage)."""
    if lookup is None:
        return None
    try:
        return lookup.result()
    except DatabaseUnavailable:
        return None


def _write_log(services: Services, entry: NewRecommendation) -> int:
    """Log the answer and return its id; if the database cannot take it in time, spool it.

    Every row carries a provisional id, so a write that reached the database but not its reply
    (and was spooled too) is recognised on replay. A spooled answer goes out with its provisional
    id (negative) as its id; clicks on it find the row through it once the spool is replayed.
    """
    provisional_id = new_provisional_id()
    entry = replace(entry, provisional_id=provisional_id, created_at=utcnow())
    settings = services.settings
    engine = services.answer_db.engine

    def write(sessions: sessionmaker[Session]) -> int:
        try:
            # A bare connection, as for the lookup: ~0.15 ms less per answer than a session.
            with engine.begin() as connection:
                recommendation_id = insert_recommendation(connection, entry)
                # One transaction: marketing hears of an answer if, and only if, it is logged.
                queue_answer_post(connection, settings, recommendation_id, entry)
                return recommendation_id
        except IntegrityError:
            # The same Slack event arrived twice at once: the first writer's row is the answer.
            if entry.request_key is None:
                raise
            with sessions() as session:
                existing = find_by_request_key(session, entry.request_key)
                if existing is None:
                    raise
                return existing.id

    try:
        return services.answer_db.run("logging an answer", write, writes=True)
    except DatabaseUnavailable:
        services.spool.append(entry)
        log.info("answer %s spooled until the database is back", provisional_id)
        return provisional_id


def already_answered(services: Services, request_key: str) -> Recommendation | None:
    with services.sessions() as session:
        return find_by_request_key(session, request_key)
