"""All configuration, read from the environment in one place and passed around as one object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bot.i18n import DEFAULT_LANGUAGE, N_, LocalizedError, terminal_language
from bot.i18n import languages as catalog_languages
from index.embedder import BACKENDS, KNOWN_MODELS, known_model
from index.lexical import DEFAULT_LANGUAGES, check_languages
from index.match_quality import WEAK_ABOVE

DEFAULT_HOME = Path(".funnelbot")
DEFAULT_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_BACKENDS = BACKENDS
# For the bundled model, whose quality per backend benchmarks.perf measures (docs/performance.md);
# any other model defaults to torch, which runs whatever sentence-transformers runs.
DEFAULT_EMBEDDING_BACKEND = KNOWN_MODELS[DEFAULT_MODEL].default_backend


class SettingsError(LocalizedError):
    """A setting is missing or malformed; the message (a catalog entry) names it and says what
    to do."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    home: Path = DEFAULT_HOME
    database_url: str = field(default="", repr=False)  # may hold a password
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = ""  # torch | onnx | onnx-int8; blank: the default for the model
    content_dir: Path | None = None
    # Folder paths, http(s) site URLs and gdrive:FOLDER_IDs that /reindex and cron read.
    content_sources: tuple[str, ...] = ()
    crawl_max_pages: int = 500  # pages read from one website per run
    gdrive_credentials: Path | None = None  # a service account's JSON key file
    gdrive_api_url: str | None = None  # another Drive API endpoint (tests use a fake)
    # Languages lexical search detects and stems (ISO 639-1 codes), e.g. ("en", "nl").
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    # The language of the bot's words where no one person reads them (the marketing channel, the
    # digest, unfurls) and where a rep's own is unknown; a catalog language (bot/locale).
    language: str = DEFAULT_LANGUAGE
    # The terminal's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG): the CLI's words.
    terminal_language: str | None = None
    top_k: int = 5
    # Probability that no good asset exists above which an answer is called weak (a content
    # gap); the probability comes from index.match_quality, fitted on labelled questions.
    weak_match: float = WEAK_ABOVE
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    marketing_channel: str | None = None  # channel id where each answer becomes a thread
    marketing_group: str | None = None  # user-group id (S…) mentioned on each Ask-marketing request
    request_remind_hours: float = 4.0  # working hours before an unanswered request is re-announced
    # Hosts whose links are library assets: funnelbot unfurls them (manifest's unfurl_domains).
    unfurl_domains: tuple[str, ...] = ()
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
        # Resolved once, here: a relative FUNNELBOT_HOME run from another folder would otherwise
        # quietly make a new, empty home there.
        object.__setattr__(self, "home", self.home.expanduser().absolute())
        if self.content_dir is not None:
            object.__setattr__(self, "content_dir", self.content_dir.expanduser().absolute())
        model = known_model(self.embedding_model)
        # Only what ships with the install, or a folder already on disk: nothing downloads.
        if model is None and not Path(self.embedding_model).is_dir():
            raise SettingsError(
                N_(
                    "FUNNELBOT_EMBEDDING_MODEL must be one of %(choices)s or a local "
                    "sentence-transformers folder, got %(value)s"
                ),
                choices=", ".join(KNOWN_MODELS),
                value=repr(self.embedding_model),
            )
        if not self.embedding_backend:
            backend = model.default_backend if model is not None else "torch"
            object.__setattr__(self, "embedding_backend", backend)
        if self.embedding_backend not in EMBEDDING_BACKENDS:
            raise SettingsError(
                N_("FUNNELBOT_EMBEDDING_BACKEND must be one of %(choices)s, got %(value)s"),
                choices=", ".join(EMBEDDING_BACKENDS),
                value=repr(self.embedding_backend),
            )
        runs = model.backends if model is not None else ("torch", "onnx", "onnx-int8")
        if self.embedding_backend not in runs:
            raise SettingsError(
                N_("FUNNELBOT_EMBEDDING_BACKEND must be %(choices)s for %(model)s, got %(value)s"),
                choices=" or ".join(runs),
                model=self.embedding_model,
                value=repr(self.embedding_backend),
            )
        try:
            object.__setattr__(self, "languages", check_languages(self.languages))
        except ValueError as error:
            # The detector's own reason (index/), as it says it.
            raise SettingsError(N_("FUNNELBOT_LANGUAGES: %(error)s"), error=str(error)) from None
        if self.language not in catalog_languages():
            raise SettingsError(
                N_("FUNNELBOT_LANGUAGE must be one of %(choices)s, got %(value)s"),
                choices=", ".join(catalog_languages()),
                value=repr(self.language),
            )
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.home / 'funnelbot.db'}")
        self._check_crm()

    def _check_crm(self) -> None:
        """A CRM named without what it needs to connect stops start-up, naming the setting."""
        if self.crm is None:
            return
        if self.crm not in CRMS:
            raise SettingsError(
                N_("FUNNELBOT_CRM must be hubspot or salesforce, got %(value)s"),
                value=repr(self.crm),
            )
        if self.crm == "hubspot":
            token = self.hubspot_token
            if not token:
                raise SettingsError(
                    N_("FUNNELBOT_HUBSPOT_TOKEN is not set (a private app's access token, pat-…)")
                )
            if not re.fullmatch(r"pat-[A-Za-z0-9-]+", token):
                raise SettingsError(
                    N_("FUNNELBOT_HUBSPOT_TOKEN is malformed: a private app token starts with pat-")
                )
            _check_url(self.hubspot_api_url, "FUNNELBOT_HUBSPOT_API_URL")
            return
        _check_url(self.salesforce_instance_url, "FUNNELBOT_SALESFORCE_INSTANCE_URL")
        if self.salesforce_token:
            if not self.salesforce_instance_url:
                raise SettingsError(
                    N_(
                        "FUNNELBOT_SALESFORCE_INSTANCE_URL is not set (e.g. "
                        "https://yourorg.my.salesforce.com); the access token needs it"
                    )
                )
            if re.search(r"\s", self.salesforce_token):
                raise SettingsError(N_("FUNNELBOT_SALESFORCE_TOKEN is malformed: it holds spaces"))
            return
        for name, value in (
            ("FUNNELBOT_SALESFORCE_USERNAME", self.salesforce_username),
            ("FUNNELBOT_SALESFORCE_PASSWORD", self.salesforce_password),
            ("FUNNELBOT_SALESFORCE_SECURITY_TOKEN", self.salesforce_security_token),
        ):
            if not value:
                raise SettingsError(
                    N_(
                        "%(name)s is not set (or set FUNNELBOT_SALESFORCE_INSTANCE_URL and "
                        "FUNNELBOT_SALESFORCE_TOKEN)"
                    ),
                    name=name,
                )

    @property
    def sources(self) -> tuple[str, ...]:
        """Every configured source: FUNNELBOT_CONTENT_SOURCES, then FUNNELBOT_CONTENT_DIR."""
        specs = list(self.content_sources)
        if self.content_dir is not None and str(self.content_dir) not in specs:
            specs.append(str(self.content_dir))
        return tuple(specs)

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def team_config_path(self) -> Path:
        """The content library's ``funnelbot.yml``, as validated at the last ingest."""
        return self.home / "team-config.json"

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
            content_sources=_sources(env.get("FUNNELBOT_CONTENT_SOURCES")),
            crawl_max_pages=_int(env, "FUNNELBOT_CRAWL_MAX_PAGES", 500, low=1, high=100_000),
            gdrive_credentials=_path(text("FUNNELBOT_GDRIVE_CREDENTIALS")),
            gdrive_api_url=text("FUNNELBOT_GDRIVE_API_URL"),
            languages=tuple(re.split(r"[\s,]+", text("FUNNELBOT_LANGUAGES") or ""))
            if text("FUNNELBOT_LANGUAGES")
            else DEFAULT_LANGUAGES,
            language=(text("FUNNELBOT_LANGUAGE") or DEFAULT_LANGUAGE).lower(),
            terminal_language=terminal_language(env),
            top_k=_int(env, "FUNNELBOT_TOP_K", 5, low=1, high=10),
            weak_match=_float(env, "FUNNELBOT_WEAK_MATCH", WEAK_ABOVE, low=0.0, high=1.0),
            slack_bot_token=text("SLACK_BOT_TOKEN"),
            slack_signing_secret=text("SLACK_SIGNING_SECRET"),
            slack_app_token=text("SLACK_APP_TOKEN"),
            slack_api_url=text("SLACK_API_URL"),
            marketing_channel=text("FUNNELBOT_MARKETING_CHANNEL"),
            marketing_group=_group(text("FUNNELBOT_MARKETING_GROUP")),
            request_remind_hours=_float(
                env, "FUNNELBOT_REQUEST_REMIND_HOURS", 4.0, low=0.25, high=168.0
            ),
            unfurl_domains=_domains(text("FUNNELBOT_UNFURL_DOMAINS")),
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
            raise SettingsError(N_("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)"))
        if not token.startswith("xoxb-"):
            raise SettingsError(N_("SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-"))
        if socket_mode:
            app_token = self.slack_app_token
            if not app_token:
                raise SettingsError(
                    N_(
                        "SLACK_APP_TOKEN is not set (an app-level token, xapp-…, for Socket "
                        "Mode); or run `funnelbot serve --http`"
                    )
                )
            if not app_token.startswith("xapp-"):
                raise SettingsError(
                    N_("SLACK_APP_TOKEN is malformed: an app token starts with xapp-")
                )
        else:
            secret = self.slack_signing_secret
            if not secret:
                raise SettingsError(N_("SLACK_SIGNING_SECRET is not set (Basic Information page)"))
            if not re.fullmatch(r"[0-9a-fA-F]{16,128}", secret):
                raise SettingsError(N_("SLACK_SIGNING_SECRET is malformed: expected a hex string"))
        if self.slack_api_url and not re.match(r"https?://", self.slack_api_url):
            raise SettingsError(N_("SLACK_API_URL is malformed: expected an http(s):// URL"))


