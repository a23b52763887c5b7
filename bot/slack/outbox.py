"""One thread that makes Slack calls on behalf of generation workers, in order.

A worker that waited on Slack (100–300 ms a call, longer when rate limited) would leave its GPU
idle; instead workers hand their job events here and go on. Calls run first in, first out, so a
job's messages keep their order; a pending call with the same key (a progress edit of the same
job) is replaced by the newer one instead of queueing behind it.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, name: str = "dailies-slack-outbox") -> None:
        self._pending: OrderedDict[Hashable, Callable[[], None]] = OrderedDict()
        self._counter = itertools.count()
        self._cv = threading.Condition()
        self._busy = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, call: Callable[[], None], key: Hashable | None = None) -> None:
        """Queue ``call``; with a ``key``, a still-pending call of that key is replaced in place."""
        with self._cv:
            if self._closed:
                raise RuntimeError("the outbox is closed")
            self._pending[key if key is not None else ("call", next(self._counter))] = call
            self._cv.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far has run; False on timeout."""
        with self._cv:
            return self._cv.wait_for(lambda: not self._pending and not self._busy, timeout)

    def discard(self) -> int:
        """Drop every pending call (what a crash does); returns how many were dropped."""
        with self._cv:
            dropped = len(self._pending)
            self._pending.clear()
            self._cv.notify_all()
            return dropped

    def close(self, timeout: float = 30.0) -> None:
        """Run what is queued, then stop the thread."""
        self.drain(timeout)
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._pending or self._closed)
                if not self._pending:
                    return
                _, call = self._pending.popitem(last=False)
                self._busy = True
            try:
                call()
            except Exception:
                log.exception("a queued Slack call failed")
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()
