"""A local fake of the Salesforce REST API, as simple-salesforce calls it (over HTTPS).

SOQL through `/services/data/vXX.X/query/?q=` with `nextRecordsUrl` paging, the opportunity
stage definitions, users, and Task create under `/sobjects/Task/`.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.crm_support.http_fake import CrmCall, HttpFake

SALESFORCE_TOKEN = "00D000000000001!AQ0test.session.token"
VERSION = "v59.0"

# Salesforce's standard opportunity stages (label, probability %, closed, won).
STANDARD_STAGES = [
    ("Prospecting", 10, False, False),
    ("Qualification", 10, False, False),
    ("Needs Analysis", 20, False, False),
    ("Value Proposition", 50, False, False),
    ("Id. Decision Makers", 60, False, False),
    ("Perception Analysis", 70, False, False),
    ("Proposal/Price Quote", 75, False, False),
    ("Negotiation/Review", 90, False, False),
    ("Closed Won", 100, True, True),
    ("Closed Lost", 0, True, False),
]


@dataclass
class FakeOpportunity:
    id: str
    name: str
    stage: str
    account_id: str | None
    modified: datetime
    owner_id: str | None = None


@dataclass
class FakeSalesforceData:
    accounts: dict[str, str] = field(default_factory=dict)
    opportunities: dict[str, FakeOpportunity] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # id -> email
    tasks: list[dict[str, Any]] = field(default_factory=list)


def _sf_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeSalesforce(HttpFake):
    token = SALESFORCE_TOKEN

    def __init__(self, *, tls: tuple[str, str], page_size: int = 2000) -> None:
        super().__init__(tls=tls)
        self.data = FakeSalesforceData()
        self.page_size = page_size
        self._ids = itertools.count(1)
        self._cursors: dict[str, list[dict[str, Any]]] = {}

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):015d}"

    def add_account(self, name: str) -> str:
        account_id = self._new_id("001")
        self.data.accounts[account_id] = name
        return account_id

    def add_opportunity(
        self,
        account_id: str | None,
        name: str,
        stage: str,
        *,
        modified: datetime | None = None,
        owner_email: str | None = None,
    ) -> str:
        owner_id = None
        if owner_email is not None:
            owner_id = next((i for i, e in self.data.users.items() if e == owner_email), None)
            if owner_id is None:
                owner_id = self._new_id("005")
                self.data.users[owner_id] = owner_email
        opp_id = self._new_id("006")
        self.data.opportunities[opp_id] = FakeOpportunity(
            opp_id, name, stage, account_id, modified or datetime.now(UTC), owner_id
        )
        return opp_id

    def move_opportunity(self, opp_id: str, stage: str, *, at: datetime | None = None) -> None:
        opp = self.data.opportunities[opp_id]
        opp.stage = stage
        opp.modified = at or datetime.now(UTC)

    def error_body(self, status: int) -> Any:
        code = {401: "INVALID_SESSION_ID", 429: "REQUEST_LIMIT_EXCEEDED"}.get(status, "UNKNOWN")
        return [{"message": f"HTTP {status}", "errorCode": code}]

    def route(self, call: CrmCall) -> tuple[int, Any]:
        base = f"/services/data/{VERSION}"
        if call.method == "GET" and call.path.rstrip("/") == f"{base}/query":
            return 200, self._first_page(call.query.get("q", ""))
        more = re.fullmatch(rf"{re.escape(base)}/query/([\w-]+)", call.path)
        if call.method == "GET" and more:
            return 200, self._next_page(more.group(1))
        if call.method == "POST" and call.path.rstrip("/") == f"{base}/sobjects/Task":
            task_id = self._new_id("00T")
            self.data.tasks.append({"Id": task_id, **call.body})
            return 201, {"id": task_id, "success": True, "errors": []}
        return 404, [{"message": f"no route {call.path}", "errorCode": "NOT_FOUND"}]

    def _first_page(self, soql: str) -> dict[str, Any]:
        return self._paged(self._records(soql))

    def _next_page(self, locator: str) -> dict[str, Any]:
        return self._paged(self._cursors.pop(locator, []))

    def _paged(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        page, rest = records[: self.page_size], records[self.page_size :]
        result: dict[str, Any] = {"totalSize": len(records), "done": not rest, "records": page}
        if rest:
            locator = f"01g{uuid.uuid4().hex[:12]}-{self.page_size}"
            self._cursors[locator] = rest
            result["nextRecordsUrl"] = f"/services/data/{VERSION}/query/{locator}"
        return result

    def _records(self, soql: str) -> list[dict[str, Any]]:
        if "FROM OpportunityStage" in soql:
            return [
                {
                    "attributes": {"type": "OpportunityStage"},
                    "ApiName": label,
                    "MasterLabel": label,
                    "SortOrder": order,
                    "DefaultProbability": probability,
                    "IsClosed": closed,
                    "IsWon": won,
                }
                for order, (label, probability, closed, won) in enumerate(STANDARD_STAGES, 1)
            ]
        if "FROM Account" in soql:
            open_accounts = {
                o.account_id for o in self.data.opportunities.values() if not self._closed(o)
            }
            return [
                {"attributes": {"type": "Account"}, "Id": i, "Name": n}
                for i, n in sorted(self.data.accounts.items(), key=lambda x: x[1])
                if i in open_accounts
            ]
        user = re.search(r"FROM User WHERE Id = '(\w+)'", soql)
        if user:
            email = self.data.users.get(user.group(1))
            return [{"attributes": {"type": "User"}, "Email": email}] if email else []
        opps = list(self.data.opportunities.values())
        account = re.search(r"AccountId = '(\w+)'", soql)
        if account:
            opps = [o for o in opps if o.account_id == account.group(1)]
        since = re.search(r"LastModifiedDate > (\S+)", soql)
        if since:
            moment = datetime.fromisoformat(since.group(1).replace("Z", "+00:00"))
            opps = [o for o in opps if o.modified.replace(microsecond=0) > moment]
        opps.sort(key=lambda o: o.modified, reverse="DESC" in soql)
        return [self._opportunity(o) for o in opps]

    def _closed(self, opp: FakeOpportunity) -> bool:
        return any(label == opp.stage and closed for label, _, closed, _ in STANDARD_STAGES)

    def _opportunity(self, o: FakeOpportunity) -> dict[str, Any]:
        return {
            "attributes": {
                "type": "Opportunity",
                "url": f"/services/data/{VERSION}/sobjects/Opportunity/{o.id}",
            },
            "Id": o.id,
            "Name": o.name,
            "StageName": o.stage,
            "LastModifiedDate": _sf_time(o.modified),
            "IsClosed": self._closed(o),
            "AccountId": o.account_id,
            "Account": {
                "attributes": {"type": "Account"},
                "Name": self.data.accounts.get(o.account_id or ""),
            },
            "OwnerId": o.owner_id,
            "Owner": {
                "attributes": {"type": "User"},
                "Email": self.data.users.get(o.owner_id or ""),
            },
        }
