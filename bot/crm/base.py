"""What funnelbot reads from (and, for "Sent it", writes to) a CRM: a few verbs over companies,
deals and pipelines, whichever CRM sits behind them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from content_store.errors import UnavailableError


class CrmError(UnavailableError):
    """The CRM did not do what was asked; the message names the fault, never a credential."""


class CrmUnavailable(CrmError):
    """The CRM could not answer now: too slow, rate limited, refusing us, or failing.

    `kind` is one of timeout, rate_limited, unauthorised, server, connection; `retry_after` is
    the seconds a 429 asked us to wait (honoured by the poller, never by an answer).
    """

    def __init__(self, system: str, kind: str, detail: str, retry_after: float | None = None):
        super().__init__(f"{system}: {kind} ({detail})")
        self.system = system
        self.kind = kind
        self.retry_after = retry_after


@dataclass(frozen=True)
class Company:
    """A HubSpot company or a Salesforce account."""

    id: str
    name: str


@dataclass(frozen=True)
class Deal:
    """A HubSpot deal or a Salesforce opportunity."""

    id: str
    name: str
    stage_id: str  # the CRM's own stage value: HubSpot's internal id, Salesforce's StageName
    pipeline_id: str
    modified_at: datetime
    company_id: str | None = None
    company_name: str | None = None
    owner_id: str | None = None
    owner_email: str | None = None  # when the CRM hands it back with the deal (Salesforce)
    closed: bool | None = None  # when the CRM says so on the deal itself


@dataclass(frozen=True)
class PipelineStage:
    id: str
    label: str
    order: int
    probability: float | None  # 0..1
    closed: bool
    won: bool


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    stages: tuple[PipelineStage, ...]

    def stage(self, stage_id: str) -> PipelineStage | None:
        return next((s for s in self.stages if s.id == stage_id), None)


class Crm(Protocol):
    system: str  # "hubspot" | "salesforce"
    label: str  # how a rep reads it: "HubSpot"

    def companies_with_open_deals(self) -> list[Company]: ...

    def deals_of(self, company_id: str) -> list[Deal]:
        """The company's deals, open and closed, newest change first."""
        ...

    def pipelines(self) -> list[Pipeline]: ...

    def owner_email(self, owner_id: str) -> str | None: ...

    def deals_modified_since(self, since: datetime) -> Iterator[Deal]:
        """Every deal changed after `since`, oldest change first, read page by page."""
        ...

    def add_note(self, deal_id: str, *, subject: str, body: str) -> str:
        """Record `body` on the deal's timeline; the id of what was created."""
        ...
