"""CRM settings: a missing or malformed one stops start-up with one line naming it."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError

HUBSPOT = {"FUNNELBOT_CRM": "hubspot", "FUNNELBOT_HUBSPOT_TOKEN": "pat-na1-abc-123"}
SALESFORCE = {
    "FUNNELBOT_CRM": "salesforce",
    "FUNNELBOT_SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
    "FUNNELBOT_SALESFORCE_TOKEN": "00Dxx!secret-session",
}


def test_defaults_without_a_crm() -> None:
    settings = Settings.from_env({})
    assert settings.crm is None
    assert (settings.crm_timeout_ms, settings.crm_cache_seconds) == (800, 300)
    assert (settings.crm_poll_minutes, settings.crm_push_daily_max) == (10, 5)
    assert settings.crm_log_sent is False


def test_hubspot_and_salesforce_settings_are_read() -> None:
    hubspot = Settings.from_env(HUBSPOT | {"FUNNELBOT_CRM_LOG_SENT": "1"})
    salesforce = Settings.from_env(SALESFORCE | {"FUNNELBOT_CRM_TIMEOUT_MS": "250"})
    assert hubspot.crm == "hubspot" and hubspot.crm_log_sent
    assert salesforce.crm == "salesforce" and salesforce.crm_timeout_ms == 250
    login = Settings.from_env(
        {
            "FUNNELBOT_CRM": "Salesforce",
            "FUNNELBOT_SALESFORCE_USERNAME": "ann@example.com",
            "FUNNELBOT_SALESFORCE_PASSWORD": "pw",
            "FUNNELBOT_SALESFORCE_SECURITY_TOKEN": "tok",
        }
    )
    assert login.salesforce_username == "ann@example.com"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"FUNNELBOT_CRM": "pipedrive"}, "FUNNELBOT_CRM"),
        ({"FUNNELBOT_CRM": "hubspot"}, "FUNNELBOT_HUBSPOT_TOKEN"),
        (HUBSPOT | {"FUNNELBOT_HUBSPOT_TOKEN": "secret-not-a-pat"}, "FUNNELBOT_HUBSPOT_TOKEN"),
        (HUBSPOT | {"FUNNELBOT_HUBSPOT_API_URL": "localhost:9"}, "FUNNELBOT_HUBSPOT_API_URL"),
        ({"FUNNELBOT_CRM": "salesforce"}, "FUNNELBOT_SALESFORCE_USERNAME"),
        (
            {"FUNNELBOT_CRM": "salesforce", "FUNNELBOT_SALESFORCE_TOKEN": "secret-session"},
            "FUNNELBOT_SALESFORCE_INSTANCE_URL",
        ),
        (SALESFORCE | {"FUNNELBOT_SALESFORCE_INSTANCE_URL": "acme"}, "INSTANCE_URL"),
        (HUBSPOT | {"FUNNELBOT_CRM_TIMEOUT_MS": "fast"}, "FUNNELBOT_CRM_TIMEOUT_MS"),
        (HUBSPOT | {"FUNNELBOT_CRM_POLL_MINUTES": "0"}, "FUNNELBOT_CRM_POLL_MINUTES"),
        (HUBSPOT | {"FUNNELBOT_CRM_LOG_SENT": "maybe"}, "FUNNELBOT_CRM_LOG_SENT"),
    ],
)
def test_a_bad_crm_setting_is_named_in_one_line(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert named in message and "\n" not in message
    assert "secret" not in message


def test_tokens_stay_out_of_the_settings_repr() -> None:
    text = repr(Settings.from_env(HUBSPOT)) + repr(Settings.from_env(SALESFORCE))
    assert "pat-na1-abc-123" not in text and "secret-session" not in text
