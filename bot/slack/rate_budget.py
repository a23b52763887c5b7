"""Slack's rate limits, kept by the bot itself instead of discovered through 429s.

Slack states its limits per method (``chat.update`` is Tier 3, about 50 a minute; ``views.publish``
Tier 4, about 100) and, for posting messages, per channel (about one a second, with short bursts
allowed). A bot that only reacts to 429 answers loses seconds on every Retry-After and, under a
burst of votes, can be locked out of editing the status messages people are watching. Here each
limit is a token bucket: ``burst`` tokens, refilled at ``per_s``.

Every call spends a token with ``reserve``: the next token, now or in the future (a bucket may go
into debt, so reservations come due in the order they were made). What the caller does with the
wait is what differs:

* edits — the ``Coalescer`` defers the edit until its token is due and merges it with every later
  edit of the same message meanwhile, so only the last state is sent (one reservation per
  message at a time bounds the debt by the number of messages waiting).
* posts — ``wait_turn`` sleeps until the token is due, at most ``max_wait`` seconds: a post is
  never dropped and a channel's posts keep their order; past the bound it is sent anyway and
  slack_sdk's RateLimitErrorRetryHandler deals with a 429, as it does when Slack's limits are
  tighter than the budget thinks.

The clock and the sleep are injected so the unit tests run on a fake clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Bolt's listener pool is created with this thread name prefix (handlers/app.py). A post made on
# one of its threads is never made to wait: the thread belongs to Slack's 3-second ack path.
LISTENER_THREAD_PREFIX = "dailies-listener"

POST_METHODS = ("chat.postMessage", "chat.postEphemeral")


@dataclass(frozen=True)
class Rate:
    """``per_s`` tokens a second, at most ``burst`` saved up. A rate of 0 means no limit."""

    per_s: float
    burst: float = 1.0

    @property
    def limited(self) -> bool:
        return self.per_s > 0


class _Bucket:
    __slots__ = ("rate", "stamp", "tokens")

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = max(1.0, rate.burst)
        self.stamp = now

    def refill(self, now: float) -> None:
        earned = (now - self.stamp) * self.rate.per_s
        self.tokens = min(max(1.0, self.rate.burst), self.tokens + earned)
        self.stamp = now

    def wait(self) -> float:
        """Seconds until this bucket holds a whole token (0 when it does now; a token short by
        a rounding error is whole)."""
        short = 1.0 - self.tokens
        return short / self.rate.per_s if short > 1e-9 else 0.0


@dataclass
class BudgetCounts:
    """What the budget did, for logs and bench/chaos.py."""

    sent: dict[str, int] = field(default_factory=dict)
    deferred: dict[str, int] = field(default_factory=dict)
    waited_s: dict[str, float] = field(default_factory=dict)


class RateBudget:
    """Token buckets keyed by method (``methods``) and by (method, channel) (``per_channel``).

    Thread-safe: every decision is made under one lock, so concurrent callers never spend the
    same token twice.
    """

    def __init__(
        self,
        methods: dict[str, Rate] | None = None,
        per_channel: dict[str, Rate] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.methods = {m: r for m, r in (methods or {}).items() if r.limited}
        self.per_channel = {m: r for m, r in (per_channel or {}).items() if r.limited}
        self.clock = clock
        self.sleep = sleep
        self.counts = BudgetCounts()
        self._buckets: dict[tuple[str, str | None], _Bucket] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> RateBudget:
        """The budget the settings describe (bot/config.py: DAILIES_POST_*, DAILIES_EDIT_*…)."""
        post = Rate(settings.post_rate_per_s, settings.post_burst)
        return cls(
            methods={
                "chat.update": Rate(settings.edit_rate_per_min / 60.0, settings.edit_burst),
                "views.publish": Rate(settings.publish_rate_per_min / 60.0, settings.edit_burst),
            },
            per_channel=dict.fromkeys(POST_METHODS, post),
        )

    def governs(self, method: str) -> bool:
        return method in self.methods or method in self.per_channel

    def _applicable(self, method: str, channel: str | None, now: float) -> list[_Bucket]:
        keys: list[tuple[tuple[str, str | None], Rate]] = []
        if method in self.methods:
            keys.append(((method, None), self.methods[method]))
        if method in self.per_channel and channel:
            keys.append(((method, channel), self.per_channel[method]))
        buckets = []
        for key, rate in keys:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(rate, now)
            bucket.refill(now)
            buckets.append(bucket)
        return buckets

    def reserve(self, method: str, channel: str | None = None) -> float:
        """Spend the next token of every bucket of this call, now or in the future (a bucket goes
        into debt); returns the seconds until the reserved token is due. Reservations made one
        after another come due one after another: that keeps a channel's posts in order."""
        with self._lock:
            buckets = self._applicable(method, channel, self.clock())
            wait = max((b.wait() for b in buckets), default=0.0)
            for bucket in buckets:
                bucket.tokens -= 1.0
            self.counts.sent[method] = self.counts.sent.get(method, 0) + 1
            if wait > 0:
                self.counts.deferred[method] = self.counts.deferred.get(method, 0) + 1
            return wait

    def hold(self, method: str, channel: str | None, seconds: float) -> None:
        """Slack said 429 with Retry-After ``seconds`` although the budget allowed the call (its
        limits are tighter than configured, or another app shares them): no token of this call's
        buckets comes due before then, so the calls queued behind fall in line instead of
        meeting the same 429."""
        with self._lock:
            for bucket in self._applicable(method, channel, self.clock()):
                bucket.tokens = min(bucket.tokens, 1.0 - seconds * bucket.rate.per_s)

    def wait_turn(self, method: str, channel: str | None = None, max_wait: float = 30.0) -> float:
        """Reserve a token and sleep until it is due, at most ``max_wait`` seconds (0: never
        sleep). Returns the seconds slept. The call is never refused: past ``max_wait`` it goes
        out and Slack's own 429 (retried by slack_sdk) is the fallback."""
        wait = min(self.reserve(method, channel), max(0.0, max_wait))
        if wait > 0:
            with self._lock:
                self.counts.waited_s[method] = self.counts.waited_s.get(method, 0.0) + wait
            self.sleep(wait)
        return wait


def on_listener_thread() -> bool:
    """True on a Bolt listener thread (whose work may still be in front of an ack)."""
    return threading.current_thread().name.startswith(LISTENER_THREAD_PREFIX)


def channel_of(kwargs: dict[str, Any]) -> str | None:
    """The ``channel`` argument of a WebClient.api_call, wherever slack_sdk put it."""
    for part in ("json", "params", "data"):
        values = kwargs.get(part)
        if isinstance(values, dict) and values.get("channel"):
            return str(values["channel"])
    return None
