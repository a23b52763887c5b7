"""Who may see a channel's assets in a search: never leak a private channel's prompt.

A channel is searchable for a person when the search runs in it, when Slack says it is public
(``conversations.info``), or when they are among its members (``conversations.members``). A
channel Slack will not describe (the bot was removed, it was deleted) is not searched. Answers are
cached briefly: a search must answer within Slack's 3 seconds, and membership changes rarely.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

CACHE_S = 60.0


class ChannelAccess:
    def __init__(self, client: WebClient, cache_s: float = CACHE_S) -> None:
        self.client = client
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._public: dict[str, tuple[float, bool | None]] = {}
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    def _fresh(self, cache: dict[str, tuple[float, Any]], key: str) -> tuple[bool, Any]:
        with self._lock:
            hit = cache.get(key)
        if hit and time.monotonic() - hit[0] < self.cache_s:
            return True, hit[1]
        return False, None

    def is_public(self, channel: str) -> bool | None:
        """True public, False private/DM, None unknown to the bot."""
        known, value = self._fresh(self._public, channel)
        if known:
            return value
        try:
            info = self.client.conversations_info(channel=channel)["channel"]
            value = not (info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
        except SlackApiError:
            value = None
        with self._lock:
            self._public[channel] = (time.monotonic(), value)
        return value

    def members(self, channel: str) -> frozenset[str]:
        known, value = self._fresh(self._members, channel)
        if known:
            return value
        found: set[str] = set()
        try:
            cursor = None
            while True:
                page = self.client.conversations_members(channel=channel, cursor=cursor, limit=200)
                found.update(page.get("members") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError:
            found = set()
        value = frozenset(found)
        with self._lock:
            self._members[channel] = (time.monotonic(), value)
        return value

    def may_see(self, user: str, channel: str, here: str | None) -> bool:
        if channel == here:
            return True
        public = self.is_public(channel)
        if public:
            return True
        if public is None:
            return False
        return user in self.members(channel)

    def visible(self, user: str, channels: list[str], here: str | None) -> list[str]:
        return [c for c in channels if self.may_see(user, c, here)]
