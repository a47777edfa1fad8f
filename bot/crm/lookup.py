"""From the names in a question to the stage of that prospect's deal in the CRM.

An answer starts the lookup before it encodes its question and takes the result after, waiting
at most FUNNELBOT_CRM_TIMEOUT_MS: a slow, failing, rate-limited or refusing CRM costs an answer
that wait at most, never the answer. What the CRM said is cached (companies with open deals,
pipelines, each company's deals), so most answers never leave the process.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TypeVar

from bot.answer import CrmRef, StageDecision, StageSource, crm_cue
from bot.crm.base import Company, Crm, CrmError, CrmUnavailable, Deal
from bot.crm.mapping import CrmConfig, StageMapping, load_crm_config
from bot.i18n import N_, Phrase
from bot.settings import Settings
from content_store.prospects import prospect_key
from content_store.stage import Stage

log = logging.getLogger(__name__)

T = TypeVar("T")

FAULT_LOG_SECONDS = 60.0  # a CRM fault is logged once a minute, not once per answer
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class CrmStage:
    """A stage read from the CRM: the company, its deciding deal and that deal's stage."""

    system: str
    label: str  # "HubSpot"
    company: Company
    deal: Deal
    stage_label: str  # the CRM's label for the deal's stage
    stage: Stage

    def decision(self) -> StageDecision:
        cue = crm_cue(self.label, self.deal.name, self.stage_label)
        return StageDecision(self.stage, StageSource.CRM, 1.0, cue=cue)

    def ref(self) -> CrmRef:
        return CrmRef(
            system=self.system,
            deal_id=self.deal.id,
            deal_name=self.deal.name,
            raw_stage=self.deal.stage_id,
            stage_label=self.stage_label,
        )


@dataclass(frozen=True)
class CrmFinding:
    """What the CRM said about a question: a stage, several companies to pick from, or why not."""

    found: CrmStage | None = None
    candidates: tuple[Company, ...] = ()  # several companies matched: the rep picks one
    note: Phrase | None = None  # the CRM was asked but gave no stage, and why


class PendingCrmLookup:
    def __init__(self, future: Future[CrmFinding | None], deadline: float, owner: CrmStages):
        self._future = future
        self._deadline = deadline
        self._owner = owner

    def result(self) -> CrmFinding | None:
        """The finding, or None if the CRM did not answer in time or failed (logged)."""
        try:
            return self._future.result(timeout=max(0.0, self._deadline - self._owner.now()))
        except FutureTimeout:
            self._owner.fault("timeout", f"no answer within {self._owner.timeout_s * 1000:.0f} ms")
            return None
        except CrmError as error:
            kind = error.kind if isinstance(error, CrmUnavailable) else "error"
            self._owner.fault(kind, str(error))
            return None
        except Exception as error:  # a bad funnelbot.yml, a payload we misread: never the answer
            self._owner.fault("error", f"{type(error).__name__}: {error}")
            return None


