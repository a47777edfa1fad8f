"""The CRM fakes, started per test, and settings that point funnelbot at them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.bot.slack.conftest import fake_slack, slack_bot  # noqa: F401  (fixtures used here)
from tests.bot.slack.conftest import slack_settings as plain_slack_settings  # noqa: F401
from tests.crm_support import (
    HUBSPOT_TOKEN,
    SALESFORCE_TOKEN,
    FakeHubSpot,
    FakeSalesforce,
    self_signed_certificate,
)

AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def fake_hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture(scope="session")
def fake_crm_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake_salesforce(
    fake_crm_certificate: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeSalesforce]:
    # simple-salesforce speaks https only: requests trusts the fake's certificate through this.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake_crm_certificate[0])
    with FakeSalesforce(tls=fake_crm_certificate, page_size=2) as fake:
        yield fake  # type: ignore[misc]


def hubspot_env(fake: FakeHubSpot, home: Path, database_url: str) -> dict[str, str]:
    return {
        "FUNNELBOT_HOME": str(home),
        "FUNNELBOT_DATABASE_URL": database_url,
        "FUNNELBOT_CRM": "hubspot",
        "FUNNELBOT_HUBSPOT_TOKEN": HUBSPOT_TOKEN,
        "FUNNELBOT_HUBSPOT_API_URL": fake.base_url,
    }


def salesforce_env(fake: FakeSalesforce, home: Path, database_url: str) -> dict[str, str]:
    return {
        "FUNNELBOT_HOME": str(home),
        "FUNNELBOT_DATABASE_URL": database_url,
        "FUNNELBOT_CRM": "salesforce",
        "FUNNELBOT_SALESFORCE_INSTANCE_URL": fake.base_url,
        "FUNNELBOT_SALESFORCE_TOKEN": SALESFORCE_TOKEN,
    }


@pytest.fixture
def slack_settings(plain_slack_settings: Settings, fake_hubspot: FakeHubSpot) -> Settings:  # noqa: F811
    """The Slack bot's settings (tests/bot/slack/conftest.py) with HubSpot at the fake."""
    return replace(
        plain_slack_settings,
        crm="hubspot",
        hubspot_token=HUBSPOT_TOKEN,
        hubspot_api_url=fake_hubspot.base_url,
        crm_timeout_ms=2000,
        crm_log_sent=True,
    )
