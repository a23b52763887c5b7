"""A local imitation of Slack's Web API, for end-to-end tests and the playground.

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

import itertools
import threading
import time
import traceback
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

# The ``X as X`` imports re-export names this module defined before it was split into the
# modules below, so ``from bot.playground.slack_api.imitation import X`` keeps working.
from .api_chat import ChatMethods
from .api_conversations import ConversationsMethods
from .api_errors import ApiError
from .api_errors import _blocks_error as _blocks_error
from .api_errors import _json_arg as _json_arg
from .api_errors import _truthy as _truthy
from .api_faults import FaultInjection
from .api_files import FilesMethods
from .api_files import _image_size as _image_size
from .api_reactions_users import _EMOJI_NAME as _EMOJI_NAME
from .api_reactions_users import ReactionsUsersMethods
from .api_views import _TRIGGER_TTL as _TRIGGER_TTL
from .api_views import ViewsMethods
from .blocks_rules import FileCheck as FileCheck
from .blocks_rules import message_refusal as message_refusal
from .blocks_rules import validate_view as validate_view
from .http_handler import _SCOPES as _SCOPES
from .http_handler import _Handler
from .http_handler import _parse_multipart as _parse_multipart
from .inspection import Inspection
from .inspection import T as T
from .message_store import _PRIVATE_KEYS as _PRIVATE_KEYS
from .message_store import MessageStore
from .message_store import _public as _public
from .persistence import _READS, Persistence
from .response_urls import _RESPONSE_URL_USES as _RESPONSE_URL_USES
from .response_urls import ResponseUrls

# Methods whose documented content types do not include JSON: a JSON body is ignored by Slack
# (the arguments are simply not seen), so we ignore it too rather than being kinder than Slack.
_FORM_ONLY_METHODS = frozenset(
    {
        "conversations.replies",
        "conversations.history",
        "files.info",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "reactions.get",
        "users.info",
    }
)


class SlackImitation(
    FaultInjection,
    Persistence,
    Inspection,
    MessageStore,
    ChatMethods,
    FilesMethods,
    ReactionsUsersMethods,
    ViewsMethods,
    ResponseUrls,
    ConversationsMethods,
):
    """The fake Slack workspace + Web API server. See the module docstring for why.

    The state lives here; each Web API method family is a mixin in its own module (``api_*.py``,
    ``response_urls.py``), the test-side reads are in ``inspection.py``.
    """

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        team_id: str = "T1",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        file_share_delay: float = 0.2,
        post_rate_limit_per_sec: float | None = None,
        update_rate_limit_per_min: float | None = None,
        update_rate_burst: int = 10,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = "A1"
        self.file_share_delay = file_share_delay
        self.post_rate_limit_per_sec = post_rate_limit_per_sec
        self.update_rate_limit_per_min = update_rate_limit_per_min
        self.update_rate_burst = update_rate_burst
        self._update_bucket: tuple[float, float] | None = None

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
        self._init_changes()

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> SlackImitation:
        """Bind a loopback port (an ephemeral one by default) and serve in a daemon thread."""
        if self._server is not None:
            return self
        imitation = self

        class Handler(_Handler):
            owner = imitation

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
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

    def _require_started(self) -> None:
        if not self._root:
            raise RuntimeError("SlackImitation is not started; call start() or use `with`")

    # ------------------------------------------------------------------ request entry point

    def handle_api(
        self, method: str, params: dict[str, Any], token: str | None, via_json: bool
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Run one Web API method; returns (HTTP status, extra headers, JSON body)."""
        record = {k: v for k, v in params.items() if k != "token"}
        late = self._injected_delay(method)
        if late:
            time.sleep(late)
        with self._lock:
            self._promote_due_shares()
            self._calls.append((method, record))
            try:
                handler = _METHODS.get(method)
                if handler is None:
                    raise ApiError("unknown_method")
                fault = self._injected_failure(method)
                if fault is not None and not getattr(fault, "acted", False):
                    raise fault
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
                if fault is not None:  # it acted, and the answer is lost
                    raise fault
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
                {
                    "method": method,
                    "params": record,
                    "status": status,
                    "response": body,
                    "at": time.monotonic(),
                }
            )
            if status == 200 and method not in _READS:
                self._touch()
            return status, headers, body


_METHODS: dict[str, Callable[[SlackImitation, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": SlackImitation._m_auth_test,
    "chat.postMessage": SlackImitation._m_chat_postMessage,
    "chat.update": SlackImitation._m_chat_update,
    "chat.postEphemeral": SlackImitation._m_chat_postEphemeral,
    "chat.delete": SlackImitation._m_chat_delete,
    "conversations.replies": SlackImitation._m_conversations_replies,
    "conversations.history": SlackImitation._m_conversations_history,
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
    "conversations.info": SlackImitation._m_conversations_info,
    "conversations.members": SlackImitation._m_conversations_members,
    "chat.getPermalink": SlackImitation._m_chat_getPermalink,
    "conversations.open": SlackImitation._m_conversations_open,
    "views.publish": SlackImitation._m_views_publish,
}
