"""Status-message edits (progress, queue position, Started/Done) within Slack's ``chat.update``
budget.

A job's status message is edited many times in its life, and a room of queued jobs all move up
when one starts: sent as they come, those edits are the first calls Slack answers with 429 under
load. Here every edit only records the message's *latest* content and asks the ``Coalescer`` to
send it; the coalescer spaces the edits of one message by the interval and keeps all of them
inside the ``RateBudget``. An edit that has to wait is merged with the ones after it — the last
content is what lands, so a message may skip "step 2 of 4" but never shows a stale final state.

An edit Slack refuses for a moment (429 past slack_sdk's retries, a 5xx, a dropped connection) is
tried again after an interval, a few times, unless newer content has replaced it meanwhile.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.coalesce import Coalescer
from bot.slack.rate_budget import RateBudget

log = logging.getLogger(__name__)

TRANSIENT_STATUSES = (429, 500, 502, 503, 504)


class MessageEdits:
    """``update(channel, ts, text=…, blocks=…)`` edits a message soon, in order, within budget."""

    def __init__(
        self,
        client: WebClient,
        interval: float,
        budget: RateBudget | None = None,
        retries: int = 3,
    ) -> None:
        self.client = client
        self.coalescer = Coalescer(interval, budget=budget, method="chat.update")
        self.retries = retries
        self._latest: dict[str, dict[str, Any]] = {}
        self._tries: dict[str, int] = {}
        self._lock = threading.Lock()
        self._others: list[Coalescer] = []  # tally and App Home edits, flushed with these

    def update(self, channel: str, ts: str, **content: Any) -> None:
        """Make the message show ``content`` (chat.update's text, blocks…): now when the
        interval and the budget allow, else with the last content asked for by then."""
        key = f"{channel}:{ts}"
        with self._lock:
            self._latest[key] = {"channel": channel, "ts": ts, **content}
            self._tries.pop(key, None)
        self.coalescer.request(key, lambda: self._send(key))

    def _send(self, key: str) -> None:
        with self._lock:
            kwargs = self._latest.pop(key, None)
        if kwargs is None:  # an earlier send already carried this content
            return
        try:
            self.client.chat_update(**kwargs)
        except Exception as exc:
            if not self._transient(exc):
                raise  # the coalescer logs it; a refused edit is not retried
            with self._lock:
                tries = self._tries.get(key, 0) + 1
                if tries > self.retries or key in self._latest:
                    return  # given up, or newer content is already on its way
                self._tries[key] = tries
                self._latest[key] = kwargs
            log.warning("editing %s failed (%s); trying again", key, type(exc).__name__)
            self.coalescer.request(key, lambda: self._send(key))

    @staticmethod
    def _transient(exc: Exception) -> bool:
        if isinstance(exc, SlackApiError):
            return exc.response.status_code in TRANSIENT_STATUSES
        return isinstance(exc, (OSError, TimeoutError))

    def pending(self) -> int:
        """Edits deferred and not yet sent."""
        with self._lock:
            return len(self._latest)

    def track(self, coalescer: Coalescer) -> Coalescer:
        """Flush another coalescer's deferred edits with these at shutdown (the vote tallies
        render from the database when they fire, so they keep their own)."""
        self._others.append(coalescer)
        return coalescer

    def flush(self) -> int:
        """Send every deferred edit now (the bot is stopping); returns how many were sent."""
        return self.coalescer.flush() + sum(c.flush() for c in self._others)
