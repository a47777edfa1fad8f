"""A local fake of the HubSpot CRM v3 API, as hubspot-api-client calls it.

Companies search (`hs_num_open_deals`), deals search (by `associations.company` or by
`hs_lastmodifieddate`, sorted, paged with `after`), deal pipelines, owners, and notes created with
an association to a deal.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.crm_support.http_fake import CrmCall, HttpFake

HUBSPOT_TOKEN = "pat-na1-0000-test"
ISO = "2026-01-01T00:00:00.000Z"

# HubSpot's default sales pipeline, as a new portal has it.
DEFAULT_STAGES = [
    ("appointmentscheduled", "Appointment scheduled", "0.2", "false"),
    ("qualifiedtobuy", "Qualified to buy", "0.4", "false"),
    ("presentationscheduled", "Presentation scheduled", "0.6", "false"),
    ("decisionmakerboughtin", "Decision maker bought-in", "0.8", "false"),
    ("contractsent", "Contract sent", "0.9", "false"),
    ("closedwon", "Closed won", "1.0", "true"),
    ("closedlost", "Closed lost", "0.0", "true"),
]


@dataclass
class FakeDeal:
    id: str
    name: str
    stage: str
    company_id: str | None
    modified: datetime
    owner_id: str | None = None
    pipeline: str = "default"


@dataclass
class FakeHubSpotData:
    companies: dict[str, str] = field(default_factory=dict)  # id -> name
    deals: dict[str, FakeDeal] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # id -> email
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


class FakeHubSpot(HttpFake):
    token = HUBSPOT_TOKEN

    def __init__(self) -> None:
        super().__init__()
        self.data = FakeHubSpotData(pipelines=[self._pipeline("default", "Sales Pipeline")])
        self._ids = itertools.count(1000)

    def add_company(self, name: str) -> str:
        company_id = str(next(self._ids))
        self.data.companies[company_id] = name
        return company_id

    def add_deal(
        self,
        company_id: str | None,
        name: str,
        stage: str,
        *,
        modified: datetime | None = None,
        owner_email: str | None = None,
        pipeline: str = "default",
    ) -> str:
        deal_id = str(next(self._ids))
        owner_id = None
        if owner_email is not None:
            owner_id = next((i for i, e in self.data.owners.items() if e == owner_email), None)
            if owner_id is None:
                owner_id = str(next(self._ids))
                self.data.owners[owner_id] = owner_email
        self.data.deals[deal_id] = FakeDeal(
            deal_id, name, stage, company_id, modified or datetime.now(UTC), owner_id, pipeline
        )
        return deal_id

    def move_deal(self, deal_id: str, stage: str, *, at: datetime | None = None) -> None:
        deal = self.data.deals[deal_id]
        deal.stage = stage
        deal.modified = at or datetime.now(UTC)

    def add_pipeline(self, pipeline_id: str, label: str, stages: list[tuple[str, str, str, str]]):
        self.data.pipelines.append(self._pipeline(pipeline_id, label, stages))

    def _pipeline(
        self, pipeline_id: str, label: str, stages: list[tuple[str, str, str, str]] | None = None
    ) -> dict[str, Any]:
        return {
            "id": pipeline_id,
            "label": label,
            "displayOrder": len(getattr(self, "data", FakeHubSpotData()).pipelines),
            "createdAt": ISO,
            "updatedAt": ISO,
            "archived": False,
            "stages": [
                {
                    "id": stage_id,
                    "label": stage_label,
                    "displayOrder": order,
                    "metadata": {"isClosed": closed, "probability": probability},
                    "createdAt": ISO,
                    "updatedAt": ISO,
                    "archived": False,
                    "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                }
                for order, (stage_id, stage_label, probability, closed) in enumerate(
                    stages or DEFAULT_STAGES
                )
            ],
        }

    def _closed(self, deal: FakeDeal) -> bool:
        for pipeline in self.data.pipelines:
            if pipeline["id"] == deal.pipeline:
                for stage in pipeline["stages"]:
                    if stage["id"] == deal.stage:
                        return bool(stage["metadata"]["isClosed"] == "true")
        return False

    def error_body(self, status: int) -> Any:
        return {
            "status": "error",
            "message": "Authentication credentials not found." if status == 401 else "failed",
            "correlationId": "00000000-0000-0000-0000-000000000000",
            "category": "INVALID_AUTHENTICATION" if status == 401 else "RATE_LIMITS",
        }

    def route(self, call: CrmCall) -> tuple[int, Any]:
        path = call.path
        if call.method == "POST" and path == "/crm/v3/objects/companies/search":
            return 200, self._search_companies(call.body)
        if call.method == "POST" and path == "/crm/v3/objects/deals/search":
            return 200, self._search_deals(call.body)
        if call.method == "GET" and path == "/crm/v3/pipelines/deals":
            return 200, {"results": self.data.pipelines}
        owner = re.fullmatch(r"/crm/v3/owners/(\d+)", path)
        if call.method == "GET" and owner:
            email = self.data.owners.get(owner.group(1))
            if email is None:
                return 404, {"status": "error", "message": "not found"}
            return 200, {
                "id": owner.group(1),
                "email": email,
                "firstName": email.split("@")[0],
                "lastName": "",
                "userId": int(owner.group(1)),
                "createdAt": ISO,
                "updatedAt": ISO,
                "archived": False,
            }
        if call.method == "POST" and path == "/crm/v3/objects/notes":
            note_id = str(next(self._ids))
            self.data.notes.append({"id": note_id, **call.body})
            return 201, {
                "id": note_id,
                "properties": call.body.get("properties", {}),
                "createdAt": ISO,
                "updatedAt": ISO,
                "archived": False,
            }
        return 404, {"status": "error", "message": f"no route {call.method} {path}"}

    def _search_companies(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = _filters(body)
        rows = []
        for company_id, name in sorted(self.data.companies.items()):
            open_deals = sum(
                1
                for d in self.data.deals.values()
                if d.company_id == company_id and not self._closed(d)
            )
            if "hs_num_open_deals" in filters and not open_deals > int(
                filters["hs_num_open_deals"][1]
            ):
                continue
            rows.append(
                {
                    "id": company_id,
                    "properties": {"name": name, "hs_object_id": company_id},
                    "createdAt": ISO,
                    "updatedAt": ISO,
                    "archived": False,
                }
            )
        return _page(rows, body)

    def _search_deals(self, body: dict[str, Any]) -> dict[str, Any]:
        filters = _filters(body)
        deals = list(self.data.deals.values())
        if "associations.company" in filters:
            deals = [d for d in deals if d.company_id == filters["associations.company"][1]]
        if "hs_lastmodifieddate" in filters:
            since = int(filters["hs_lastmodifieddate"][1])
            deals = [d for d in deals if int(_millis(d.modified)) > since]
        descending = any(s.get("direction") == "DESCENDING" for s in body.get("sorts", []))
        deals.sort(key=lambda d: d.modified, reverse=descending)
        rows = [
            {
                "id": d.id,
                "properties": {
                    "dealname": d.name,
                    "dealstage": d.stage,
                    "pipeline": d.pipeline,
                    "hs_lastmodifieddate": d.modified.isoformat(timespec="milliseconds").replace(
                        "+00:00", "Z"
                    ),
                    "hubspot_owner_id": d.owner_id,
                    "hs_object_id": d.id,
                },
                "createdAt": ISO,
                "updatedAt": d.modified.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "archived": False,
            }
            for d in deals
        ]
        return _page(rows, body)


def _filters(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    found = {}
    for group in body.get("filterGroups", []):
        for f in group.get("filters", []):
            found[f["propertyName"]] = (f["operator"], str(f.get("value")))
    return found


def _page(rows: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    start = int(body.get("after") or 0)
    limit = int(body.get("limit") or 10)
    page = rows[start : start + limit]
    result: dict[str, Any] = {"total": len(rows), "results": page}
    if start + limit < len(rows):
        after = str(start + limit)
        result["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
    return result
