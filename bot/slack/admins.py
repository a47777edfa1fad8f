"""Who may run admin commands: listed in FUNNELBOT_ADMINS, or a Slack workspace admin/owner."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings

log = logging.getLogger(__name__)

# How long Slack's verdict is trusted: a demoted admin keeps the role at most this long.
# Read at every check, not at start-up, so tests can shorten it instead of waiting.
CACHE_SECONDS = 300.0


class AdminCheck:
    """Checked server-side on every command; Slack's answer is cached for a few minutes."""

    def __init__(
        self,
        settings: Settings,
        client: WebClient,
        *,
        on_user: Callable[[str, dict[str, Any]], object] | None = None,
    ) -> None:
        self._listed = settings.admins
        self._client = client
        # Handed each users.info answer (with the locale), so a caller need not ask again.
        self._on_user = on_user
        self._cache: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def is_admin(self, user_id: str) -> bool:
        if user_id in self._listed:
            return True
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        try:
            user = self._client.users_info(user=user_id, include_locale=True).get("user") or {}
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return False  # refusing is the safe answer when Slack cannot tell us
        if self._on_user is not None:
            self._on_user(user_id, user)
        verdict = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._cache[user_id] = (verdict, time.monotonic() + CACHE_SECONDS)
        return verdict
