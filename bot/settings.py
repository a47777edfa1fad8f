"""All configuration, read from the environment in one place and passed around as one object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOME = Path(".funnelbot")
DEFAULT_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_BACKENDS = ("torch", "onnx", "onnx-int8")
# For the bundled model, whose quality on the sample eval was measured per backend (README,
# Performance); any other model defaults to torch, which runs whatever sentence-transformers runs.
DEFAULT_EMBEDDING_BACKEND = "onnx-int8"
_BUNDLED_MODEL_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and says what to do."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    home: Path = DEFAULT_HOME
    database_url: str = field(default="", repr=False)  # may hold a password
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = ""  # torch | onnx | onnx-int8; blank: the default for the model
    content_dir: Path | None = None
    top_k: int = 5
    # Best cosine similarity below which an answer is called weak (a content gap).
    weak_match_threshold: float = 0.35
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    marketing_channel: str | None = None  # channel id where each answer becomes a thread
    marketers: frozenset[str] = frozenset()  # user ids who see the marketing Home tab
    admins: frozenset[str] = frozenset()  # user ids allowed to /reindex, whatever Slack says
    digest_cron: str | None = None  # e.g. "0 9 * * MON": post the weekly digest
    reindex_cron: str | None = None  # e.g. "0 2 * * *": reindex FUNNELBOT_CONTENT_DIR
    # How long an answer waits on the database (connect, a query, a lock) before it answers
    # without it and spools its log row.
    db_timeout_seconds: float = 2.0
    # The CRM a prospect's stage is read from (docs/crm.md): None, "hubspot" or "salesforce".
    crm: str | None = None
    hubspot_token: str | None = field(default=None, repr=False)
    hubspot_api_url: str | None = None
    salesforce_instance_url: str | None = None
    salesforce_token: str | None = field(default=None, repr=False)
    salesforce_username: str | None = None
    salesforce_password: str | None = field(default=None, repr=False)
    salesforce_security_token: str | None = field(default=None, repr=False)
    crm_timeout_ms: int = 800  # the most an answer waits on the CRM
    crm_cache_seconds: int = 300
    crm_poll_minutes: int = 10
    crm_push_daily_max: int = 5  # pushes per rep per day
    crm_log_sent: bool = False  # "Sent it" writes a note on the deal

    def __post_init__(self) -> None:
        if not self.embedding_backend:
            bundled = self.embedding_model in _BUNDLED_MODEL_NAMES
            backend = DEFAULT_EMBEDDING_BACKEND if bundled else "torch"
            object.__setattr__(self, "embedding_backend", backend)
        if self.embedding_backend not in EMBEDDING_BACKENDS:
            raise SettingsError(
                f"FUNNELBOT_EMBEDDING_BACKEND must be one of {', '.join(EMBEDDING_BACKENDS)}, "
                f"got {self.embedding_backend!r}"
            )
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.home / 'funnelbot.db'}")
        self._check_crm()

    def _check_crm(self) -> None:
        """A CRM named without what it needs to connect stops start-up, naming the setting."""
        if self.crm is None:
            return
        if self.crm not in CRMS:
            raise SettingsError(f"FUNNELBOT_CRM must be hubspot or salesforce, got {self.crm!r}")
        if self.crm == "hubspot":
            token = self.hubspot_token
            if not token:
                raise SettingsError(
                    "FUNNELBOT_HUBSPOT_TOKEN is not set (a private app's access token, pat-…)"
                )
            if not re.fullmatch(r"pat-[A-Za-z0-9-]+", token):
                raise SettingsError(
                    "FUNNELBOT_HUBSPOT_TOKEN is malformed: a private app token starts with pat-"
                )
            _check_url(self.hubspot_api_url, "FUNNELBOT_HUBSPOT_API_URL")
            return
        _check_url(self.salesforce_instance_url, "FUNNELBOT_SALESFORCE_INSTANCE_URL")
        if self.salesforce_token:
            if not self.salesforce_instance_url:
                raise SettingsError(
                    "FUNNELBOT_SALESFORCE_INSTANCE_URL is not set (e.g. "
                    "https://yourorg.my.salesforce.com); the access token needs it"
                )
            if re.search(r"\s", self.salesforce_token):
                raise SettingsError("FUNNELBOT_SALESFORCE_TOKEN is malformed: it holds spaces")
            return
        for name, value in (
            ("FUNNELBOT_SALESFORCE_USERNAME", self.salesforce_username),
            ("FUNNELBOT_SALESFORCE_PASSWORD", self.salesforce_password),
            ("FUNNELBOT_SALESFORCE_SECURITY_TOKEN", self.salesforce_security_token),
        ):
            if not value:
                raise SettingsError(
                    f"{name} is not set (or set FUNNELBOT_SALESFORCE_INSTANCE_URL and "
                    "FUNNELBOT_SALESFORCE_TOKEN)"
                )

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def models_dir(self) -> Path:
        """Where the ONNX backends keep the models they export at first use."""
        return self.home / "models"

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        home = Path(text("FUNNELBOT_HOME") or DEFAULT_HOME)
        content_dir = text("FUNNELBOT_CONTENT_DIR")
        return cls(
            home=home,
            database_url=text("FUNNELBOT_DATABASE_URL") or "",
            embedding_model=text("FUNNELBOT_EMBEDDING_MODEL") or DEFAULT_MODEL,
            embedding_backend=(text("FUNNELBOT_EMBEDDING_BACKEND") or "").lower(),
            content_dir=Path(content_dir) if content_dir else None,
            top_k=_int(env, "FUNNELBOT_TOP_K", 5, low=1, high=10),
            weak_match_threshold=_float(env, "FUNNELBOT_WEAK_MATCH", 0.35, low=0.0, high=1.0),
            slack_bot_token=text("SLACK_BOT_TOKEN"),
            slack_signing_secret=text("SLACK_SIGNING_SECRET"),
            slack_app_token=text("SLACK_APP_TOKEN"),
            slack_api_url=text("SLACK_API_URL"),
            marketing_channel=text("FUNNELBOT_MARKETING_CHANNEL"),
            marketers=_ids(text("FUNNELBOT_MARKETERS")),
            admins=_ids(text("FUNNELBOT_ADMINS")),
            digest_cron=_cron(text("FUNNELBOT_DIGEST_CRON"), "FUNNELBOT_DIGEST_CRON"),
            reindex_cron=_cron(text("FUNNELBOT_REINDEX_CRON"), "FUNNELBOT_REINDEX_CRON"),
            db_timeout_seconds=_float(env, "FUNNELBOT_DB_TIMEOUT_SECONDS", 2.0, low=0.1, high=60.0),
            crm=(text("FUNNELBOT_CRM") or "").lower() or None,
            hubspot_token=text("FUNNELBOT_HUBSPOT_TOKEN"),
            hubspot_api_url=text("FUNNELBOT_HUBSPOT_API_URL"),
            salesforce_instance_url=text("FUNNELBOT_SALESFORCE_INSTANCE_URL"),
            salesforce_token=text("FUNNELBOT_SALESFORCE_TOKEN"),
            salesforce_username=text("FUNNELBOT_SALESFORCE_USERNAME"),
            salesforce_password=text("FUNNELBOT_SALESFORCE_PASSWORD"),
            salesforce_security_token=text("FUNNELBOT_SALESFORCE_SECURITY_TOKEN"),
            crm_timeout_ms=_int(env, "FUNNELBOT_CRM_TIMEOUT_MS", 800, low=50, high=30_000),
            crm_cache_seconds=_int(env, "FUNNELBOT_CRM_CACHE_SECONDS", 300, low=0, high=86_400),
            crm_poll_minutes=_int(env, "FUNNELBOT_CRM_POLL_MINUTES", 10, low=1, high=1440),
            crm_push_daily_max=_int(env, "FUNNELBOT_CRM_PUSH_DAILY_MAX", 5, low=0, high=100),
            crm_log_sent=_bool(env, "FUNNELBOT_CRM_LOG_SENT"),
        )

    def require_slack(self, *, socket_mode: bool) -> None:
        """Refuse to start a Slack mode without the tokens it needs, naming the first wrong one."""
        token = self.slack_bot_token
        if not token:
            raise SettingsError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
        if not token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-")
        if socket_mode:
            app_token = self.slack_app_token
            if not app_token:
                raise SettingsError(
                    "SLACK_APP_TOKEN is not set (an app-level token, xapp-…, for Socket Mode); "
                    "or run `funnelbot serve --http`"
                )
            if not app_token.startswith("xapp-"):
                raise SettingsError("SLACK_APP_TOKEN is malformed: an app token starts with xapp-")
        else:
            secret = self.slack_signing_secret
            if not secret:
                raise SettingsError("SLACK_SIGNING_SECRET is not set (Basic Information page)")
            if not re.fullmatch(r"[0-9a-fA-F]{16,128}", secret):
                raise SettingsError("SLACK_SIGNING_SECRET is malformed: expected a hex string")
        if self.slack_api_url and not re.match(r"https?://", self.slack_api_url):
            raise SettingsError("SLACK_API_URL is malformed: expected an http(s):// URL")


CRMS = ("hubspot", "salesforce")


def _check_url(value: str | None, name: str) -> None:
    if value and not re.match(r"https?://[^\s/]+", value):
        raise SettingsError(f"{name} is malformed: expected an http(s):// URL")


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be 1 or 0 (on or off), got {raw!r}")


def _ids(raw: str | None) -> frozenset[str]:
    return frozenset(re.split(r"[\s,]+", raw or "")) - {""}


def _cron(raw: str | None, name: str) -> str | None:
    if raw is None:
        return None
    from croniter import croniter

    if not croniter.is_valid(raw):
        raise SettingsError(f"{name} must be a cron expression like '0 9 * * MON', got {raw!r}")
    return raw


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value
