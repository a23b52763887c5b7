"""Stopping on SIGTERM/SIGINT the way containers and systemd expect: stop taking requests, let
running jobs reach a step boundary within a grace period, flush the Slack outbox, exit 0.

The signal handler only raises ``StopRequested`` in the main thread, which is waiting in the
server loop (``serve_forever`` or Socket Mode's wait); the caller's ``finally`` does the drain.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)


class StopRequested(Exception):
    """SIGTERM or SIGINT arrived: stop accepting work and drain."""


@contextmanager
def stop_on_signals(on_signal: Callable[[], None] | None = None) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT raise StopRequested (once) in the main thread; the
    block ends quietly when they do. Previous handlers come back afterwards.

    With ``on_signal`` the signal calls it instead of raising: for a server loop (waitress)
    that would swallow an exception raised inside one of its socket handlers, and that stops
    better on its own terms (stop accepting, answer what was read, return)."""
    asked = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal asked
        if asked:  # a second signal while draining: the drain is already under way
            return
        asked = True
        log.info("%s received: stopping", signal.Signals(signum).name)
        if on_signal is not None:
            on_signal()
            return
        raise StopRequested()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    except StopRequested:
        pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