CRMS = ("hubspot", "salesforce")


def _check_url(value: str | None, name: str) -> None:
    if value and not re.match(r"https?://[^\s/]+", value):
        raise SettingsError(N_("%(name)s is malformed: expected an http(s):// URL"), name=name)


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(
        N_("%(name)s must be 1 or 0 (on or off), got %(value)s"), name=name, value=repr(raw)
    )


def _sources(raw: str | None) -> tuple[str, ...]:
    specs = [part.strip() for part in re.split(r"[,\n]", raw or "")]
    for spec in specs:
        if spec.startswith("gdrive:") and not re.fullmatch(r"gdrive:[A-Za-z0-9_-]+", spec):
            raise SettingsError(
                N_(
                    "FUNNELBOT_CONTENT_SOURCES: %(value)s is not a Drive folder; write "
                    "gdrive:FOLDER_ID (the id from the folder's link)"
                ),
                value=repr(spec),
            )
    return tuple(dict.fromkeys(s for s in specs if s))


def _path(raw: str | None) -> Path | None:
    return Path(raw).expanduser() if raw else None


def _ids(raw: str | None) -> frozenset[str]:
    return frozenset(re.split(r"[\s,]+", raw or "")) - {""}


def _group(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not re.fullmatch(r"S[A-Z0-9]{2,}", raw):
        raise SettingsError(
            N_("FUNNELBOT_MARKETING_GROUP must be a user-group id like S0123ABCD, got %(value)s"),
            value=repr(raw),
        )
    return raw


def _domains(raw: str | None) -> tuple[str, ...]:
    found = []
    for part in re.split(r"[\s,]+", raw or ""):
        host = part.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
        if not host:
            continue
        if not re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", host):
            raise SettingsError(
                N_(
                    "FUNNELBOT_UNFURL_DOMAINS must list host names like docs.example.com, "
                    "got %(value)s"
                ),
                value=repr(part),
            )
        found.append(host)
    return tuple(dict.fromkeys(found))


def _cron(raw: str | None, name: str) -> str | None:
    if raw is None:
        return None
    from croniter import croniter

    if not croniter.is_valid(raw):
        raise SettingsError(
            N_("%(name)s must be a cron expression like '0 9 * * MON', got %(value)s"),
            name=name,
            value=repr(raw),
        )
    return raw


_Number = TypeVar("_Number", int, float)


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(
            N_("%(name)s must be a whole number, got %(value)s"), name=name, value=repr(raw)
        ) from None
    return _within(name, value, low, high)


def _float(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(
            N_("%(name)s must be a number, got %(value)s"), name=name, value=repr(raw)
        ) from None
    return _within(name, value, low, high)


def _within(name: str, value: _Number, low: _Number, high: _Number) -> _Number:
    if not low <= value <= high:
        raise SettingsError(
            N_("%(name)s must be between %(low)s and %(high)s, got %(value)s"),
            name=name,
            low=low,
            high=high,
            value=value,
        )
    return value