class CrmStages:
    """One per process: the CRM behind a deadline, and what it said, cached."""

    def __init__(
        self,
        settings: Settings,
        crm: Crm,
        *,
        config: CrmConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.crm = crm
        self.timeout_s = settings.crm_timeout_ms / 1000
        self.cache_s = float(settings.crm_cache_seconds)
        self.directory_s = settings.crm_poll_minutes * 60.0
        self._content_dir = settings.content_dir
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._directory: _Directory | None = None
        self._directory_at = 0.0
        self._refreshing = False
        self._mapping: StageMapping | None = None
        self._mapping_at = 0.0
        self._deals: dict[str, tuple[float, list[Deal]]] = {}
        self._faults: dict[str, float] = {}

    def now(self) -> float:
        return self._clock()

    # -- the answer path ------------------------------------------------------------------

    def start(self, *, prospect: str | None, text: str) -> PendingCrmLookup:
        """Begin looking up the prospect named (or the company the text mentions)."""
        future: Future[CrmFinding | None] = Future()
        deadline = self._clock() + self.timeout_s
        cached = self._from_cache(prospect, text)
        if cached is not _MISS:
            future.set_result(cached)  # type: ignore[arg-type]
            return PendingCrmLookup(future, deadline, self)

        def run() -> None:
            try:
                future.set_result(self.find(prospect=prospect, text=text))
            except BaseException as error:
                future.set_exception(error)

        # A daemon thread per lookup: one stuck on a silent CRM never holds up another answer.
        threading.Thread(target=run, name="crm-lookup", daemon=True).start()
        return PendingCrmLookup(future, deadline, self)

    def find(self, *, prospect: str | None, text: str) -> CrmFinding | None:
        """The finding for a question, reading the CRM where the cache has nothing fresh."""
        directory = self.directory()
        matches = directory.match(prospect=prospect, text=text)
        if not matches:
            return None
        if len(matches) > 1:
            return CrmFinding(candidates=tuple(matches))
        return self._stage_of(matches[0], self.deals_of(matches[0].id), self.mapping())

    def _from_cache(self, prospect: str | None, text: str) -> CrmFinding | object | None:
        """The finding from fresh cached data alone, or _MISS when the CRM must be asked."""
        now = self._clock()
        with self._lock:
            directory, mapping = self._directory, self._mapping
            if directory is None or mapping is None or now - self._mapping_at > self.cache_s:
                return _MISS
            stale_directory = now - self._directory_at > self.directory_s
        if stale_directory:
            self._refresh_in_background()
        matches = directory.match(prospect=prospect, text=text)
        if not matches:
            return None
        if len(matches) > 1:
            return CrmFinding(candidates=tuple(matches))
        with self._lock:
            cached = self._deals.get(matches[0].id)
        if cached is None or now - cached[0] > self.cache_s:
            return _MISS
        return self._stage_of(matches[0], cached[1], mapping)

    def _stage_of(self, company: Company, deals: list[Deal], mapping: StageMapping) -> CrmFinding:
        """The most recently changed open deal decides; none open: no stage, and say so."""
        for deal in sorted(deals, key=lambda d: d.modified_at, reverse=True):
            rule = mapping.resolve(deal.pipeline_id, deal.stage_id)
            if rule is None or rule.stage.closed:
                continue
            found = CrmStage(
                system=self.crm.system,
                label=self.crm.label,
                company=company,
                deal=deal,
                stage_label=rule.stage.label,
                stage=rule.buyer_stage,
            )
            return CrmFinding(found=found)
        return CrmFinding(
            note=Phrase(
                N_("no open deal in %(crm)s for %(company)s"),
                {"crm": self.crm.label, "company": company.name},
            )
        )

    # -- what the CRM said, cached ----------------------------------------------------------

    def directory(self) -> _Directory:
        """Companies with open deals: read on first use, then refreshed by the poller."""
        with self._lock:
            directory = self._directory
            stale = self._clock() - self._directory_at > self.directory_s
        if directory is None:
            return self.refresh_directory()
        if stale:
            self._refresh_in_background()
        return directory

    def refresh_directory(self) -> _Directory:
        directory = _Directory(self.crm.companies_with_open_deals())
        with self._lock:
            self._directory, self._directory_at = directory, self._clock()
        return directory

    def mapping(self) -> StageMapping:
        with self._lock:
            if self._mapping is not None and self._clock() - self._mapping_at <= self.cache_s:
                return self._mapping
        config = self._config if self._config is not None else load_crm_config(self._content_dir)
        mapping = StageMapping(self.crm.pipelines(), config)
        with self._lock:
            self._mapping, self._mapping_at = mapping, self._clock()
        return mapping

    def deals_of(self, company_id: str) -> list[Deal]:
        with self._lock:
            cached = self._deals.get(company_id)
            if cached is not None and self._clock() - cached[0] <= self.cache_s:
                return cached[1]
        deals = self.crm.deals_of(company_id)
        with self._lock:
            self._deals[company_id] = (self._clock(), deals)
        return deals

    def forget_deals(self, company_ids: set[str] | None = None) -> None:
        """Drop cached deals (the poller saw them change)."""
        with self._lock:
            if company_ids is None:
                self._deals.clear()
            for company_id in company_ids or ():
                self._deals.pop(company_id, None)

    def _refresh_in_background(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True

        def refresh() -> None:
            try:
                self.refresh_directory()
            except CrmError as error:
                self.fault(getattr(error, "kind", "error"), str(error))
            finally:
                with self._lock:
                    self._refreshing = False

        threading.Thread(target=refresh, name="crm-directory", daemon=True).start()

    def fault(self, kind: str, detail: str) -> None:
        """Log a CRM fault at most once a minute per kind: answers go on without the CRM."""
        now = self._clock()
        with self._lock:
            if now - self._faults.get(kind, -FAULT_LOG_SECONDS) < FAULT_LOG_SECONDS:
                return
            self._faults[kind] = now
        log.warning("%s unavailable (%s); answering without it: %s", self.crm.label, kind, detail)


_MISS = object()


class _Directory:
    """Companies by the first word of their name, for matching the words of a question."""

    def __init__(self, companies: list[Company]) -> None:
        self.companies = companies
        self._by_key: dict[str, list[Company]] = {}
        self._by_first: dict[str, list[tuple[tuple[str, ...], Company]]] = {}
        for company in companies:
            words = tuple(_WORD.findall(prospect_key(company.name)))
            if not words:
                continue
            self._by_key.setdefault(" ".join(words), []).append(company)
            self._by_first.setdefault(words[0], []).append((words, company))

    def match(self, *, prospect: str | None, text: str) -> list[Company]:
        """The companies meant: the one named, or those the text mentions.

        A name mentioned whole wins ("Acme Foods" over "Acme"); a name others extend is
        ambiguous ("Acme" when there are Acme and Acme Foods); a capitalised word that starts
        one company's name alone is enough ("Brightwater" for Brightwater Health).
        """
        if prospect is not None:
            words = tuple(_WORD.findall(prospect_key(prospect)))
            exact = self._by_key.get(" ".join(words), [])
            if exact:
                return exact[:1] if len(exact) == 1 else exact
            return self._extending(words)
        originals = _WORD.findall(text)
        folded = [w.casefold() for w in originals]
        whole: dict[str, tuple[tuple[str, ...], Company]] = {}
        starts: dict[str, Company] = {}
        for i, word in enumerate(folded):
            for words, company in self._by_first.get(word, ()):
                if tuple(folded[i : i + len(words)]) == words:
                    whole[company.id] = (words, company)
                elif originals[i][:1].isupper() and len(word) >= 3:
                    starts[company.id] = company
        if whole:
            longest = max(len(w) for w, _ in whole.values())
            best = [(w, c) for w, c in whole.values() if len(w) == longest]
            # A shorter name inside a longer one mentioned ("Acme" in "Acme Foods") is not
            # a second company.
            others = [
                (w, c)
                for w, c in whole.values()
                if len(w) < longest and not any(_inside(w, b) for b, _ in best)
            ]
            mentioned = [c for _, c in best + others]
            if len(mentioned) > 1:
                return mentioned
            extensions = [c for c in self._extending(best[0][0]) if c.id not in whole]
            return mentioned + extensions
        return list(starts.values())

    def _extending(self, words: tuple[str, ...]) -> list[Company]:
        """Companies whose name starts with `words` and goes on."""
        if not words:
            return []
        return [
            c
            for w, c in self._by_first.get(words[0], ())
            if len(w) > len(words) and w[: len(words)] == words
        ]


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def crm_stages_for(settings: Settings) -> CrmStages | None:
    """The CRM lookup the settings call for (None without a CRM); it connects on first use."""
    from bot.crm import make_crm

    crm = make_crm(settings, timeout_s=settings.crm_timeout_ms / 1000)
    return CrmStages(settings, crm) if crm is not None else None


def crm_view(lookup: CrmStages | None, name: str) -> Phrase | None:
    """One line on what the CRM says of a prospect, for `/prospect NAME` (None: no CRM)."""
    if lookup is None:
        return None
    finding = lookup.start(prospect=name, text="").result()
    label = lookup.crm.label
    if finding is None:
        return Phrase(
            N_("%(crm)s: no company with open deals named %(name)s (or %(crm)s did not answer)"),
            {"crm": label, "name": name},
        )
    if finding.candidates:
        return Phrase(
            N_("%(crm)s: several companies match: %(names)s"),
            {"crm": label, "names": ", ".join(c.name for c in finding.candidates)},
        )
    if finding.found is None:
        if finding.note is None:
            return None
        return Phrase(N_("%(crm)s: %(note)s"), {"crm": label, "note": finding.note})
    found = finding.found
    return Phrase(
        N_("%(stage)s, %(cue)s (changed %(date)s)"),
        {
            "stage": found.stage,
            "cue": crm_cue(label, found.deal.name, found.stage_label),
            "date": f"{found.deal.modified_at:%Y-%m-%d}",
        },
    )
