"""Talking to Slack's Web API: the client, uploads, and the waits Slack's platform needs.

Rate limits are retried by slack_sdk's own RateLimitErrorRetryHandler; what is added here is only
what slack_sdk leaves to apps: waiting until an uploaded file is shared before an image block may
reference it, keeping progress edits to one a second per message, and keeping posts inside the
per-channel budget (bot/slack/rate_budget.py) so that a burst is spaced out rather than 429'd.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot import logs
from bot.config import Settings
from bot.slack.rate_budget import POST_METHODS, RateBudget, channel_of, on_listener_thread
from bot.slack.retries import SafeConnectionErrorRetryHandler, SafeServerErrorRetryHandler

log = logging.getLogger(__name__)


class LoggedWebClient(WebClient):
    """A WebClient that logs every call Slack refused or that never got an answer (after
    slack_sdk's own retries), as one structured line: method, error, HTTP status, seconds.

    With a ``budget``, posts (chat.postMessage, chat.postEphemeral) first wait for their
    channel's token, at most ``post_max_wait`` seconds, except on a Bolt listener thread, which
    never waits (its work may stand between a person and their 3-second ack)."""

    budget: RateBudget | None = None
    post_max_wait: float = 30.0

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.budget is not None and api_method in POST_METHODS:
            most = 0.0 if on_listener_thread() else self.post_max_wait
            self.budget.wait_turn(api_method, channel_of(kwargs), most)
        began = time.monotonic()
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            logs.slack_call_failed(
                api_method, error, time.monotonic() - began, exc.response.status_code
            )
            raise
        except Exception as exc:
            logs.slack_call_failed(api_method, type(exc).__name__, time.monotonic() - began)
            raise


class BudgetedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, told to the budget: the Retry-After holds the call's buckets, and
    the retry then waits for its own token like every other call, so the posts queued behind it
    stay in line rather than each meeting its own 429."""

    def __init__(self, budget: RateBudget, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.budget = budget

    def prepare_for_next_attempt(  # type: ignore[override]
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        method = request.url.rstrip("/").rsplit("/", 1)[-1]
        if response is None or not self.budget.governs(method):
            return super().prepare_for_next_attempt(
                state=state, request=request, response=response, error=error
            )
        after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        retry_after = float(after[0] if isinstance(after, list) else after)
        channel = request_channel(request)
        self.budget.hold(method, channel, retry_after)
        state.next_attempt_requested = True
        self.budget.sleep(max(retry_after, self.budget.reserve(method, channel)))
        state.increment_current_attempt()


def request_channel(request: HttpRequest) -> str | None:
    """The channel of a chat.* call as slack_sdk sent it (a JSON body)."""
    try:
        body = json.loads(request.data or b"{}")
    except ValueError:
        body = request.body_params or {}
    return str(body["channel"]) if isinstance(body, dict) and body.get("channel") else None


def make_client(settings: Settings, budget: RateBudget | None = None) -> WebClient:
    """A WebClient that rides out Slack's bad moments: 429s (waiting out Retry-After), 5xx
    answers and dropped connections are retried by slack_sdk's own handlers, except where a
    repeat could post twice (bot/slack/retries.py); what still fails is the delivery outbox's
    to try again later, after looking for what was already posted (handlers/job_messages.py)."""
    client = LoggedWebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        retry_handlers=[
            SafeConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=settings.rate_limit_retries)
            if budget is None
            else BudgetedRateLimitRetryHandler(budget, settings.rate_limit_retries),
            SafeServerErrorRetryHandler(max_retry_count=settings.server_error_retries),
        ],
    )
    client.budget = budget
    client.post_max_wait = settings.post_max_wait_s
    return client


@dataclass(frozen=True)
class Upload:
    path: Path
    filename: str
    title: str
    alt_text: str


def upload_files(
    client: WebClient, channel: str, thread_ts: str | None, uploads: list[Upload]
) -> list[str]:
    """Upload files into a channel/thread in one files_upload_v2 call; returns file ids in order."""
    response = client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        file_uploads=[
            {"file": str(u.path), "filename": u.filename, "title": u.title, "alt_txt": u.alt_text}
            for u in uploads
        ],
        request_file_info=False,
    )
    return [f["id"] for f in response["files"]]


def wait_until_shared(client: WebClient, file_ids: list[str], channel: str, timeout: float) -> bool:
    """Slack processes uploads asynchronously; an image block that references a file before it
    is shared in the channel is refused. Poll files.info (Tier 4) until each file shows the share.
    """
    deadline = time.monotonic() + timeout
    pending = list(file_ids)
    delay = 0.1
    while pending:
        file_id = pending[0]
        info = client.files_info(file=file_id)["file"]
        shares = info.get("shares", {})
        if any(channel in shares.get(kind, {}) for kind in ("public", "private")):
            pending.pop(0)
            continue
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
    return True


def post_referencing_files(
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    text: str,
    blocks: list[dict[str, Any]],
    timeout: float,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """chat.postMessage for a message whose image blocks reference fresh uploads: if Slack still
    says "invalid slack file" (its processing lags files.info now and then), back off and retry."""
    deadline = time.monotonic() + timeout
    delay = 0.25
    while True:
        try:
            return client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, metadata=metadata
            ).data  # type: ignore[return-value]
        except SlackApiError as exc:
            errors = " ".join(map(str, exc.response.get("errors", [])))
            if exc.response.get("error") != "invalid_blocks" or "slack file" not in errors:
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


class Throttle:
    """At most one call per key per interval; the last word (``force=True``) always goes out."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, force: bool = False) -> bool:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last.get(key, -1e9) < self.interval:
                return False
            self._last[key] = now
            return True
