"""The language of each reply: the one the rep asked in, else their Slack locale, else
FUNNELBOT_LANGUAGE (English unless set)."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import Translator, language_of_locale, translator
from bot.i18n import languages as catalog_languages
from bot.settings import Settings
from index.lexical import SNOWBALL, TextAnalyzer

log = logging.getLogger(__name__)

# A rep changes their Slack language rarely: users.info is asked once an hour per person at most.
# Read at every lookup, not at start-up, so tests can shorten it.
LOCALE_SECONDS = 3600.0
# After Slack could not say (no users:read, an unknown user), ask again only after this long.
NO_LOCALE_SECONDS = 600.0


class ReplyLanguages:
    """Picks a translator per reply; one per app, shared by its listeners."""

    def __init__(self, settings: Settings, client: WebClient) -> None:
        self._client = client
        self._default = settings.language
        # Detection among the configured languages and those with a catalog: a German question
        # is recognised as German (no catalog: the locale decides), not taken for Dutch.
        extra = [
            code
            for code in catalog_languages()
            if code in SNOWBALL and code not in settings.languages
        ]
        self._analyzer = TextAnalyzer([*settings.languages, *extra])
        self._locales: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    def default(self) -> Translator:
        """For words no one person reads: the marketing channel, unfurls, the digest."""
        return translator(self._default)

    def for_text(self, user: str | None, *texts: str | None) -> Translator:
        """The language of the first text clearly written in one we have a catalog for; else
        the user's Slack locale; else the default."""
        for text in texts:
            found = self.written_in(text)
            if found is not None:
                return translator(found)
        return self.for_user(user)

    def for_user(self, user: str | None) -> Translator:
        """The user's Slack locale, when we have a catalog for it; else the default."""
        return translator(self.locale_language(user) or self._default)

    def written_in(self, text: str | None) -> str | None:
        """The catalog language ``text`` is clearly written in, if any."""
        if not text or not text.strip():
            return None
        found = self._analyzer.written_in(text)
        return found if found in catalog_languages() else None

    def locale_language(self, user: str | None) -> str | None:
        """The catalog language of the user's Slack locale (users.info, include_locale)."""
        if not user:
            return None
        now = time.monotonic()
        with self._lock:
            cached = self._locales.get(user)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            found = self._client.users_info(user=user, include_locale=True).get("user") or {}
        except (SlackApiError, OSError) as error:  # the locale decorates a reply, never stops one
            reason = error.response.get("error") if isinstance(error, SlackApiError) else error
            log.info("users.info for %s's locale: %s", user, reason)
            with self._lock:
                self._locales[user] = (None, now + NO_LOCALE_SECONDS)
            return None
        return self.remember(user, found)

    def remember(self, user: str, info: dict[str, Any]) -> str | None:
        """Keep the locale of a users.info answer (include_locale) another caller already got."""
        language = language_of_locale(str(info.get("locale") or ""))
        with self._lock:
            self._locales[user] = (language, time.monotonic() + LOCALE_SECONDS)
        return language


def modal_language(view: dict[str, Any], languages: ReplyLanguages, user: str) -> Translator:
    """The language a modal was opened in (its metadata's "l"), else the user's."""
    try:
        language = json.loads(view.get("private_metadata") or "{}").get("l")
    except (ValueError, AttributeError):
        language = None
    if isinstance(language, str) and language in catalog_languages():
        return translator(language)
    return languages.for_user(user)
