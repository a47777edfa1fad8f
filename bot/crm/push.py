"""Content pushed when a deal moves: a background poll of the CRM's recently changed deals.

Every FUNNELBOT_CRM_POLL_MINUTES one process (the lease) reads the deals changed since the
high-water mark kept in the database, and DMs the owner of each deal that moved into another
buyer stage the top assets for it. At most one push per deal and stage (a unique row), and
FUNNELBOT_CRM_PUSH_DAILY_MAX per rep a day; a rep can switch them off on the Home tab.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.answer import Answer, CrmRef, StageDecision, StageSource, crm_cue
from bot.crm.base import Crm, CrmError, CrmUnavailable, Deal
from bot.crm.mapping import StageMapping, StageRule, load_crm_config
from bot.i18n import Translator, english
from bot.services import Services
from content_store.db import transaction
from content_store.leases import acquire, aware, release
from content_store.models import (
    CrmDealStage,
    CrmPollState,
    CrmPush,
    CrmPushOptOut,
    Recommendation,
)

log = logging.getLogger(__name__)

LEASE = "crm-poll"
PUSH_ASSETS = 3
# The first poll learns where deals stand (changed in this window) and pushes nothing: a move
# is a change from a stage funnelbot saw.
SEED_DAYS = 90
# Timestamps the CRM compares at second precision: re-read a second back, handled idempotently.
OVERLAP = timedelta(seconds=1)
SOURCE = "crm-trigger"


@dataclass
class PollReport:
    changed: int = 0
    moved: int = 0
    pushed: list[str] = field(default_factory=list)  # deal ids
    skipped: list[str] = field(default_factory=list)  # "deal: why"
    seeded: int = 0


class DealPoller:
    def __init__(self, services: Services, crm: Crm, client: WebClient) -> None:
        self.services = services
        self.crm = crm
        self.client = client
        from bot.slack.language import ReplyLanguages

        self._languages = ReplyLanguages(services.settings, client)  # the rep's Slack locale
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.interval_s = services.settings.crm_poll_minutes * 60.0
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._loop, name="crm-poll", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.tick())

    def tick(self) -> float:
        """One poll; then the seconds until the next (longer if a 429 asked us to wait)."""
        try:
            self.run_once()
        except CrmUnavailable as error:
            # A 429's Retry-After is honoured here (never by an answer).
            wait = max(self.interval_s, error.retry_after or 0.0)
            log.warning("CRM poll: %s; next try in %.0f s", error, wait)
            return wait
        except Exception:  # the database or a bug: log, try again next time
            log.exception("CRM poll failed")
        return self.interval_s

    def run_once(self, *, now: datetime | None = None) -> PollReport | None:
        """One poll; None when another process holds the poll's lease."""
        now = now or datetime.now(UTC)
        sessions = self.services.sessions
        ttl = timedelta(seconds=max(300.0, self.interval_s * 2))
        taken, _ = acquire(sessions, LEASE, self.holder, ttl=ttl, started_by="poller", now=now)
        if not taken:
            return None
        try:
            return self._poll(now)
        finally:
            release(sessions, LEASE, self.holder)

    def _poll(self, now: datetime) -> PollReport:
        report = PollReport()
        settings = self.services.settings
        mapping = StageMapping(self.crm.pipelines(), load_crm_config(settings.content_dir))
        with self.services.sessions() as session:
            state = session.get(CrmPollState, self.crm.system)
            mark = aware(state.modified_through) if state is not None else None
        if mark is None:
            for deal in self.crm.deals_modified_since(now - timedelta(days=SEED_DAYS)):
                rule = mapping.resolve(deal.pipeline_id, deal.stage_id)
                if rule is not None:
                    self._remember(deal, rule)
                    report.seeded += 1
            self._advance(now)
            self._refresh_answers(set())
            return report
        companies: set[str] = set()
        for deal in self.crm.deals_modified_since(mark - OVERLAP):
            report.changed += 1
            if deal.company_id:
                companies.add(deal.company_id)
            rule = mapping.resolve(deal.pipeline_id, deal.stage_id)
            if rule is not None:
                self._handle(deal, rule, report, now)
            if deal.modified_at > mark:
                mark = deal.modified_at
                self._advance(mark)
        self._refresh_answers(companies)
        return report

    def _refresh_answers(self, companies: set[str]) -> None:
        """Answers see the moves now, not when their cache expires; and the company list."""
        lookup = self.services.crm
        if lookup is None:
            return
        lookup.forget_deals(companies)
        try:
            lookup.refresh_directory()
        except CrmError as error:
            log.warning("CRM companies not refreshed: %s", error)

    def _handle(self, deal: Deal, rule: StageRule, report: PollReport, now: datetime) -> None:
        with self.services.sessions() as session:
            previous = session.scalar(
                select(CrmDealStage.stage).where(
                    CrmDealStage.system == self.crm.system, CrmDealStage.deal_id == deal.id
                )
            )
        if previous is not None and previous != str(rule.buyer_stage):
            report.moved += 1
            why = self._push(deal, rule, now)
            if why is None:
                report.pushed.append(deal.id)
            else:
                report.skipped.append(f"{deal.id}: {why}")
        # Remembered after the push: a crash in between pushes again, and the unique push
        # row turns that into nothing.
        self._remember(deal, rule)

    def _push(self, deal: Deal, rule: StageRule, now: datetime) -> str | None:
        """DM the deal's owner; None if sent, else why not."""
        email = deal.owner_email
        if email is None and deal.owner_id:
            email = self.crm.owner_email(deal.owner_id)
        if not email:
            return "no owner email"
        try:
            user = str(self.client.users_lookupByEmail(email=email)["user"]["id"])
        except SlackApiError as error:
            return f"no Slack user for the owner ({error.response.get('error')})"
        settings = self.services.settings
        stage = str(rule.buyer_stage)
        day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            with transaction(self.services.sessions) as session:
                if session.get(CrmPushOptOut, user) is not None:
                    return "the rep switched pushes off"
                today = session.scalar(
                    select(func.count(CrmPush.id)).where(
                        CrmPush.user == user, CrmPush.pushed_at >= day_start
                    )
                )
                if (today or 0) >= settings.crm_push_daily_max:
                    return "the rep's daily maximum is reached"
                session.add(
                    CrmPush(
                        system=self.crm.system,
                        deal_id=deal.id,
                        stage=stage,
                        user=user,
                        pushed_at=now,
                    )
                )
        except IntegrityError:
            return "already pushed for this stage"
        try:
            answer = self._answer(deal, rule, user)
            t = self._languages.for_user(user)
            self.client.chat_postMessage(
                channel=user, text=_intro(deal, rule, t), blocks=push_blocks(deal, rule, answer, t)
            )
        except Exception as error:  # no DM went out: let a later move of this deal try again
            with transaction(self.services.sessions) as session:
                session.execute(
                    delete(CrmPush).where(
                        CrmPush.system == self.crm.system,
                        CrmPush.deal_id == deal.id,
                        CrmPush.stage == stage,
                    )
                )
            log.warning("push for deal %s not sent: %s", deal.id, type(error).__name__)
            return f"not sent ({type(error).__name__})"
        with transaction(self.services.sessions) as session:
            session.execute(
                update(CrmPush)
                .where(
                    CrmPush.system == self.crm.system,
                    CrmPush.deal_id == deal.id,
                    CrmPush.stage == stage,
                )
                .values(recommendation_id=answer.recommendation_id)
            )
        return None

    def _answer(self, deal: Deal, rule: StageRule, user: str) -> Answer:
        """The top assets for the new stage, logged as an answer (source crm-trigger)."""
        from bot.recommend import Question, recommend

        answer = recommend(
            self.services,
            Question(
                text=f"{deal.name}: {rule.stage.label}",
                source=SOURCE,
                asker=user,
                prospect=deal.company_name,
                stage=rule.buyer_stage,
                k=PUSH_ASSETS,
            ),
        )
        ref = CrmRef(self.crm.system, deal.id, deal.name, deal.stage_id, rule.stage.label)
        cue = crm_cue(self.crm.label, deal.name, rule.stage.label)
        if answer.recommendation_id > 0:
            with transaction(self.services.sessions) as session:
                session.execute(
                    update(Recommendation)
                    .where(Recommendation.id == answer.recommendation_id)
                    .values(
                        stage_source=str(StageSource.CRM),
                        crm_system=ref.system,
                        crm_object_id=ref.deal_id,
                        crm_raw_stage=ref.raw_stage,
                    )
                )
        decision = StageDecision(rule.buyer_stage, StageSource.CRM, 1.0, cue=cue)
        return replace(answer, stage=decision, crm=ref)

    def _remember(self, deal: Deal, rule: StageRule) -> None:
        values = {"stage": str(rule.buyer_stage), "raw_stage": deal.stage_id[:200]}
        with transaction(self.services.sessions) as session:
            changed = session.execute(
                update(CrmDealStage)
                .where(CrmDealStage.system == self.crm.system, CrmDealStage.deal_id == deal.id)
                .values(**values, seen_at=datetime.now(UTC))
            )
            if not getattr(changed, "rowcount", 0):
                session.add(CrmDealStage(system=self.crm.system, deal_id=deal.id, **values))

    def _advance(self, mark: datetime) -> None:
        with transaction(self.services.sessions) as session:
            state = session.get(CrmPollState, self.crm.system)
            if state is None:
                session.add(CrmPollState(system=self.crm.system, modified_through=mark))
            else:
                state.modified_through = mark
                state.updated_at = datetime.now(UTC)


def _intro(deal: Deal, rule: StageRule, t: Translator | None = None) -> str:
    return (t or english()).gettext(
        "%(deal)s moved to %(deal_stage)s (%(stage)s). What usually helps now:",
        deal=deal.name,
        deal_stage=rule.stage.label,
        stage=(t or english()).stage(rule.buyer_stage),
    )


def push_blocks(
    deal: Deal, rule: StageRule, answer: Answer, t: Translator | None = None
) -> list[dict[str, Any]]:
    from bot.slack.blocks.answer import answer_blocks
    from bot.slack.mrkdwn import escape

    intro = {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f":chart_with_upwards_trend: {escape(_intro(deal, rule, t))}",
        },
    }
    return [intro, *answer_blocks(answer, t=t)]


def pushes_on(services: Services, user: str) -> bool:
    with services.sessions() as session:
        return session.get(CrmPushOptOut, user) is None


def set_pushes(services: Services, user: str, *, on: bool) -> None:
    with transaction(services.sessions) as session:
        if on:
            session.execute(delete(CrmPushOptOut).where(CrmPushOptOut.user == user))
        elif session.get(CrmPushOptOut, user) is None:
            session.add(CrmPushOptOut(user=user))
