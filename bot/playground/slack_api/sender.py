"""Slack → app direction: signed requests as Slack sends them to an app's HTTP endpoint.

Why: end-to-end tests should enter the app the way Slack does — slash commands form-encoded,
interactions as a form field ``payload=<json>``, events as JSON, all signed with the v0 HMAC —
so request verification, ack timing and payload parsing are exercised for real. When given the
``SlackImitation``, the sender also keeps both sides consistent: trigger_ids and response_urls are
registered with the imitation, button clicks carry the message as the imitation holds it (and
refuse to click a button that is not there), and a person's thread reply is stored before its
``message`` event is delivered.

Interactions are built in ``sender_interactions.py``, events in ``sender_events.py``, and the
result type is ``sent_request.py``; this module holds the transport (signing, POST) and slash
commands.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from slack_sdk.signature import SignatureVerifier

from .imitation import SlackImitation
from .sender_events import SendsEvents
from .sender_interactions import SendsInteractions

# ``X as X``: re-exported, these were defined here before the split.
from .sent_request import ACK_DEADLINE_S as ACK_DEADLINE_S
from .sent_request import SentRequest


class SlackSender(SendsInteractions, SendsEvents):
    """Sends signed Slack requests to ``app_url`` (e.g. ``http://127.0.0.1:PORT/slack/events``)."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        team_id: str = "T1",
        response_url_factory: Callable[[str], str] | None = None,
        *,
        imitation: SlackImitation | None = None,
        api_app_id: str = "A1",
        bot_user_id: str | None = None,
        verification_token: str = "legacy-verification-token",
        timeout: float = 10.0,
        first_id: int = 1,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.response_url_factory = response_url_factory
        self.imitation = imitation
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id or (imitation.bot_user_id if imitation else "UBOT")
        self.verification_token = verification_token
        self.timeout = timeout
        # Event ids and response_url keys count from here: a sender that outlives its process
        # (the playground restarted) starts past the ids it used, or the app would take its
        # new events for retries of old ones.
        self._counter = itertools.count(first_id)

    # ------------------------------------------------------------------ transport

    def sign(self, body: str, timestamp: int, *, forged: bool = False) -> str:
        """``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
        secret = self.signing_secret + ("-forged" if forged else "")
        verifier = SignatureVerifier(secret)
        signature = verifier.generate_signature(timestamp=str(timestamp), body=body)
        assert signature is not None
        return signature

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        forged: bool = False,
        timestamp: int | None = None,
        **info: Any,
    ) -> SentRequest:
        """POST a raw body, signed. ``forged``: wrong secret; ``timestamp``: e.g. a stale one."""
        ts = int(time.time()) if timestamp is None else int(timestamp)
        all_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": self.sign(body, ts, forged=forged),
            **(headers or {}),
        }
        req = Request(self.app_url, data=body.encode("utf-8"), headers=all_headers, method="POST")
        started = time.monotonic()
        try:
            with urlopen(req, timeout=self.timeout) as resp:
                status, text = resp.status, resp.read().decode("utf-8", "replace")
        except HTTPError as err:
            status, text = err.code, err.read().decode("utf-8", "replace")
        elapsed = time.monotonic() - started
        return SentRequest(status, text, elapsed=elapsed, request_body=body, **info)

    # ------------------------------------------------------------------ helpers

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"

    def _user(self, user_id: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": self.team_id,
        }

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": "dailies-imitation"}

    def _trigger(self, user_id: str, view_id: str | None = None) -> str:
        if self.imitation is not None:
            return self.imitation.issue_trigger_id(user_id, view_id)
        return f"{next(self._counter)}.{self.team_id}.unregistered"

    def _response_url(
        self,
        kind: str,
        *,
        channel: str | None,
        user: str,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> tuple[str, str]:
        key = self._next(f"{kind}-")
        url = f"http://127.0.0.1:9/response/{key}"  # unreachable unless a factory/imitation is set
        if self.imitation is not None:
            url = self.imitation.register_response_url(
                key, channel=channel, user=user, message_ts=message_ts, thread_ts=thread_ts
            )
        if self.response_url_factory is not None:
            url = self.response_url_factory(key)
        return key, url

    # ------------------------------------------------------------------ slash commands

    def command(
        self,
        command: str,
        text: str,
        user_id: str = "U1",
        channel_id: str = "C1",
        trigger_id: str | None = None,
        *,
        user_name: str | None = None,
        forged: bool = False,
        timestamp: int | None = None,
    ) -> SentRequest:
        """A slash command (form-encoded). Commands cannot be run inside threads, so no thread."""
        trigger_id = trigger_id or self._trigger(user_id)
        key, url = self._response_url("cmd", channel=channel_id, user=user_id)
        form = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": "dailies-imitation",
            "channel_id": channel_id,
            "channel_name": channel_id.lower(),
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": url,
            "trigger_id": trigger_id,
        }
        return self.post(
            urlencode(form),
            "application/x-www-form-urlencoded",
            forged=forged,
            timestamp=timestamp,
            response_url=url,
            response_key=key,
            trigger_id=trigger_id,
        )
