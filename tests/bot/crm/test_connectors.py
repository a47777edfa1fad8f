"""Both connectors against the fakes: what they read, how they page, how faults come out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.crm import CrmUnavailable
from bot.crm.hubspot import HubSpotCrm
from bot.crm.salesforce import SalesforceCrm
from tests.bot.crm.conftest import AN_HOUR_AGO
from tests.crm_support import HUBSPOT_TOKEN, SALESFORCE_TOKEN, FakeHubSpot, FakeSalesforce, Fault


def hubspot(fake: FakeHubSpot, timeout_s: float = 5.0) -> HubSpotCrm:
    return HubSpotCrm(HUBSPOT_TOKEN, api_url=fake.base_url, timeout_s=timeout_s)


def salesforce(fake: FakeSalesforce, timeout_s: float = 5.0) -> SalesforceCrm:
    return SalesforceCrm(instance_url=fake.base_url, token=SALESFORCE_TOKEN, timeout_s=timeout_s)


def test_hubspot_reads_companies_deals_pipelines_and_owners(fake_hubspot: FakeHubSpot) -> None:
    acme = fake_hubspot.add_company("Acme")
    done = fake_hubspot.add_company("Donecorp")
    fake_hubspot.add_deal(acme, "Acme – pilot", "qualifiedtobuy", modified=AN_HOUR_AGO)
    fake_hubspot.add_deal(acme, "Acme – 40 stores", "contractsent", owner_email="ann@example.com")
    fake_hubspot.add_deal(done, "Donecorp renewal", "closedwon")
    crm = hubspot(fake_hubspot)

    assert [c.name for c in crm.companies_with_open_deals()] == ["Acme"]
    deals = crm.deals_of(acme)
    assert [d.name for d in deals] == ["Acme – 40 stores", "Acme – pilot"]
    assert deals[0].stage_id == "contractsent" and deals[0].pipeline_id == "default"
    assert crm.owner_email(deals[0].owner_id or "") == "ann@example.com"
    (pipeline,) = crm.pipelines()
    contract = pipeline.stage("contractsent")
    won = pipeline.stage("closedwon")
    assert contract is not None and contract.label == "Contract sent"
    assert contract.probability == pytest.approx(0.9) and not contract.closed
    assert won is not None and won.closed and won.won
    search = fake_hubspot.calls_to("/crm/v3/objects/deals/search")[0]
    assert search.body["filterGroups"][0]["filters"][0]["propertyName"] == "associations.company"
    assert all(c.token == HUBSPOT_TOKEN for c in fake_hubspot.calls)


def test_hubspot_pages_through_deals_modified_since(fake_hubspot: FakeHubSpot) -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(130):
        fake_hubspot.add_deal(
            None, f"deal {n}", "qualifiedtobuy", modified=start + timedelta(minutes=n)
        )

    changed = list(hubspot(fake_hubspot).deals_modified_since(start + timedelta(minutes=9)))

    assert [d.name for d in changed] == [f"deal {n}" for n in range(10, 130)]
    pages = fake_hubspot.calls_to("/crm/v3/objects/deals/search")
    assert [c.body.get("after") for c in pages] == [None, "100"]


def test_hubspot_note_is_associated_with_the_deal(fake_hubspot: FakeHubSpot) -> None:
    deal = fake_hubspot.add_deal(None, "Acme – 40 stores", "contractsent")

    hubspot(fake_hubspot).add_note(deal, subject="Sent “Pricing sheet”", body="https://x/p")

    (note,) = fake_hubspot.data.notes
    assert note["associations"][0]["to"]["id"] == deal
    assert note["associations"][0]["types"][0]["associationTypeId"] == 214
    assert "Pricing sheet" in note["properties"]["hs_note_body"]


def test_salesforce_reads_accounts_opportunities_and_stages(
    fake_salesforce: FakeSalesforce,
) -> None:
    acme = fake_salesforce.add_account("Acme")
    lost = fake_salesforce.add_account("Lostco")
    fake_salesforce.add_opportunity(
        acme, "Acme – 40 stores", "Negotiation/Review", owner_email="bob@example.com"
    )
    fake_salesforce.add_opportunity(lost, "Lostco", "Closed Lost")
    crm = salesforce(fake_salesforce)

    assert [c.name for c in crm.companies_with_open_deals()] == ["Acme"]
    (deal,) = crm.deals_of(acme)
    assert (deal.name, deal.stage_id, deal.owner_email) == (
        "Acme – 40 stores",
        "Negotiation/Review",
        "bob@example.com",
    )
    assert crm.owner_email(deal.owner_id or "") == "bob@example.com"
    (pipeline,) = crm.pipelines()
    negotiation = pipeline.stage("Negotiation/Review")
    assert negotiation is not None and negotiation.probability == pytest.approx(0.9)
    assert [s.label for s in pipeline.stages if s.closed] == ["Closed Won", "Closed Lost"]


def test_salesforce_follows_next_records_url(fake_salesforce: FakeSalesforce) -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(5):
        fake_salesforce.add_opportunity(
            None, f"opp {n}", "Prospecting", modified=start + timedelta(minutes=n)
        )

    changed = list(salesforce(fake_salesforce).deals_modified_since(start - timedelta(minutes=1)))

    assert [d.name for d in changed] == [f"opp {n}" for n in range(5)]
    first, *more = fake_salesforce.calls_to("/query/")
    assert "q" in first.query and len(more) == 2  # pages two and three, by nextRecordsUrl
    assert all(c.path.startswith("/services/data/v59.0/query/01g") for c in more)


def test_salesforce_task_is_created_on_the_opportunity(fake_salesforce: FakeSalesforce) -> None:
    opp = fake_salesforce.add_opportunity(None, "Acme", "Prospecting")

    salesforce(fake_salesforce).add_note(opp, subject="Sent “Pricing sheet”", body="https://x/p")

    (task,) = fake_salesforce.data.tasks
    assert task["WhatId"] == opp and task["Subject"] == "Sent “Pricing sheet”"
    assert fake_salesforce.calls_to("/sobjects/Task", "POST")


@pytest.mark.parametrize(
    ("fault", "kind", "retry_after"),
    [
        (Fault(status=401), "unauthorised", None),
        (Fault(status=429, retry_after=7), "rate_limited", 7.0),
        (Fault(status=500), "server", None),
        (Fault(delay=1.0), "timeout", None),
    ],
)
def test_faults_become_crm_unavailable_without_the_token(
    fake_hubspot: FakeHubSpot,
    fake_salesforce: FakeSalesforce,
    fault: Fault,
    kind: str,
    retry_after: float | None,
) -> None:
    company = fake_hubspot.add_company("Acme")
    account = fake_salesforce.add_account("Acme")
    for fake, read in (
        (fake_hubspot, lambda: hubspot(fake_hubspot, 0.3).deals_of(company)),  # a POST
        (fake_hubspot, lambda: hubspot(fake_hubspot, 0.3).pipelines()),  # a GET: no retries
        (fake_salesforce, lambda: salesforce(fake_salesforce, 0.3).deals_of(account)),
    ):
        fake.fail(Fault(**vars(fault)))
        with pytest.raises(CrmUnavailable) as raised:
            read()
        fake.fail(None)
        assert raised.value.kind == kind
        assert raised.value.retry_after == retry_after
        assert HUBSPOT_TOKEN not in str(raised.value) and SALESFORCE_TOKEN not in str(raised.value)
