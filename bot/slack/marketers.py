"""Who sees the marketer Home: members of the marketing channel, FUNNELBOT_MARKETERS, admins."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


class MarketerCheck:
    """The channel's member list is fetched at most once per CACHE_SECONDS, not per Home open."""

    def __init__(self, settings: Settings, client: WebClient) -> None:
        self._listed = settings.marketers | settings.admins
        self._channel = settings.marketing_channel
        self._client = client
        self._members: frozenset[str] = frozenset()
        self._expires = 0.0
        self._lock = threading.Lock()

    def is_marketer(self, user_id: str) -> bool:
        return user_id in self._listed or user_id in self._channel_members()

    def _channel_members(self) -> frozenset[str]:
        if self._channel is None:
            return frozenset()
        with self._lock:
            if time.monotonic() < self._expires:
                return self._members
            members: set[str] = set()
            try:
                cursor = None
                while True:
                    page = self._client.conversations_members(
                        channel=self._channel, limit=1000, cursor=cursor
                    )
                    members.update(page.get("members") or [])
                    cursor = (page.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        break
            except SlackApiError as error:
                # Keep the last good list (or none) and ask again after a short pause.
                log.warning("conversations.members failed: %s", error.response.get("error"))
                self._expires = time.monotonic() + 30.0
                return self._members
            self._members = frozenset(members)
            self._expires = time.monotonic() + CACHE_SECONDS
            return self._members
