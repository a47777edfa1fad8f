"""The settings Ask marketing and unfurls read: a wrong value is named in one line."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError


def test_request_and_unfurl_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "FUNNELBOT_MARKETING_GROUP": "S0MKT123",
            "FUNNELBOT_REQUEST_REMIND_HOURS": "2.5",
            "FUNNELBOT_UNFURL_DOMAINS": "https://Content.Example.com/, docs.example.org "
            "docs.example.org",
        }
    )
    assert settings.marketing_group == "S0MKT123"
    assert settings.request_remind_hours == 2.5
    assert settings.unfurl_domains == ("content.example.com", "docs.example.org")
    defaults = Settings.from_env({})
    assert (defaults.marketing_group, defaults.request_remind_hours) == (None, 4.0)
    assert defaults.unfurl_domains == ()


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("FUNNELBOT_MARKETING_GROUP", "@marketing", "user-group id"),
        ("FUNNELBOT_REQUEST_REMIND_HOURS", "soon", "FUNNELBOT_REQUEST_REMIND_HOURS"),
        ("FUNNELBOT_REQUEST_REMIND_HOURS", "0", "between"),
        ("FUNNELBOT_UNFURL_DOMAINS", "not a host!", "FUNNELBOT_UNFURL_DOMAINS"),
    ],
)
def test_a_malformed_setting_is_named(name: str, value: str, named: str) -> None:
    with pytest.raises(SettingsError, match=named) as raised:
        Settings.from_env({name: value})
    assert "\n" not in str(raised.value)
