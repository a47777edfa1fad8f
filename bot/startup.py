"""Checks before serving or answering: the home folder, the database and Slack.

Each fault becomes a `StartupError` whose message is one line naming the setting and what to do,
which the CLI prints as `error: …` (exit 2) and `/healthz` reports as the reason it is not ready.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from bot.i18n import N_, LocalizedError, Phrase
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services
    from index.embedder import Embedder

# What Slack answers auth.test with for a token it will not take.
REFUSED_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
_CREDENTIALS = re.compile(
    r"password authentication failed|role \"[^\"]*\" does not exist|no pg_hba\.conf entry"
    r"|authentication failed|access denied",
    re.IGNORECASE,
)


class StartupError(LocalizedError, RuntimeError):
    """A setting keeps funnelbot from starting; the message (a catalog entry) names it and says
    what to do."""


def check_home(settings: Settings) -> None:
    """Create the home folder if needed and prove it can be written."""
    home = settings.home
    probe = home / f".write-check-{os.getpid()}"
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise StartupError(
            N_(
                "FUNNELBOT_HOME %(home)s cannot be written (%(reason)s): point FUNNELBOT_HOME at "
                "a folder this user can write"
            ),
            home=home,
            reason=reason,
        ) from None


def database_problem(settings: Settings, error: Exception) -> Phrase:
    """One line for a database that cannot be reached or refuses the credentials; the driver's
    own reason stays as it says it."""
    from sqlalchemy.engine import make_url

    from content_store.db import brief_error

    brief = " ".join(brief_error(error).split())
    where: str | Phrase
    try:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: say so without echoing it (it may hold a password)
        where = Phrase(N_("the configured URL"))
    values: dict[str, object] = {"where": where, "reason": brief}
    if _CREDENTIALS.search(brief):
        return Phrase(
            N_(
                "FUNNELBOT_DATABASE_URL: the database at %(where)s refused the credentials "
                "(%(reason)s): check the user name and password in the URL"
            ),
            values,
        )
    if re.search(r"database \"[^\"]*\" does not exist", brief):
        return Phrase(
            N_(
                "FUNNELBOT_DATABASE_URL: %(where)s names a database that does not exist "
                "(%(reason)s): create it or fix the name"
            ),
            values,
        )
    return Phrase(
        N_(
            "FUNNELBOT_DATABASE_URL: cannot reach the database at %(where)s (%(reason)s): check "
            "that it is running and that the host and port are right"
        ),
        values,
    )


def open_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Services for a command or a server, with a faulty home or database as a StartupError."""
    from bot.services import Services
    from content_store.db import UNAVAILABLE

    check_home(settings)  # the index cache, the exported model and the spool live there
    try:
        return Services(settings, embedder=embedder)
    except UNAVAILABLE as error:
        raise StartupError(database_problem(settings, error)) from None


def check_database(settings: Settings) -> None:
    """Connect and bring the schema up to date, then let go (a server's master checks this)."""
    from content_store.db import UNAVAILABLE, make_engine, upgrade

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except UNAVAILABLE as error:
        raise StartupError(database_problem(settings, error)) from None
    finally:
        engine.dispose()


def check_slack(settings: Settings) -> None:
    """Ask Slack whether it takes SLACK_BOT_TOKEN (auth.test), before any listener starts."""
    from urllib.error import URLError

    from slack_sdk.errors import SlackApiError

    from bot.slack.client import make_web_client

    client = make_web_client(settings, retries=False)
    try:
        client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        if code in REFUSED_TOKEN_ERRORS:
            raise StartupError(
                N_(
                    "SLACK_BOT_TOKEN was refused by Slack (%(code)s): copy the Bot User OAuth "
                    "Token (xoxb-…) from your app's OAuth & Permissions page, and reinstall the "
                    "app if it was revoked"
                ),
                code=code,
            ) from None
        raise StartupError(
            N_("Slack answered auth.test with %(code)s: check SLACK_BOT_TOKEN and the app's setup"),
            code=code,
        ) from None
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise StartupError(
            N_(
                "Slack is unreachable at %(url)s (%(reason)s): check the network or proxy, or "
                "SLACK_API_URL if you set it"
            ),
            url=client.base_url,
            reason=reason,
        ) from None


def describe_failure(settings: Settings, error: Exception) -> str:
    """A warm-up failure as the one line /healthz gives for not being ready."""
    from content_store.db import UNAVAILABLE

    if isinstance(error, StartupError):
        return str(error)
    if isinstance(error, UNAVAILABLE):
        return str(database_problem(settings, error))
    first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
