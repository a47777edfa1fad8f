"""Salesforce through simple-salesforce: an instance URL and access token, or a user's login."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, TypeVar

from bot.crm.base import Company, CrmError, CrmUnavailable, Deal, Pipeline, PipelineStage

T = TypeVar("T")

API_VERSION = "59.0"
# Salesforce has one set of opportunity stages per org (sales processes pick from it): funnelbot
# shows them as one pipeline.
PIPELINE_ID = "opportunity"
PIPELINE_LABEL = "Opportunities"
_DEAL_FIELDS = (
    "Id, Name, StageName, LastModifiedDate, IsClosed, AccountId, Account.Name, OwnerId, Owner.Email"
)
_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


class SalesforceCrm:
    system = "salesforce"
    label = "Salesforce"

    def __init__(
        self,
        *,
        instance_url: str | None = None,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        security_token: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._login: dict[str, Any] = {
            "instance_url": instance_url,
            "session_id": token,
            "username": username,
            "password": password,
            "security_token": security_token,
        }
        self._timeout = timeout_s
        self._sf: Any = None
        self._lock = threading.Lock()
        self._retry_after = threading.local()

    def companies_with_open_deals(self) -> list[Company]:
        soql = (
            "SELECT Id, Name FROM Account WHERE Id IN "
            "(SELECT AccountId FROM Opportunity WHERE IsClosed = false) ORDER BY Name"
        )
        return [
            Company(id=str(r["Id"]), name=str(r["Name"]).strip())
            for r in self._query(soql)
            if (r.get("Name") or "").strip()
        ]

    def deals_of(self, company_id: str) -> list[Deal]:
        soql = (
            f"SELECT {_DEAL_FIELDS} FROM Opportunity WHERE AccountId = '{_checked_id(company_id)}' "
            "ORDER BY LastModifiedDate DESC"
        )
        return [_deal(r) for r in self._query(soql)]

    def pipelines(self) -> list[Pipeline]:
        soql = (
            "SELECT ApiName, MasterLabel, SortOrder, DefaultProbability, IsClosed, IsWon "
            "FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder"
        )
        stages = tuple(
            PipelineStage(
                id=str(r["ApiName"]),
                label=str(r["MasterLabel"]),
                order=int(r.get("SortOrder") or 0),
                probability=(
                    float(r["DefaultProbability"]) / 100
                    if r.get("DefaultProbability") is not None
                    else None
                ),
                closed=bool(r.get("IsClosed")),
                won=bool(r.get("IsWon")),
            )
            for r in self._query(soql)
        )
        return [Pipeline(id=PIPELINE_ID, label=PIPELINE_LABEL, stages=stages)]

    def owner_email(self, owner_id: str) -> str | None:
        rows = list(self._query(f"SELECT Email FROM User WHERE Id = '{_checked_id(owner_id)}'"))
        return str(rows[0]["Email"]) if rows and rows[0].get("Email") else None

    def deals_modified_since(self, since: datetime) -> Iterator[Deal]:
        moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        soql = (
            f"SELECT {_DEAL_FIELDS} FROM Opportunity WHERE LastModifiedDate > {moment} "
            "ORDER BY LastModifiedDate ASC"
        )
        for row in self._query(soql):
            yield _deal(row)

    def add_note(self, deal_id: str, *, subject: str, body: str) -> str:
        task = {
            "WhatId": _checked_id(deal_id),
            "Subject": subject[:255],
            "Description": body,
            "Status": "Completed",
            "ActivityDate": date.today().isoformat(),
        }
        created = self._call(lambda sf: sf.Task.create(task))
        return str(created.get("id", ""))

    def _query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record of a SOQL query, following `nextRecordsUrl` page by page."""
        page = self._call(lambda sf: sf.query(soql))
        while True:
            yield from page.get("records", [])
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            next_url = page["nextRecordsUrl"]
            page = self._call(partial(_query_more, url=next_url))

    def _client(self) -> Any:
        with self._lock:
            if self._sf is None:
                from simple_salesforce import Salesforce

                self._sf = Salesforce(
                    **{k: v for k, v in self._login.items() if v},
                    session=_session(self._timeout, self._retry_after),
                    version=API_VERSION,
                )
            return self._sf

    def _call(self, call: Callable[[Any], T]) -> T:
        import requests
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

        self._retry_after.value = None
        try:
            return call(self._client())
        except requests.Timeout:
            raise CrmUnavailable(self.label, "timeout", "no reply in time") from None
        except requests.RequestException as error:
            raise CrmUnavailable(self.label, "connection", type(error).__name__) from None
        except SalesforceAuthenticationFailed:
            raise CrmUnavailable(self.label, "unauthorised", "login refused") from None
        except SalesforceError as error:
            status = int(getattr(error, "status", 0) or 0)
            if status == 429:
                raise CrmUnavailable(
                    self.label, "rate_limited", "HTTP 429", self._retry_after.value
                ) from None
            if status in (401, 403):
                raise CrmUnavailable(
                    self.label, "unauthorised", f"HTTP {status}: check the token and permissions"
                ) from None
            if status >= 500:
                raise CrmUnavailable(self.label, "server", f"HTTP {status}") from None
            raise CrmError(f"{self.label}: HTTP {status}") from None


def _query_more(sf: Any, *, url: str) -> Any:
    return sf.query_more(url, identifier_is_url=True)


def _session(timeout_s: float, retry_after: threading.local) -> Any:
    import requests

    class _Session(requests.Session):
        # simple-salesforce passes no timeout on some calls (sobject create): give every one ours.
        def request(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", timeout_s)
            response = super().request(*args, **kwargs)
            raw = response.headers.get("Retry-After")
            if response.status_code == 429 and raw:
                try:
                    retry_after.value = float(raw)
                except ValueError:
                    retry_after.value = None
            return response

    return _Session()


def _checked_id(value: str) -> str:
    # Ids go into SOQL text: only a well-formed id ever does.
    if not _ID.fullmatch(value):
        raise CrmError(f"Salesforce: {value!r} is not a record id")
    return value


def _deal(row: dict[str, Any]) -> Deal:
    account = row.get("Account") or {}
    owner = row.get("Owner") or {}
    return Deal(
        id=str(row["Id"]),
        name=str(row.get("Name") or row["Id"]),
        stage_id=str(row.get("StageName") or ""),
        pipeline_id=PIPELINE_ID,
        modified_at=_when(str(row["LastModifiedDate"])),
        company_id=str(row["AccountId"]) if row.get("AccountId") else None,
        company_name=str(account["Name"]) if account.get("Name") else None,
        owner_id=str(row["OwnerId"]) if row.get("OwnerId") else None,
        owner_email=str(owner["Email"]) if owner.get("Email") else None,
        closed=bool(row["IsClosed"]) if "IsClosed" in row else None,
    )


def _when(text: str) -> datetime:
    # Salesforce writes 2026-12-06T10:00:00.000+0000
    moment = datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return moment.astimezone(UTC)
