"""The HTTP server Slack's requests arrive at in ``dailies serve --http``: waitress.

``wsgiref`` (what this replaced) is a reference server that Python's docs do not recommend for
production (it builds on ``http.server``, with basic security checks only); under socketserver's
ThreadingMixIn it also started one thread per connection without bound. waitress is a
pure-Python production WSGI server: a fixed pool of worker threads, an asyncore loop that reads
and writes every connection, a backlog of 1024, a connection limit and idle-connection cleanup.

What waitress leaves to its embedder is a stop that loses nothing. ``stop_soon`` (safe from a
signal handler or any thread) asks the loop to stop; the loop then closes the listening socket
first — new connections are refused at once — keeps serving the requests already read until
they are answered and flushed (at most ``grace`` seconds: an ack takes milliseconds), and only
then closes the connections and the worker threads. Work that outlives the request (jobs, the
Slack outbox) is the runtime's to drain afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import create_server
from waitress.server import BaseWSGIServer
from waitress.wasyncore import close_all, dispatcher, loop

log = logging.getLogger(__name__)

# How often the loop looks up from its sockets to notice a stop (a stop also wakes it at once).
LOOP_TIMEOUT_S = 0.2

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


class HttpServer:
    """One WSGI app on ``host:port`` under waitress, with ``threads`` worker threads."""

    def __init__(
        self, application: WSGIApp, host: str, port: int, threads: int, grace: float = 5.0
    ) -> None:
        self._map: dict[int, Any] = {}
        # A BaseWSGIServer, or a MultiSocketServer when the host names several addresses.
        self.server: Any = create_server(
            application,
            map=self._map,
            host=host,
            port=port,
            threads=max(1, threads),
            asyncore_use_poll=True,  # no select() limit of 1024 file descriptors
            # Slack answers a missing ack by retrying; a room voting at once is a burst.
            connection_limit=max(100, threads * 4),
        )
        self.listeners = [o for o in self._map.values() if isinstance(o, BaseWSGIServer)]
        self.grace = grace
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._serving = False
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        """The port bound (useful with port 0)."""
        return int(self.listeners[0].effective_port)

    def serve_forever(self) -> None:
        """Serve until ``stop_soon``/``stop``; returns once in-flight requests are answered."""
        with self._lock:
            if self._stopped.is_set():
                return
            self._serving = True
        try:
            while not self._stop.is_set():
                loop(timeout=LOOP_TIMEOUT_S, use_poll=True, map=self._map, count=1)
        finally:
            with self._lock:
                self._serving = False
        self._drain()

    def stop_soon(self) -> None:
        """Ask the loop to stop (from a signal handler or any thread); does not wait."""
        self._stop.set()
        for listener in self.listeners:
            with contextlib.suppress(OSError):  # already closed
                listener.pull_trigger()  # wake the loop now rather than at its next timeout

    def stop(self, timeout: float | None = None) -> None:
        """Stop and wait until closed: drains here when nothing is serving (after a signal
        ended ``serve_forever`` on this thread), else waits for the serving thread to."""
        self.stop_soon()
        with self._lock:
            serving = self._serving
        if serving:
            self._stopped.wait(self.grace + 5.0 if timeout is None else timeout)
        else:
            self._drain()

    def _busy(self) -> bool:
        channels = [ch for one in self.listeners for ch in list(one.active_channels.values())]
        return any(ch.requests or ch.total_outbufs_len for ch in channels)

    def _drain(self) -> None:
        with self._lock:
            if self._stopped.is_set():
                return
            # Stop accepting first: only the listening socket closes; connections stay served.
            for listener in self.listeners:
                if listener.accepting:
                    dispatcher.close(listener)
            deadline = time.monotonic() + self.grace
            while self._busy() and time.monotonic() < deadline:
                loop(timeout=0.05, use_poll=True, map=self._map, count=1)
            if self._busy():
                log.warning("http: stopped with requests still being answered")
            self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=self.grace)
            for listener in self.listeners:
                listener.trigger.close()
            close_all(self._map)
            self._stopped.set()
