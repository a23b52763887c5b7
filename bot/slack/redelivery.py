"""A clock for the delivery outbox: every few seconds, results whose next try is due are posted
again (rows in SQLite say which and when, so the schedule survives a restart)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Ticker:
    """Calls ``tick`` every ``interval`` seconds on its own thread until stopped."""

    def __init__(self, interval: float, tick: Callable[[], None], name: str) -> None:
        self.interval = interval
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._tick()
            except Exception:
                log.exception("%s: a tick failed", self._thread.name)
