"""A local imitation of Slack's Web API for end-to-end tests.

Why: mocks of ``WebClient`` accept anything, so a bot that works against mocks can still be refused
by Slack (too many blocks, a ``slack_file`` that is not processed yet, a thread that does not
exist, a rate limit). This server speaks the wire protocol the real ``slack_sdk.WebClient`` uses
(pointed at it with ``base_url``), keeps the state a person would see (channels, threads, files,
ephemerals, modals, reactions) and refuses what Slack refuses, with Slack's error codes.

Standard library only: ``http.server.ThreadingHTTPServer`` in a daemon thread, one lock around the
state. Wire facts, read from the slack_sdk 3.47 / slack-bolt 1.30 sources:

* every Web API call is a POST (slack_sdk ignores ``http_verb``); "GET" methods such as
  conversations.replies arrive form-encoded in the body, so query string and body are merged;
* chat.*, views.* go as JSON (``application/json;charset=utf-8``); files.*, reactions.*, users.info,
  auth.test as ``application/x-www-form-urlencoded``; a call without parameters (auth.test) is a
  POST with an empty body and a JSON content type;
* the token travels in ``Authorization: Bearer``; Slack also reads ``token`` from a form body,
  never from a JSON body;
* bolt's per-request client adds ``team_id`` to every call's parameters;
* the files_upload_v2 upload step POSTs the raw bytes to the absolute ``upload_url`` with no
  Authorization header and urllib's default ``Content-Type: application/x-www-form-urlencoded``;
* bolt's ``respond()`` POSTs JSON to the response_url; Slack answers plain text (``ok``).
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import io
import itertools
import json
import math
import mimetypes
import re
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from .blocks_rules import FileCheck, message_refusal, validate_view

T = TypeVar("T")

# Methods whose documented content types do not include JSON: a JSON body is ignored by Slack
# (the arguments are simply not seen), so we ignore it too rather than being kinder than Slack.
_FORM_ONLY_METHODS = frozenset(
    {
        "conversations.replies",
        "files.info",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "reactions.get",
        "users.info",
    }
)
_SCOPES = (
    "app_mentions:read,channels:history,chat:write,commands,files:read,files:write,"
    "groups:history,im:history,reactions:read,reactions:write,users:read"
)
_PRIVATE_KEYS = ("history", "deleted")
_EMOJI_NAME = re.compile(r"^[a-z0-9_+\-']+$")
_TRIGGER_TTL = 3.0  # seconds a trigger_id may be exchanged for a modal
_RESPONSE_URL_USES = 5


class ApiError(Exception):
    """An ``{"ok": false, "error": ...}`` answer; raised inside method handlers."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def _blocks_error(code: str, errors: list[str]) -> ApiError:
    """Slack lists block errors both in ``errors`` and in ``response_metadata.messages``."""
    return ApiError(
        code,
        errors=errors,
        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


class SlackImitation:
    """The fake Slack workspace + Web API server. See the module docstring for why."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        team_id: str = "T1",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        file_share_delay: float = 0.2,
        post_rate_limit_per_sec: float | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = "A1"
        self.file_share_delay = file_share_delay
        self.post_rate_limit_per_sec = post_rate_limit_per_sec

        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._root = ""  # "http://127.0.0.1:PORT/"
        self._last_ts_us = 0
        self._ids = itertools.count(1)

        self._channels: dict[str, list[dict[str, Any]]] = {}
        self._by_ts: dict[tuple[str, str], dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._pending_shares: list[dict[str, Any]] = []
        self._ephemerals: list[dict[str, Any]] = []
        self._responses: list[dict[str, Any]] = []
        self._response_ctx: dict[str, dict[str, Any]] = {}
        self._response_uses: dict[str, int] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._view_log: list[dict[str, Any]] = []
        self._triggers: dict[str, dict[str, Any]] = {}
        self._reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._outcomes: list[dict[str, Any]] = []
        self._post_buckets: dict[str, tuple[float, float]] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackImitation:
        """Bind an ephemeral loopback port and serve in a daemon thread."""
        if self._server is not None:
            return self
        imitation = self

        class Handler(_Handler):
            owner = imitation

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self._root = f"http://127.0.0.1:{port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name="slack-imitation",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackImitation:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Web API base for ``WebClient(base_url=...)``."""
        self._require_started()
        return f"{self._root}api/"

    @property
    def root_url(self) -> str:
        self._require_started()
        return self._root

    def response_url(self, key: str) -> str:
        """A response_url on this server; posts to it land in ``responses`` under ``key``."""
        self._require_started()
        return f"{self._root}response/{key}"

    def _require_started(self) -> None:
        if not self._root:
            raise RuntimeError("SlackImitation is not started; call start() or use `with`")

    # ------------------------------------------------------------------ test-side views

    def _snapshot(self, fn: Callable[[], T]) -> T:
        with self._lock:
            self._promote_due_shares()
            return copy.deepcopy(fn())

    def messages(self, channel: str, *, top_level_only: bool = False) -> list[dict[str, Any]]:
        """Every message in ``channel`` (replies included unless ``top_level_only``), ts order."""

        def pick() -> list[dict[str, Any]]:
            msgs = self._channels.get(channel, [])
            if top_level_only:
                msgs = [m for m in msgs if m.get("thread_ts") in (None, m["ts"])]
            return msgs

        return self._snapshot(pick)

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Replies of the thread rooted at ``thread_ts``, in order (the root excluded)."""
        return self._snapshot(
            lambda: [
                m
                for m in self._channels.get(channel, [])
                if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]
        )

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return self._snapshot(lambda: self._by_ts.get((channel, ts)))

    @property
    def channels(self) -> list[str]:
        return self._snapshot(lambda: list(self._channels))

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """id → {id, name, title, bytes, channels, thread_ts, uploaded_at, shared_at, ...}."""
        return self._snapshot(lambda: self._files)

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        return self._snapshot(lambda: self._ephemerals)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Accepted response_url posts: {"key", "json", "at"}."""
        return self._snapshot(lambda: self._responses)

    @property
    def views(self) -> list[dict[str, Any]]:
        """Every accepted views.open/update/push, in order: {"method", "view_id", "view", ...}."""
        return self._snapshot(lambda: self._view_log)

    def view(self, view_id: str) -> dict[str, Any] | None:
        """The current state of a view (after updates)."""
        return self._snapshot(lambda: self._views.get(view_id))

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """(method, params) for every request received, refused ones included."""
        return self._snapshot(lambda: self._calls)

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        """Like ``calls`` with the answer: {"method", "params", "status", "response"}."""
        return self._snapshot(lambda: self._outcomes)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    @property
    def reactions(self) -> dict[tuple[str, str], dict[str, set[str]]]:
        return self._snapshot(
            lambda: {k: {n: set(u) for n, u in v.items() if u} for k, v in self._reactions.items()}
        )

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """A person reacts (harness side; deliver the reaction_added event with the sender)."""
        with self._lock:
            self._promote_due_shares()
            if (channel, ts) not in self._by_ts:
                raise KeyError(f"no message {ts} in {channel}")
            users = self._reactions.setdefault((channel, ts), {}).setdefault(name, [])
            if user not in users:
                users.append(user)

    def add_user(self, user_id: str, name: str, real_name: str | None = None) -> None:
        with self._lock:
            self._users[user_id] = {"name": name, "real_name": real_name or name}

    def post_user_message(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        files: list[tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        """A person posts (optionally in a thread, optionally with files (name, bytes)).

        The files are shared at once (Slack delivers the message event only after processing).
        Returns the stored message dict; send the matching event with ``SlackSender``.
        """
        with self._lock:
            self._promote_due_shares()
            channel = self._channel_id(channel)
            root = None
            if thread_ts:
                root = self._thread_root(channel, thread_ts)
                if root is None:
                    raise KeyError(f"no message {thread_ts} in {channel} to reply to")
            ts = self._next_ts()
            msg: dict[str, Any] = {
                "type": "message",
                "ts": ts,
                "user": user,
                "text": text,
                "team": self.team_id,
            }
            if files:
                msg["subtype"] = "file_share"
                msg["upload"] = True
                file_objs = []
                for name, data in files:
                    fid = self._new_file_record(name, len(data), user=user)
                    rec = self._files[fid]
                    rec["bytes"] = bytes(data)
                    rec["uploaded_at"] = rec["completed_at"] = rec["shared_at"] = time.time()
                    rec["title"] = name
                    rec["channels"] = [channel]
                    rec["thread_ts"] = root
                    rec["shares"].append({"channel": channel, "ts": ts, "thread_ts": root})
                    file_objs.append(self._file_object(rec))
                msg["files"] = file_objs
            self._store_message(channel, msg, root)
            return copy.deepcopy(msg)

    def issue_trigger_id(self, user: str = "U1", view_id: str | None = None) -> str:
        """A trigger_id as Slack sends with an interaction: single use, valid for 3 seconds."""
        with self._lock:
            n = next(self._ids)
            trigger = f"{n}.{self.team_id}.{n:08x}"
            self._triggers[trigger] = {
                "created": time.monotonic(),
                "used": False,
                "user": user,
                "view_id": view_id,
            }
            return trigger

    def register_response_url(
        self,
        key: str,
        *,
        channel: str | None,
        user: str,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Tell the imitation where posts to this response_url go (channel, original message)."""
        with self._lock:
            self._response_ctx[key] = {
                "channel": channel,
                "user": user,
                "message_ts": message_ts,
                "thread_ts": thread_ts,
            }
        return self.response_url(key)

    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02
    ) -> T:
        """Poll ``predicate`` until truthy; on timeout fail with the recent calls, for diagnosis."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"condition not met within {timeout}s; recent calls:\n{self.dump_calls()}"
                )
            time.sleep(interval)

    def dump_calls(self, last: int = 25) -> str:
        lines = []
        for o in self.outcomes[-last:]:
            params = {k: v for k, v in o["params"].items() if k != "bytes"}
            text = json.dumps(params, default=str)
            if len(text) > 300:
                text = text[:300] + "…"
            resp = o["response"]
            verdict = resp.get("error") if isinstance(resp, dict) else resp
            lines.append(f"  {o['method']} {text} -> {o['status']} {verdict or 'ok'}")
        return "\n".join(lines) or "  (no calls)"

    # ------------------------------------------------------------------ state helpers (locked)

    def _next_ts(self, base: float | None = None) -> str:
        """Unique, increasing, wall-clock based message timestamps."""
        us = int((base if base is not None else time.time()) * 1_000_000)
        us = max(us, self._last_ts_us + 1)
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _channel_id(self, channel: Any) -> str:
        """Channels exist on first use. A user id addresses the DM with that user."""
        if not isinstance(channel, str) or not channel:
            raise ApiError("channel_not_found")
        if channel[0] in "UW" and channel[1:].isalnum():
            channel = "D" + channel[1:]
        if channel[0] not in "CGD" or not channel[1:].isalnum():
            raise ApiError("channel_not_found")
        self._channels.setdefault(channel, [])
        return channel

    def _existing_channel(self, channel: Any) -> str:
        if not isinstance(channel, str) or channel not in self._channels:
            # Unknown-but-valid ids are treated as empty channels, like on first use.
            return self._channel_id(channel)
        return channel

    def _thread_root(self, channel: str, thread_ts: str) -> str | None:
        """The root ts a reply to ``thread_ts`` attaches to (a reply's parent), or None."""
        msg = self._by_ts.get((channel, thread_ts))
        if msg is None or msg.get("deleted"):
            return None
        return msg.get("thread_ts") or msg["ts"]

    def _store_message(self, channel: str, msg: dict[str, Any], root: str | None) -> None:
        if root is not None:
            msg["thread_ts"] = root
            parent = self._by_ts[(channel, root)]
            parent["thread_ts"] = root
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            who = msg.get("user") or msg.get("bot_id")
            users = parent.setdefault("reply_users", [])
            if who and who not in users:
                users.append(who)
            parent["reply_users_count"] = len(users)
            parent["latest_reply"] = msg["ts"]
        self._channels.setdefault(channel, []).append(msg)
        self._by_ts[(channel, msg["ts"])] = msg

    def _bot_message(self, text: str, blocks: list[Any] | None, ts: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "text": text,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        if blocks:
            msg["blocks"] = blocks
        return msg

    def _new_file_record(self, name: str, length: int, *, user: str) -> str:
        fid = f"F{next(self._ids):09d}"
        self._files[fid] = {
            "id": fid,
            "name": name,
            "title": name,
            "length": length,
            "bytes": None,
            "user": user,
            "created": int(time.time()),
            "uploaded_at": None,
            "completed_at": None,
            "channels": [],
            "thread_ts": None,
            "shared_at": None,
            "initial_comment": None,
            "alt_txt": None,
            "shares": [],
        }
        return fid

    def _promote_due_shares(self) -> None:
        """Shares become visible once processing (``file_share_delay``) is over.

        Done lazily before every request and every test-side read; the message ts is based on the
        due time, so ordering against messages posted later stays right.
        """
        now = time.time()
        due = [s for s in self._pending_shares if s["due"] <= now]
        if not due:
            return
        self._pending_shares = [s for s in self._pending_shares if s["due"] > now]
        for share in sorted(due, key=lambda s: s["due"]):
            channel, root = share["channel"], share["thread_ts"]
            if root is not None and (channel, root) not in self._by_ts:
                root = None  # the thread root was deleted meanwhile
            ts = self._next_ts(share["due"])
            recs = [self._files[fid] for fid in share["file_ids"]]
            for rec in recs:
                rec["shares"].append({"channel": channel, "ts": ts, "thread_ts": root})
            msg = self._bot_message(share["initial_comment"] or "", None, ts)
            msg["upload"] = True
            msg["display_as_bot"] = False
            msg["files"] = [self._file_object(rec) for rec in recs]
            self._store_message(channel, msg, root)

    def _file_object(self, rec: dict[str, Any]) -> dict[str, Any]:
        """The file as files.info / completeUploadExternal show it."""
        name = rec["name"]
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        base = f"{self._root}files-pri/{self.team_id}-{rec['id']}"
        obj: dict[str, Any] = {
            "id": rec["id"],
            "created": rec["created"],
            "timestamp": rec["created"],
            "name": name,
            "title": rec["title"],
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": rec["user"],
            "user_team": self.team_id,
            "editable": False,
            "size": rec["length"],
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
            "permalink": f"{self._root}files/{rec['user']}/{rec['id']}/{name}",
        }
        if rec.get("alt_txt"):
            obj["alt_txt"] = rec["alt_txt"]
        size = _image_size(rec.get("bytes"), mimetype)
        if size is not None:
            obj["original_w"], obj["original_h"] = size
        public: dict[str, list[dict[str, Any]]] = {}
        private: dict[str, list[dict[str, Any]]] = {}
        for share in rec["shares"]:
            entry: dict[str, Any] = {
                "ts": share["ts"],
                "channel_name": share["channel"].lower(),
                "team_id": self.team_id,
                "share_user_id": rec["user"],
            }
            if share["thread_ts"]:
                entry["thread_ts"] = share["thread_ts"]
            bucket = public if share["channel"].startswith("C") else private
            bucket.setdefault(share["channel"], []).append(entry)
        shared = [s["channel"] for s in rec["shares"]]
        obj["channels"] = sorted({c for c in shared if c.startswith("C")})
        obj["groups"] = sorted({c for c in shared if c.startswith("G")})
        obj["ims"] = sorted({c for c in shared if c.startswith("D")})
        obj["is_public"] = bool(obj["channels"])
        if public or private:
            obj["shares"] = {}
            if public:
                obj["shares"]["public"] = public
            if private:
                obj["shares"]["private"] = private
        return obj

    def _file_check_for(self, channel: str | None) -> FileCheck:
        """slack_file references must name a file already shared (and processed) in ``channel``."""

        def check(ref: dict[str, Any]) -> str | None:
            rec = None
            if "id" in ref:
                rec = self._files.get(ref["id"])
            else:
                for candidate in self._files.values():
                    obj = self._file_object(candidate)
                    if ref["url"] in (obj["url_private"], obj["permalink"]):
                        rec = candidate
                        break
            label = ref.get("id") or ref.get("url")
            if rec is None or rec["completed_at"] is None:
                return f"{label} does not exist"
            shared_in = {s["channel"] for s in rec["shares"]}
            if channel is None:
                if shared_in:
                    return None
                pending = any(rec["id"] in s["file_ids"] for s in self._pending_shares)
                return f"{label} is {'still processing' if pending else 'not shared anywhere'}"
            if channel in shared_in:
                return None
            pending = any(
                rec["id"] in s["file_ids"] and s["channel"] == channel for s in self._pending_shares
            )
            if pending:
                return f"{label} is still processing in {channel}"
            return f"{label} is not shared in {channel}"

        return check

    def _rate_limited(self, channel: str) -> float | None:
        """Token bucket per channel; returns seconds to wait when the post must be refused."""
        rate = self.post_rate_limit_per_sec
        if not rate:
            return None
        capacity = max(1.0, rate)
        now = time.monotonic()
        tokens, last = self._post_buckets.get(channel, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < 1.0:
            self._post_buckets[channel] = (tokens, now)
            return (1.0 - tokens) / rate
        self._post_buckets[channel] = (tokens - 1.0, now)
        return None

    # ------------------------------------------------------------------ request entry points

    def handle_api(
        self, method: str, params: dict[str, Any], token: str | None, via_json: bool
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Run one Web API method; returns (HTTP status, extra headers, JSON body)."""
        record = {k: v for k, v in params.items() if k != "token"}
        with self._lock:
            self._promote_due_shares()
            self._calls.append((method, record))
            try:
                handler = _METHODS.get(method)
                if handler is None:
                    raise ApiError("unknown_method")
                if token is None:
                    raise ApiError("not_authed")
                if token != self.bot_token:
                    raise ApiError("invalid_auth")
                if via_json and method in _FORM_ONLY_METHODS:
                    params = {}
                team = params.get("team_id")
                if team not in (None, "", self.team_id):
                    raise ApiError("team_access_not_granted")
                body = handler(self, params)
                status, headers = 200, {}
            except ApiError as exc:
                body, status, headers = exc.body(), exc.status, exc.headers
            except Exception as exc:  # a bug in the imitation: say so loudly, not a dropped socket
                body = {
                    "ok": False,
                    "error": "imitation_crashed",
                    "detail": repr(exc),
                    "traceback": traceback.format_exc(),
                }
                status, headers = 500, {}
            self._outcomes.append(
                {"method": method, "params": record, "status": status, "response": body}
            )
            return status, headers, body

    def handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """The absolute upload_url step of files_upload_v2 (no token; raw bytes)."""
        with self._lock:
            self._calls.append(("upload", {"file_id": file_id, "length": len(data)}))
            rec = self._files.get(file_id)
            if rec is None:
                status, text = 404, "file_not_found"
            elif len(data) != rec["length"]:
                status, text = 400, f"length mismatch: expected {rec['length']}, got {len(data)}"
            else:
                rec["bytes"] = bytes(data)
                rec["uploaded_at"] = time.time()
                status, text = 200, f"OK - {len(data)}"
            self._outcomes.append(
                {
                    "method": "upload",
                    "params": {"file_id": file_id, "length": len(data)},
                    "status": status,
                    "response": text,
                }
            )
            return status, text

    def handle_download(self, path: str, token: str | None) -> tuple[int, str, bytes]:
        """url_private(_download): bytes with the bot token; Slack's sign-in page without it."""
        with self._lock:
            self._calls.append(("files-pri", {"path": path}))
            if token != self.bot_token:
                # Slack answers 200 with an HTML login page, a classic trap for downloaders.
                page = b"<html><body>Sign in to Slack</body></html>"
                return 200, "text/html; charset=utf-8", page
            m = re.match(r"^/files-pri/[^/-]+-(F[0-9A-Z]+)/", path)
            rec = self._files.get(m.group(1)) if m else None
            if rec is None or rec["bytes"] is None:
                return 404, "text/plain", b"file_not_found"
            mimetype = mimetypes.guess_type(rec["name"])[0] or "application/octet-stream"
            return 200, mimetype, rec["bytes"]

    def handle_response_url(self, key: str, body: Any) -> tuple[int, str]:
        """A post to a response_url (bolt's respond()): plain-text answers, like Slack."""
        with self._lock:
            self._promote_due_shares()
            record = {"key": key, **(body if isinstance(body, dict) else {"raw": body})}
            self._calls.append(("response_url", record))
            status, text = self._response_url_locked(key, body)
            self._outcomes.append(
                {"method": "response_url", "params": record, "status": status, "response": text}
            )
            return status, text

    def _response_url_locked(self, key: str, body: Any) -> tuple[int, str]:
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        uses = self._response_uses.get(key, 0)
        if uses >= _RESPONSE_URL_USES:
            return 404, "used_url"
        ctx = self._response_ctx.get(key, {})
        channel = ctx.get("channel")
        if body.get("delete_original"):
            self._response_uses[key] = uses + 1
            self._responses.append({"key": key, "json": body, "at": time.time()})
            if channel and ctx.get("message_ts"):
                self._delete(channel, ctx["message_ts"])
            return 200, "ok"
        blocks = body.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            return 400, "invalid_blocks_format"
        refusal = message_refusal(
            body.get("text"),
            blocks,
            self._file_check_for(channel),
            has_attachments=bool(body.get("attachments")),
        )
        if refusal is not None:
            return 400, refusal[0]
        self._response_uses[key] = uses + 1
        self._responses.append({"key": key, "json": body, "at": time.time()})
        text = body.get("text") or ""
        if not channel:
            return 200, "ok"
        if body.get("replace_original") and ctx.get("message_ts"):
            msg = self._by_ts.get((channel, ctx["message_ts"]))
            if msg is not None:
                self._apply_update(msg, text, blocks if blocks is not None else [])
            return 200, "ok"
        thread_ts = body.get("thread_ts") or ctx.get("thread_ts")
        root = self._thread_root(channel, thread_ts) if thread_ts else None
        if body.get("response_type") == "in_channel":
            msg = self._bot_message(text, blocks, self._next_ts())
            self._store_message(channel, msg, root)
        else:
            self._ephemerals.append(
                {
                    "channel": channel,
                    "user": ctx.get("user"),
                    "text": text,
                    "blocks": blocks,
                    "thread_ts": root,
                    "message_ts": self._next_ts(),
                    "via": "response_url",
                }
            )
        return 200, "ok"

    # ------------------------------------------------------------------ Web API methods

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://dailies-imitation.slack.com/",
            "team": "Dailies Imitation",
            "user": "dailies",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _message_payload(
        self, params: dict[str, Any], channel: str, *, require_content: bool = True
    ) -> tuple[str | None, list[Any] | None]:
        text = params.get("text")
        if text is not None and not isinstance(text, str):
            text = str(text)
        blocks = _json_arg(params, "blocks", "invalid_blocks_format")
        if blocks is not None and not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        if require_content:
            refusal = message_refusal(
                text,
                blocks,
                self._file_check_for(channel),
                has_attachments=bool(params.get("attachments")),
            )
            if refusal is not None:
                raise _blocks_error(*refusal) if refusal[1] else ApiError(refusal[0])
        return text, blocks

    def _resolve_thread(self, channel: str, thread_ts: Any) -> str | None:
        if thread_ts in (None, ""):
            return None
        root = self._thread_root(channel, str(thread_ts))
        if root is None:
            raise ApiError("thread_not_found")
        return root

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        wait = self._rate_limited(channel)
        if wait is not None:
            raise ApiError(
                "ratelimited", status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )
        text, blocks = self._message_payload(params, channel)
        root = self._resolve_thread(channel, params.get("thread_ts"))
        msg = self._bot_message(text or "", blocks, self._next_ts())
        if root is not None and _truthy(params.get("reply_broadcast")):
            msg["subtype"] = "thread_broadcast"
        if isinstance(params.get("metadata"), dict):
            msg["metadata"] = params["metadata"]
        self._store_message(channel, msg, root)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": _public(msg)}

    def _own_message(self, params: dict[str, Any], refusal: str) -> tuple[str, dict[str, Any]]:
        channel = self._channel_id(params.get("channel"))
        ts = params.get("ts")
        msg = self._by_ts.get((channel, str(ts))) if ts else None
        if msg is None or msg.get("deleted"):
            raise ApiError("message_not_found")
        if msg.get("bot_id") != self.bot_id:
            raise ApiError(refusal)
        return channel, msg

    def _apply_update(self, msg: dict[str, Any], text: str | None, blocks: Any) -> None:
        msg.setdefault("history", []).append(
            {"text": msg.get("text"), "blocks": msg.get("blocks"), "replaced_at": time.time()}
        )
        if text is not None:
            msg["text"] = text
        if blocks is not None:
            if blocks:
                msg["blocks"] = blocks
            else:
                msg.pop("blocks", None)
        msg["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, msg = self._own_message(params, "cant_update_message")
        text, blocks = self._message_payload(params, channel, require_content=False)
        if (
            text is None
            and blocks is None
            and not params.get("attachments")
            and not params.get("file_ids")
        ):
            raise ApiError("no_text")
        # Omitted fields keep their old value (documented for chat.update), so validate the result.
        new_text = text if text is not None else msg.get("text")
        new_blocks = blocks if blocks is not None else msg.get("blocks")
        refusal = message_refusal(
            new_text,
            new_blocks or None,
            self._file_check_for(channel),
            has_attachments=bool(params.get("attachments")) or bool(msg.get("files")),
        )
        if refusal is not None:
            raise _blocks_error(*refusal) if refusal[1] else ApiError(refusal[0])
        self._apply_update(msg, text, blocks)
        return {
            "ok": True,
            "channel": channel,
            "ts": msg["ts"],
            "text": msg.get("text", ""),
            "message": _public(msg),
        }

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        user = params.get("user")
        if not user:
            raise ApiError("user_not_found")
        text, blocks = self._message_payload(params, channel)
        root = self._resolve_thread(channel, params.get("thread_ts"))
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": channel,
                "user": user,
                "text": text or "",
                "blocks": blocks,
                "thread_ts": root,
                "message_ts": ts,
                "via": "chat.postEphemeral",
            }
        )
        return {"ok": True, "message_ts": ts}

    def _delete(self, channel: str, ts: str) -> None:
        msg = self._by_ts.get((channel, ts))
        if msg is None:
            return
        if msg.get("reply_count"):
            # A parent with replies stays as a tombstone, as in Slack.
            previous = {"text": msg.get("text"), "blocks": msg.get("blocks")}
            msg.setdefault("history", []).append(previous)
            msg.update({"subtype": "tombstone", "text": "This message was deleted."})
            msg.pop("blocks", None)
            msg.pop("files", None)
            return
        self._channels[channel].remove(msg)
        del self._by_ts[(channel, ts)]
        root = msg.get("thread_ts")
        if root and root != ts and (channel, root) in self._by_ts:
            parent = self._by_ts[(channel, root)]
            parent["reply_count"] = max(0, parent.get("reply_count", 1) - 1)

    def _m_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, msg = self._own_message(params, "cant_delete_message")
        self._delete(channel, msg["ts"])
        return {"ok": True, "channel": channel, "ts": msg["ts"]}

    def _m_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        ts = params.get("ts")
        if not channel:
            raise ApiError("channel_not_found")
        if not ts:
            raise ApiError("invalid_arguments")
        channel = self._existing_channel(channel)
        root = self._thread_root(channel, str(ts))
        if root is None:
            raise ApiError("thread_not_found")
        thread = [
            m for m in self._channels[channel] if m["ts"] == root or m.get("thread_ts") == root
        ]
        limit = int(params.get("limit") or 1000)
        start = int(str(params.get("cursor") or "idx:0").split(":", 1)[1])
        page = thread[start : start + limit]
        more = start + limit < len(thread)
        out: dict[str, Any] = {"ok": True, "messages": [_public(m) for m in page], "has_more": more}
        out["response_metadata"] = {"next_cursor": f"idx:{start + limit}" if more else ""}
        return out

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = params.get("filename")
        length = params.get("length")
        if not filename:
            raise ApiError("invalid_arguments", detail="filename is required")
        try:
            n = int(length)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError("invalid_arguments", detail="length is required") from None
        if n < 1:
            raise ApiError("invalid_arguments", detail="length must be at least 1")
        fid = self._new_file_record(str(filename), n, user=self.bot_user_id)
        if params.get("alt_txt"):
            self._files[fid]["alt_txt"] = params["alt_txt"]
        return {"ok": True, "upload_url": f"{self._root}upload/{fid}", "file_id": fid}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("files")
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            raise ApiError("invalid_arguments", detail="files must be JSON") from None
        if not isinstance(items, list) or not items:
            raise ApiError("invalid_arguments", detail="files is required")
        recs = []
        for item in items:
            fid = item.get("id") if isinstance(item, dict) else None
            rec = self._files.get(fid) if fid else None
            if rec is None or rec["bytes"] is None:
                raise ApiError("file_not_found")
            recs.append((rec, item))
        channels: list[str] = []
        if params.get("channel_id"):
            channels.append(self._channel_id(params["channel_id"]))
        if params.get("channels"):
            channels += [self._channel_id(c.strip()) for c in str(params["channels"]).split(",")]
        thread_ts = params.get("thread_ts") or None
        if thread_ts and not channels:
            raise ApiError("invalid_arguments", detail="thread_ts needs channel_id")
        roots = {c: self._resolve_thread(c, thread_ts) for c in channels}
        now = time.time()
        for rec, item in recs:
            if item.get("title"):
                rec["title"] = str(item["title"])
            rec["completed_at"] = now
            rec["channels"] = list(channels)
            rec["shared_at"] = now if channels else None
            rec["thread_ts"] = next(iter(roots.values()), None)
            rec["initial_comment"] = params.get("initial_comment")
        for channel in channels:
            self._pending_shares.append(
                {
                    "due": now + self.file_share_delay,
                    "channel": channel,
                    "thread_ts": roots[channel],
                    "file_ids": [rec["id"] for rec, _ in recs],
                    "initial_comment": params.get("initial_comment"),
                }
            )
        self._promote_due_shares()  # a zero delay shares at once
        return {"ok": True, "files": [self._file_object(rec) for rec, _ in recs]}

    def _m_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        rec = self._files.get(params.get("file") or "")
        if rec is None or rec["completed_at"] is None:
            raise ApiError("file_not_found")
        return {
            "ok": True,
            "file": self._file_object(rec),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _reaction_target(self, params: dict[str, Any]) -> tuple[str, str]:
        channel = self._channel_id(params.get("channel"))
        ts = params.get("timestamp")
        if not ts or (channel, str(ts)) not in self._by_ts:
            raise ApiError("message_not_found")
        return channel, str(ts)

    def _m_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        key = self._reaction_target(params)
        name = str(params.get("name") or "")
        if not _EMOJI_NAME.match(name):
            raise ApiError("invalid_name")
        users = self._reactions.setdefault(key, {}).setdefault(name, [])
        if self.bot_user_id in users:
            raise ApiError("already_reacted")
        users.append(self.bot_user_id)
        return {"ok": True}

    def _m_reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        key = self._reaction_target(params)
        users = self._reactions.get(key, {}).get(str(params.get("name") or ""), [])
        if self.bot_user_id not in users:
            raise ApiError("no_reaction")
        users.remove(self.bot_user_id)
        return {"ok": True}

    def _m_reactions_get(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._reaction_target(params)
        msg = _public(self._by_ts[(channel, ts)])
        reactions = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in self._reactions.get((channel, ts), {}).items()
            if users
        ]
        if reactions:
            msg["reactions"] = reactions
        return {"ok": True, "type": "message", "channel": channel, "message": msg}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        uid = params.get("user")
        if not uid:
            raise ApiError("user_not_found")
        known = self._users.get(uid, {})
        is_bot = uid == self.bot_user_id
        name = known.get("name") or ("dailies" if is_bot else uid)
        real = known.get("real_name") or name
        return {
            "ok": True,
            "user": {
                "id": uid,
                "team_id": self.team_id,
                "name": name,
                "real_name": real,
                "deleted": False,
                "is_bot": is_bot,
                "tz": "Europe/London",
                "profile": {"real_name": real, "display_name": name, "team": self.team_id},
            },
        }

    def _exchange_trigger(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger_id = params.get("trigger_id") or params.get("interactivity_pointer")
        rec = self._triggers.get(trigger_id or "")
        if rec is None:
            raise ApiError("invalid_trigger_id")
        if rec["used"]:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - rec["created"] > _TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        rec["used"] = True
        return rec

    def _checked_view(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _json_arg(params, "view", "invalid_arguments")
        errors = validate_view(view, self._file_check_for(None))
        if errors:
            raise _blocks_error("invalid_arguments", errors)
        return view

    def _store_view(
        self, method: str, view: dict[str, Any], view_id: str, root: str, previous: str | None
    ) -> dict[str, Any]:
        ext = view.get("external_id")
        if ext and any(
            v.get("external_id") == ext and v["id"] != view_id for v in self._views.values()
        ):
            raise ApiError("duplicate_external_id")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": ext or "",
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.{next(self._ids)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        self._view_log.append({"method": method, "view_id": view_id, "view": stored})
        return {"ok": True, "view": stored}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._exchange_trigger(params)
        view = self._checked_view(params)
        view_id = f"V{next(self._ids):09d}"
        out = self._store_view("views.open", view, view_id, view_id, None)
        self._view_log[-1]["user"] = trigger["user"]
        return out

    def _m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._exchange_trigger(params)
        view = self._checked_view(params)
        parent = self._views.get(trigger.get("view_id") or "")
        if parent is None:
            raise ApiError("not_found", detail="views.push needs a trigger from inside a modal")
        root = parent["root_view_id"]
        depth = sum(1 for v in self._views.values() if v["root_view_id"] == root)
        if depth >= 3:
            raise ApiError("push_limit_reached")
        view_id = f"V{next(self._ids):09d}"
        return self._store_view("views.push", view, view_id, root, parent["id"])

    def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id, ext = params.get("view_id"), params.get("external_id")
        if not view_id and not ext:
            raise ApiError("invalid_arguments", detail="view_id or external_id is required")
        current = (
            self._views.get(view_id)
            if view_id
            else next((v for v in self._views.values() if v.get("external_id") == ext), None)
        )
        if current is None:
            raise ApiError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        view = self._checked_view(params)
        return self._store_view(
            "views.update",
            view,
            current["id"],
            current["root_view_id"],
            current["previous_view_id"],
        )


_METHODS: dict[str, Callable[[SlackImitation, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": SlackImitation._m_auth_test,
    "chat.postMessage": SlackImitation._m_chat_postMessage,
    "chat.update": SlackImitation._m_chat_update,
    "chat.postEphemeral": SlackImitation._m_chat_postEphemeral,
    "chat.delete": SlackImitation._m_chat_delete,
    "conversations.replies": SlackImitation._m_conversations_replies,
    "files.getUploadURLExternal": SlackImitation._m_files_getUploadURLExternal,
    "files.completeUploadExternal": SlackImitation._m_files_completeUploadExternal,
    "files.info": SlackImitation._m_files_info,
    "reactions.add": SlackImitation._m_reactions_add,
    "reactions.remove": SlackImitation._m_reactions_remove,
    "reactions.get": SlackImitation._m_reactions_get,
    "users.info": SlackImitation._m_users_info,
    "views.open": SlackImitation._m_views_open,
    "views.push": SlackImitation._m_views_push,
    "views.update": SlackImitation._m_views_update,
}


def _public(msg: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the API shows it (bookkeeping keys removed)."""
    return {k: copy.deepcopy(v) for k, v in msg.items() if k not in _PRIVATE_KEYS}


def _json_arg(params: dict[str, Any], key: str, error: str) -> Any:
    """Form bodies carry blocks/view as JSON strings; JSON bodies carry them as values."""
    value = params.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ApiError(error) from None
    return value


def _image_size(data: bytes | None, mimetype: str) -> tuple[int, int] | None:
    if not data or not mimetype.startswith("image/"):
        return None
    try:
        from PIL import Image  # optional; only for original_w/original_h
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except Exception:
        return None


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
