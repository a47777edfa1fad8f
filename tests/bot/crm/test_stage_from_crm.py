"""An answer's stage read from the CRM: the name in the question, the deal that decides, the order
of sources, several companies matching, and every fault falling back within the timeout."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.crm.hubspot import HubSpotCrm
from bot.crm.lookup import CrmStages
from bot.crm.salesforce import SalesforceCrm
from bot.recommend import AmbiguousProspect, Question, recommend
from bot.services import Services
from bot.settings import Settings
from content_store.db import transaction
from content_store.models import Recommendation
from content_store.prospects import set_prospect_stage
from content_store.stage import Stage
from index.embedder import Embedder
from tests.conftest import SampleTemplate, start_ingested
from tests.crm_support import HUBSPOT_TOKEN, SALESFORCE_TOKEN, FakeHubSpot, FakeSalesforce, Fault

TIMEOUT_MS = 400
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def crm_settings(settings: Settings) -> Settings:
    return replace(settings, crm="hubspot", hubspot_token=HUBSPOT_TOKEN, crm_timeout_ms=TIMEOUT_MS)


@pytest.fixture
def bot(
    crm_settings: Settings,
    embedder: Embedder,
    sample_template: SampleTemplate,
    fake_hubspot: FakeHubSpot,
) -> Iterator[Services]:
    services = start_ingested(crm_settings, embedder, sample_template)
    crm = HubSpotCrm(HUBSPOT_TOKEN, api_url=fake_hubspot.base_url, timeout_s=TIMEOUT_MS / 1000)
    services.crm = CrmStages(crm_settings, crm)
    # As serve does: loading the index (its language detector holds the GIL for ~1 s) is no
    # part of the CRM's 400 ms; on a busy machine it made the first lookup miss its deadline.
    services.warm_up()
    yield services
    services.close()


def logged(services: Services, recommendation_id: int) -> Recommendation:
    with services.sessions() as session:
        row = session.scalar(select(Recommendation).where(Recommendation.id == recommendation_id))
        assert row is not None
        return row


def test_the_stage_comes_from_the_most_recently_changed_open_deal(
    bot: Services, fake_hubspot: FakeHubSpot
) -> None:
    company = fake_hubspot.add_company("Brightwater Health")
    fake_hubspot.add_deal(
        company, "Brightwater – pilot", "appointmentscheduled", modified=AN_HOUR_AGO
    )
    deal = fake_hubspot.add_deal(company, "Brightwater – 40 stores", "contractsent")
    fake_hubspot.add_deal(company, "Brightwater – old", "closedlost")  # newest, but closed

    answer = recommend(bot, Question(text="what do I send Brightwater?"))

    assert answer.stage.stage is Stage.DECISION
    assert answer.stage.source == "crm"
    assert answer.stage.explain() == (
        "decision stage, from HubSpot: deal 'Brightwater – 40 stores' is in Contract sent"
    )
    assert answer.prospect == "Brightwater Health"
    assert answer.to_json()["stage_source"] == "crm"
    assert answer.to_json()["crm"] == {
        "system": "hubspot",
        "deal_id": deal,
        "deal_name": "Brightwater – 40 stores",
        "raw_stage": "contractsent",
        "stage_label": "Contract sent",
    }
    row = logged(bot, answer.recommendation_id)
    assert (row.stage, row.stage_source, row.prospect) == ("decision", "crm", "Brightwater Health")
    assert (row.crm_system, row.crm_object_id, row.crm_raw_stage) == (
        "hubspot",
        deal,
        "contractsent",
    )


def test_a_stated_stage_beats_the_crm_and_the_crm_beats_the_stored_stage(
    bot: Services, fake_hubspot: FakeHubSpot
) -> None:
    company = fake_hubspot.add_company("Acme")
    fake_hubspot.add_deal(company, "Acme – 40 stores", "qualifiedtobuy")
    with transaction(bot.sessions) as session:
        set_prospect_stage(session, "Acme", Stage.DECISION)

    from_crm = recommend(bot, Question(text="anything for Acme?"))
    fake_hubspot.clear()
    stated = recommend(bot, Question(text="Acme is in the awareness stage, what helps?"))

    assert (from_crm.stage.stage, from_crm.stage.source) == (Stage.CONSIDERATION, "crm")
    assert (stated.stage.stage, stated.stage.source) == (Stage.AWARENESS, "stated")
    assert fake_hubspot.calls == []  # a stated stage never asks the CRM


def test_no_open_deal_falls_through_and_says_so(bot: Services, fake_hubspot: FakeHubSpot) -> None:
    company = fake_hubspot.add_company("Acme")
    fake_hubspot.add_deal(company, "Acme – pilot", "qualifiedtobuy")
    bot.crm.directory()  # type: ignore[union-attr]  # Acme listed while its deal was open
    fake_hubspot.move_deal(next(iter(fake_hubspot.data.deals)), "closedlost")
    with transaction(bot.sessions) as session:
        set_prospect_stage(session, "Acme", Stage.DECISION)

    answer = recommend(bot, Question(text="anything for Acme?"))

    assert (answer.stage.stage, answer.stage.source) == (Stage.DECISION, "prospect")
    assert "no open deal in HubSpot for Acme" in answer.stage.explain()


def test_several_companies_matching_ask_which_unless_named_exactly(
    bot: Services, fake_hubspot: FakeHubSpot
) -> None:
    for name, stage in (("Acme", "contractsent"), ("Acme Foods", "appointmentscheduled")):
        fake_hubspot.add_deal(fake_hubspot.add_company(name), f"{name} deal", stage)

    with pytest.raises(AmbiguousProspect) as raised:
        recommend(bot, Question(text="what do I send Acme?"))
    named = recommend(bot, Question(text="what do I send Acme?", prospect="acme"))
    longer = recommend(bot, Question(text="what do I send Acme Foods?"))

    assert raised.value.names == ["Acme", "Acme Foods"]
    assert (named.prospect, named.stage.stage) == ("Acme", Stage.DECISION)
    assert (longer.prospect, longer.stage.stage) == ("Acme Foods", Stage.AWARENESS)
    with bot.sessions() as session:  # the ambiguous question was not answered, so not logged
        assert len(session.scalars(select(Recommendation)).all()) == 2


def test_a_warm_cache_answers_without_asking_the_crm(
    bot: Services, fake_hubspot: FakeHubSpot
) -> None:
    fake_hubspot.add_deal(fake_hubspot.add_company("Acme"), "Acme deal", "contractsent")
    recommend(bot, Question(text="anything for Acme?"))
    fake_hubspot.clear()

    again = recommend(bot, Question(text="pricing sheet for Acme"))

    assert again.stage.source == "crm"
    assert fake_hubspot.calls == []


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=401),
        Fault(status=429, retry_after=120),
        Fault(status=500),
        Fault(delay=2.0),
        Fault(hang=True),
    ],
    ids=["401", "429", "500", "slow", "hang"],
)
def test_a_failing_crm_falls_back_within_the_timeout_and_logs_once(
    bot: Services, fake_hubspot: FakeHubSpot, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    fake_hubspot.add_deal(fake_hubspot.add_company("Acme"), "Acme deal", "contractsent")
    with transaction(bot.sessions) as session:
        set_prospect_stage(session, "Acme", Stage.CONSIDERATION)
    fake_hubspot.fail(fault)

    with caplog.at_level(logging.WARNING, logger="bot.crm.lookup"):
        answers = [recommend(bot, Question(text="anything for Acme?")) for _ in range(2)]

    for answer in answers:
        assert (answer.stage.stage, answer.stage.source) == (Stage.CONSIDERATION, "prospect")
        # Bounded by the CRM timeout (400 ms), not by the fault (2 s, 30 s, or a 120 s Retry-After).
        assert answer.latency_ms < 1_900
    warnings = [r for r in caplog.records if "HubSpot unavailable" in r.getMessage()]
    assert len(warnings) == 1
    assert HUBSPOT_TOKEN not in caplog.text


def test_salesforce_opportunity_decides_too(
    crm_settings: Settings,
    embedder: Embedder,
    sample_template: SampleTemplate,
    fake_salesforce: FakeSalesforce,
) -> None:
    account = fake_salesforce.add_account("Globex")
    opp = fake_salesforce.add_opportunity(account, "Globex – rollout", "Value Proposition")
    settings = replace(
        crm_settings,
        crm="salesforce",
        salesforce_instance_url=fake_salesforce.base_url,
        salesforce_token=SALESFORCE_TOKEN,
        crm_timeout_ms=3000,
    )
    # The services build their CRM from the settings alone.
    services = start_ingested(settings, embedder, sample_template)
    try:
        assert services.crm is not None and isinstance(services.crm.crm, SalesforceCrm)
        answer = recommend(services, Question(text="what should I send to Globex next?"))
    finally:
        services.close()

    assert (answer.stage.stage, answer.stage.source) == (Stage.CONSIDERATION, "crm")
    assert answer.crm is not None and (answer.crm.system, answer.crm.deal_id) == ("salesforce", opp)
    assert answer.stage.explain().endswith(
        "from Salesforce: deal 'Globex – rollout' is in Value Proposition"
    )
