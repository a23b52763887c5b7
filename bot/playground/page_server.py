"""The page's HTTP server: the static page, its JSON reads and actions, files, live updates.

Why standard library only: the page is one HTML file, one script and one stylesheet served by
the same Python process as the bot (no build step, nothing to install); its reads are snapshots
of the imitation, its actions go through ``Workspace`` (so they reach the app as signed Slack
requests), and Server-Sent Events tell the page when to read again — after every change the
bot makes (progress edits, tallies, new variants) — so it updates without a reload.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.playground.page_state import page_state
from bot.playground.workspace import PlaygroundError, Workspace

log = logging.getLogger(__name__)

_STATIC = {
    "blockkit.js": "text/javascript",
    "playground.js": "text/javascript",
    "playground.css": "text/css",
}
MAX_BODY = 64 * 1024 * 1024


class PageServer:
    """``PageServer(workspace, info, host, port).start()`` → the URL to open."""

    def __init__(
        self, workspace: Workspace, info: dict[str, Any], host: str = "127.0.0.1", port: int = 3000
    ) -> None:
        self.workspace = workspace
        self.info = info
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        self.url = f"http://{shown}:{self._server.server_address[1]}/"

    def start(self) -> str:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="playground-page", daemon=True
        )
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        self._server.serve_forever(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(_PageHandler):
            server_owner = owner

        return Handler


def _page_file(name: str) -> bytes:
    return resources.files("bot.playground").joinpath("page", name).read_bytes()


class _PageHandler(BaseHTTPRequestHandler):
    server_owner: PageServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("page: " + format, *args)

    # ------------------------------------------------------------------ replies

    def _send(self, status: int, ctype: str, data: bytes, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, "application/json; charset=utf-8", json.dumps(value).encode())

    # ------------------------------------------------------------------ GET

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        path = parts.path
        owner = self.server_owner
        if path == "/":
            self._send(200, "text/html; charset=utf-8", _page_file("index.html"))
        elif path.startswith("/static/") and path[8:] in _STATIC:
            self._send(200, _STATIC[path[8:]] + "; charset=utf-8", _page_file(path[8:]))
        elif path == "/api/state":
            self._json(
                200,
                page_state(
                    owner.workspace,
                    owner.info,
                    query.get("user") or "",
                    query.get("channel") or "",
                ),
            )
        elif path == "/api/events":
            self._events()
        elif path.startswith("/files/"):
            file_id = path.split("/")[2]
            data = owner.workspace.slack.file_bytes(file_id)
            if data is None:
                self._send(404, "text/plain", b"no such file")
                return
            name = owner.workspace.slack.file_names().get(file_id, "")
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self._send_file(ctype, data)
        else:
            self._send(404, "text/plain", b"not found")

    def _send_file(self, ctype: str, data: bytes) -> None:
        """A file, or the byte range asked for: a browser reads an MP4's index (often at the
        end) with Range requests before it plays, and seeks with them when a clip loops."""
        match = re.match(r"^bytes=(\d*)-(\d*)$", self.headers.get("Range") or "")
        if not match or not data or match.group(0) == "bytes=-":
            self.send_response(200)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "max-age=3600")
            self.end_headers()
            self.wfile.write(data)
            return
        first, last = match.groups()
        if first:
            start, end = int(first), int(last) if last else len(data) - 1
        else:  # the last N bytes
            start, end = max(0, len(data) - int(last)), len(data) - 1
        end = min(end, len(data) - 1)
        if start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        part = data[start : end + 1]
        self.send_response(206)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(len(part)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        self.wfile.write(part)

    def _events(self) -> None:
        """Server-Sent Events: one ``change`` event per new version of the workspace."""
        slack = self.server_owner.workspace.slack
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = slack.version
        try:
            self.wfile.write(f"event: change\ndata: {seen}\n\n".encode())
            self.wfile.flush()
            while not self.server_owner._stop.is_set():
                version = slack.wait_for_change(seen, timeout=15.0)
                line = f"event: change\ndata: {version}\n\n" if version != seen else ": idle\n\n"
                seen = version
                self.wfile.write(line.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        self.close_connection = True

    # ------------------------------------------------------------------ POST

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(413, {"error": "That is too big for the playground (64 MB at most)."})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._json(400, {"error": "not JSON"})
            return
        action = _ACTIONS.get(path)
        if action is None:
            self._json(404, {"error": "not found"})
            return
        try:
            answer = action(self.server_owner.workspace, body)
        except PlaygroundError as exc:
            self._json(400, {"error": str(exc)})
            return
        except (KeyError, TypeError, ValueError) as exc:
            self._json(400, {"error": f"bad request: {exc}"})
            return
        self._json(200, answer or {"ok": True})


def _files(body: dict[str, Any]) -> list[tuple[str, bytes]]:
    return [(f["name"], base64.b64decode(f["data"])) for f in body.get("files") or []]


_ACTIONS: dict[str, Callable[[Workspace, dict[str, Any]], Any]] = {
    "/api/post": lambda w, b: w.post(
        b["user"], b["channel"], b.get("text") or "", b.get("thread_ts") or None, _files(b)
    ),
    "/api/click": lambda w, b: w.click(
        b["user"],
        b["channel"],
        b["ts"],
        b["action_id"],
        b.get("value"),
        b.get("ephemeral_ts") or None,
    ),
    "/api/react": lambda w, b: w.toggle_reaction(b["user"], b["channel"], b["ts"], b["name"]),
    "/api/view/submit": lambda w, b: {
        "errors": w.submit_view(b["user"], b["view_id"], b.get("values") or {})
    },
    "/api/view/close": lambda w, b: w.close_view(b["user"], b["view_id"]),
    "/api/channels": lambda w, b: {"channel": w.create_channel(b["name"])},
}
