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
        self.last = -1e9  # when the last edit of this message finished
        self.busy = False  # an edit of this message is being sent
        self.timer: threading.Timer | None = None


class Coalescer:
    """Spaces edits from the end of one to the start of the next, so that the edits *arrive* at
    Slack at least ``interval`` apart however long each call takes (a slow first call must not
    let the trailing edit land right behind it)."""

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
        if wait > 0:
            slot.timer = threading.Timer(wait, self._fire, args=(key, render))
            slot.timer.daemon = True
            slot.timer.start()
            return False
        slot.busy = True
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
