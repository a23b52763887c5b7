"""Coalescing edits of one message: at most one per interval, and the last change never lost.

A burst of votes must not become a burst of chat.update calls (Slack allows about one a second
per message), yet the message must end up showing the final tally. The first change goes out at
once; changes inside the interval schedule one trailing edit, which renders the state as it is
when it fires, so every change made before it is included.

With a ``RateBudget`` the coalescer also keeps to Slack's per-method limit (``chat.update`` about
50 a minute): an edit that is due reserves the budget's next token and, when that token is not
there yet, is deferred until it is; it too renders the state as it is when it finally goes out.
Under load edits become rarer, never lost, never a 429, and served first come first served.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.slack.rate_budget import RateBudget

log = logging.getLogger(__name__)


class _Slot:
    def __init__(self) -> None:
        self.last = -1e9  # when the last edit of this message finished
        self.busy = False  # an edit of this message is being sent
        self.timer: threading.Timer | None = None
        self.render: Callable[[], None] | None = None  # what the scheduled timer will run
        self.holds_token = False  # the budget's token for the next edit is reserved


class Coalescer:
    """Spaces edits from the end of one to the start of the next, so that the edits *arrive* at
    Slack at least ``interval`` apart however long each call takes (a slow first call must not
    let the trailing edit land right behind it)."""

    def __init__(
        self, interval: float, budget: RateBudget | None = None, method: str = "chat.update"
    ) -> None:
        self.interval = interval
        self.budget = budget
        self.method = method  # the budget's key for these edits
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()

    def request(self, key: str, render: Callable[[], None]) -> None:
        """Ask for ``render`` to run for ``key`` soon; ``render`` reads the state when it runs."""
        with self._lock:
            slot = self._slots.setdefault(key, _Slot())
            if slot.timer is not None:
                return  # the trailing edit already scheduled will include this change
            if not self._claim(key, slot, render):
                return
        self._run(slot, render)

    def _fire(self, key: str, render: Callable[[], None]) -> None:
        with self._lock:
            slot = self._slots[key]
            slot.timer = None
            if not self._claim(key, slot, render):
                return
        self._run(slot, render)

    def _claim(self, key: str, slot: _Slot, render: Callable[[], None]) -> bool:
        """Under the lock: True to send now, else a trailing edit is scheduled."""
        wait = self.interval if slot.busy else slot.last + self.interval - time.monotonic()
        if wait <= 0 and self.budget is not None and not slot.holds_token:
            # The next token is this message's, now or when it is due: deferred messages are
            # served in the order they asked, so under load none is starved of its last edit.
            wait = self.budget.reserve(self.method)
            slot.holds_token = True
        if wait > 0:
            slot.render = render
            slot.timer = threading.Timer(wait, self._fire, args=(key, render))
            slot.timer.daemon = True
            slot.timer.start()
            return False
        slot.busy = True
        slot.holds_token = False
        return True

    def _run(self, slot: _Slot, render: Callable[[], None]) -> None:
        try:
            render()
        except Exception:
            log.exception("updating a message failed")
        finally:
            with self._lock:
                slot.busy = False
                slot.last = time.monotonic()

    def pending(self) -> int:
        """How many messages have an edit deferred (waiting on the interval or the budget)."""
        with self._lock:
            return sum(1 for slot in self._slots.values() if slot.timer is not None)

    def flush(self) -> int:
        """Send every deferred edit now, on this thread, budget or not (the bot is stopping: the
        last state must land; a 429 is slack_sdk's to wait out). Returns how many were sent."""
        with self._lock:
            due = []
            for slot in self._slots.values():
                if slot.timer is not None and slot.render is not None:
                    slot.timer.cancel()
                    due.append((slot, slot.render))
                    slot.timer = None
                    slot.busy = True
        for slot, render in due:
            self._run(slot, render)
        return len(due)
