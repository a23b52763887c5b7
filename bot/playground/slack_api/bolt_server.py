"""Serve a slack-bolt ``App`` over HTTP on a loopback port, in a background thread.

Why: ``App.start()`` blocks and binds a fixed port; end-to-end tests need the app reachable at a
free port while the test thread drives it with ``SlackSender``. This is the same translation bolt's
development server does (raw body + headers → ``BoltRequest`` → ``app.dispatch``), kept minimal.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest


class BoltHTTPServer:
    """``with BoltHTTPServer(app) as url:`` — POST Slack requests to ``url``."""

    def __init__(self, app: App, path: str = "/slack/events") -> None:
        self.app = app
        self.path = path
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> str:
        bolt_app, bolt_path = self.app, self.path

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != bolt_path:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                headers = {k.lower(): [v] for k, v in self.headers.items()}
                resp = bolt_app.dispatch(BoltRequest(body=body, query=parts.query, headers=headers))
                data = (resp.body or "").encode("utf-8")
                self.send_response(resp.status)
                for name, value in resp.first_headers_without_set_cookie().items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="bolt-http", daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
