"""The HTTP side of the imitation: decode requests the way Slack's servers do, answer on the wire.

Why a module of its own: the wire format (routes, query string merged with a form, JSON or
multipart body, the token in ``Authorization`` or a form field, the ``x-oauth-scopes`` header) is
independent of what the methods do; ``SlackImitation`` only sees decoded parameters and returns
the JSON (or plain text) to answer.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from .imitation import SlackImitation

_SCOPES = (
    "app_mentions:read,channels:history,chat:write,commands,files:read,files:write,"
    "groups:history,im:history,reactions:read,reactions:write,users:read"
)


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    out: dict[str, Any] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        out[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return out


class _Handler(BaseHTTPRequestHandler):
    """Routes /api/<method>, /upload/<file_id>, /response/<key>, /files-pri/..."""

    owner: SlackImitation

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _token(self, form: dict[str, Any] | None) -> str | None:
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        if form is not None and form.get("token"):
            return str(form["token"])
        return None

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.startswith("/files-pri/"):
            status, ctype, data = self.owner.handle_download(parts.path, self._token(None))
            self._send(status, ctype, data)
        elif parts.path.startswith("/api/"):
            self._api(parts.path[5:], dict(parse_qsl(parts.query, keep_blank_values=True)), b"")
        else:
            self._send(404, "text/plain", b"not found")

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if parts.path.startswith("/api/"):
            self._api(parts.path[5:], query, body)
        elif parts.path.startswith("/upload/"):
            status, text = self.owner.handle_upload(parts.path[len("/upload/") :], body)
            self._send(status, "text/plain; charset=utf-8", text.encode())
        elif parts.path.startswith("/response/"):
            try:
                payload: Any = json.loads(body.decode("utf-8") or "null")
            except (UnicodeDecodeError, json.JSONDecodeError):
                payload = None
            status, text = self.owner.handle_response_url(parts.path[len("/response/") :], payload)
            self._send(status, "text/plain; charset=utf-8", text.encode())
        else:
            self._send(404, "text/plain", b"not found")

    def _api(self, method: str, query: dict[str, Any], body: bytes) -> None:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params: dict[str, Any] = dict(query)
        via_json = False
        form: dict[str, Any] | None = dict(query)
        if body:
            if ctype == "application/json":
                via_json = True
                try:
                    data = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    self._reply(200, {}, {"ok": False, "error": "invalid_json"})
                    return
                if not isinstance(data, dict):
                    self._reply(200, {}, {"ok": False, "error": "invalid_json"})
                    return
                params.update(data)
            elif ctype == "multipart/form-data":
                extra = _parse_multipart(self.headers.get("Content-Type", ""), body)
                params.update(extra)
                form = params
            else:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                form = params
        token = self._token(form)
        status, headers, answer = self.owner.handle_api(method, params, token, via_json)
        self._reply(status, headers, answer)

    def _reply(self, status: int, headers: dict[str, str], answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode("utf-8")
        all_headers = {"x-oauth-scopes": _SCOPES, **headers}
        self._send(status, "application/json; charset=utf-8", data, all_headers)
