"""HubSpot through hubspot-api-client, with a private app's access token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from bot.crm.base import Company, CrmError, CrmUnavailable, Deal, Pipeline, PipelineStage

T = TypeVar("T")

DEAL_PROPERTIES = ["dealname", "dealstage", "pipeline", "hs_lastmodifieddate", "hubspot_owner_id"]
PAGE_SIZE = 100
# HubSpot's association type for a note attached to a deal (HUBSPOT_DEFINED).
NOTE_TO_DEAL = 214


class HubSpotCrm:
    system = "hubspot"
    label = "HubSpot"

    def __init__(self, token: str, *, api_url: str | None = None, timeout_s: float = 10.0):
        from hubspot import HubSpot
        from urllib3.util.retry import Retry

        # No retries inside the client: urllib3 would otherwise sleep out a 429's Retry-After
        # (minutes) within one call. The poller and the note worker retry on their own terms.
        no_retries = Retry(total=0, respect_retry_after_header=False, raise_on_status=False)
        options: dict[str, Any] = {"access_token": token, "retry": no_retries}
        if api_url:
            options["host"] = api_url.rstrip("/")
        self._client = HubSpot(**options)
        self._timeout = timeout_s

    def companies_with_open_deals(self) -> list[Company]:
        request = {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_num_open_deals", "operator": "GT", "value": "0"}]}
            ],
            "properties": ["name"],
            "limit": PAGE_SIZE,
        }
        search = self._client.crm.companies.search_api.do_search
        return [
            Company(id=str(row.id), name=str(row.properties.get("name") or "").strip())
            for row in self._search(search, request)
            if (row.properties.get("name") or "").strip()
        ]

    def deals_of(self, company_id: str) -> list[Deal]:
        request = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "associations.company",
                            "operator": "EQ",
                            "value": company_id,
                        }
                    ]
                }
            ],
            "properties": DEAL_PROPERTIES,
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}],
            "limit": PAGE_SIZE,
        }
        search = self._client.crm.deals.search_api.do_search
        deals = [_deal(row, company_id=company_id) for row in self._search(search, request)]
        return sorted(deals, key=lambda d: d.modified_at, reverse=True)

    def pipelines(self) -> list[Pipeline]:
        response = self._call(
            lambda: self._client.crm.pipelines.pipelines_api.get_all(
                object_type="deals", _request_timeout=self._timeout
            )
        )
        return [
            Pipeline(
                id=str(p.id),
                label=str(p.label),
                stages=tuple(
                    sorted(
                        (_stage(s) for s in p.stages),
                        key=lambda s: s.order,
                    )
                ),
            )
            for p in response.results
        ]

    def owner_email(self, owner_id: str) -> str | None:
        owner = self._call(
            lambda: self._client.crm.owners.owners_api.get_by_id(
                owner_id=int(owner_id), _request_timeout=self._timeout
            )
        )
        return str(owner.email) if owner.email else None

    def deals_modified_since(self, since: datetime) -> Iterator[Deal]:
        millis = int(since.timestamp() * 1000)
        request = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "hs_lastmodifieddate",
                            "operator": "GT",
                            "value": str(millis),
                        }
                    ]
                }
            ],
            "properties": DEAL_PROPERTIES,
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "limit": PAGE_SIZE,
        }
        search = self._client.crm.deals.search_api.do_search
        for row in self._search(search, request):
            yield _deal(row)

    def add_note(self, deal_id: str, *, subject: str, body: str) -> str:
        note = {
            "properties": {
                "hs_note_body": f"<p><strong>{_html(subject)}</strong></p><p>{_html(body)}</p>",
                "hs_timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            },
            "associations": [
                {
                    "to": {"id": deal_id},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": NOTE_TO_DEAL,
                        }
                    ],
                }
            ],
        }
        created = self._call(
            lambda: self._client.crm.objects.notes.basic_api.create(
                simple_public_object_input_for_create=note, _request_timeout=self._timeout
            )
        )
        return str(created.id)

    def _search(self, search: Callable[..., Any], request: dict[str, Any]) -> Iterator[Any]:
        """Every result of a CRM search, following `paging.next.after`."""
        after: str | None = None
        while True:
            body = dict(request, after=after) if after else request
            page: Any = self._call(
                partial(search, public_object_search_request=body, _request_timeout=self._timeout)
            )
            yield from page.results
            following = page.paging.next if page.paging else None
            if following is None or not following.after:
                return
            after = str(following.after)

    def _call(self, call: Callable[[], T]) -> T:
        """Run one API call, turning the library's failures into CrmUnavailable / CrmError."""
        import urllib3

        try:
            return call()
        except urllib3.exceptions.HTTPError as error:
            kind = "timeout" if "timed out" in str(error).lower() else "connection"
            raise CrmUnavailable(self.label, kind, type(error).__name__) from None
        except OSError as error:
            raise CrmUnavailable(self.label, "connection", type(error).__name__) from None
        except Exception as error:
            status = getattr(error, "status", None)
            if status is None:
                raise
            raise _api_error(self.label, int(status), getattr(error, "headers", None)) from None


def _api_error(label: str, status: int, headers: Any) -> CrmError:
    if status == 429:
        retry_after = None
        raw = (headers or {}).get("Retry-After")
        if raw is not None:
            try:
                retry_after = float(raw)
            except ValueError:
                retry_after = None
        return CrmUnavailable(label, "rate_limited", "HTTP 429", retry_after)
    if status in (401, 403):
        return CrmUnavailable(label, "unauthorised", f"HTTP {status}: check the token's scopes")
    if status == 0:
        return CrmUnavailable(label, "connection", "no response")
    if status >= 500:
        return CrmUnavailable(label, "server", f"HTTP {status}")
    return CrmError(f"{label}: HTTP {status}")


def _deal(row: Any, *, company_id: str | None = None) -> Deal:
    props = row.properties or {}
    modified = props.get("hs_lastmodifieddate") or row.updated_at
    return Deal(
        id=str(row.id),
        name=str(props.get("dealname") or f"deal {row.id}"),
        stage_id=str(props.get("dealstage") or ""),
        pipeline_id=str(props.get("pipeline") or "default"),
        modified_at=_when(modified),
        company_id=company_id,
        owner_id=str(props["hubspot_owner_id"]) if props.get("hubspot_owner_id") else None,
    )


def _stage(raw: Any) -> PipelineStage:
    metadata = raw.metadata or {}
    probability = metadata.get("probability")
    return PipelineStage(
        id=str(raw.id),
        label=str(raw.label),
        order=int(raw.display_order or 0),
        probability=float(probability) if probability not in (None, "") else None,
        closed=str(metadata.get("isClosed", "false")).lower() == "true",
        won=str(metadata.get("isClosed", "false")).lower() == "true"
        and probability not in (None, "")
        and float(probability) >= 1.0,
    )


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _html(text: str) -> str:
    from html import escape

    return escape(text)
