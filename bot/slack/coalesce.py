"""Coalescing edits of one message: at most one per interval, and the last change never lost.

A burst of votes must not become a burst of chat.update calls (Slack allows about one a second
per message), yet the message must end up showing the final tally. The first change goes out at
once; changes inside the interval schedule one trailing edit, which renders the state as it is
when it fires, so every change made before it is included.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class _Slot:
    def __init__(self) -> None:
        self.last = -1e9
        self.timer: threading.Timer | None = None
        self.sending = threading.Lock()  # one edit of a message at a time, in order


class Coalescer:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()

    def request(self, key: str, render: Callable[[], None]) -> None:
        """Ask for ``render`` to run for ``key`` soon; ``render`` reads the state when it runs."""
        with self._lock:
            slot = self._slots.setdefault(key, _Slot())
            if slot.timer is not None:
                return  # the trailing edit already scheduled will include this change
            wait = slot.last + self.interval - time.monotonic()
            if wait > 0:
                slot.timer = threading.Timer(wait, self._fire, args=(key, render))
                slot.timer.daemon = True
                slot.timer.start()
                return
            slot.last = time.monotonic()
        self._run(slot, render)

    def _fire(self, key: str, render: Callable[[], None]) -> None:
        with self._lock:
            slot = self._slots[key]
            slot.timer = None
            slot.last = time.monotonic()
        self._run(slot, render)

    @staticmethod
    def _run(slot: _Slot, render: Callable[[], None]) -> None:
        with slot.sending:
            try:
                render()
            except Exception:
                log.exception("updating a message failed")
