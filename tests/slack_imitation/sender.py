"""Slack → app direction: signed requests as Slack sends them to an app's HTTP endpoint.

Why: end-to-end tests should enter the app the way Slack does — slash commands form-encoded,
interactions as a form field ``payload=<json>``, events as JSON, all signed with the v0 HMAC —
so request verification, ack timing and payload parsing are exercised for real. When given the
``SlackImitation``, the sender also keeps both sides consistent: trigger_ids and response_urls are
registered with the imitation, button clicks carry the message as the imitation holds it (and
refuse to click a button that is not there), and a person's thread reply is stored before its
``message`` event is delivered.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from slack_sdk.signature import SignatureVerifier

from .imitation import SlackImitation

ACK_DEADLINE_S = 3.0  # Slack shows the user an error when an interaction is not acked by then


class SentRequest(tuple):
    """``(status, body_text)`` — unpacks like a pair — plus what a test wants to assert on.

    Attributes: ``elapsed`` (seconds until the app answered), ``request_body`` (raw, as signed),
    ``response_url``/``response_key``/``trigger_id`` (interactions), ``event_id`` (events).
    """

    elapsed: float
    request_body: str
    response_url: str | None
    response_key: str | None
    trigger_id: str | None
    event_id: str | None

    def __new__(cls, status: int, body: str, **info: Any) -> SentRequest:
        obj = super().__new__(cls, (status, body))
        obj.__dict__.update(
            {"response_url": None, "response_key": None, "trigger_id": None, "event_id": None}
        )
        obj.__dict__.update(info)
        return obj

    @property
    def status(self) -> int:
        return self[0]

    @property
    def body(self) -> str:
        return self[1]

    @property
    def acked_in_time(self) -> bool:
        """What Slack cares about: HTTP 200 within 3 seconds."""
        return self.status == 200 and self.elapsed <= ACK_DEADLINE_S

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
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
        self._counter = itertools.count(1)

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

    def _interaction(
        self, payload: dict[str, Any], *, forged: bool, timestamp: int | None, **info: Any
    ) -> SentRequest:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(
            body, "application/x-www-form-urlencoded", forged=forged, timestamp=timestamp, **info
        )

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

    # ------------------------------------------------------------------ interactions

    @staticmethod
    def _find_element(
        blocks: list[dict[str, Any]], action_id: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        for block in blocks or []:
            candidates = list(block.get("elements") or [])
            if isinstance(block.get("accessory"), dict):
                candidates.append(block["accessory"])
            for element in candidates:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    return block.get("block_id"), element
        return None, None

    @staticmethod
    def _action(
        element: dict[str, Any] | None, action_id: str, block_id: str, value: str | None
    ) -> dict[str, Any]:
        kind = (element or {}).get("type", "button")
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": kind,
            "action_ts": f"{time.time():.6f}",
        }
        if kind == "button":
            own = (element or {}).get("value")
            if element is not None and value is not None and own is not None and value != own:
                raise ValueError(f"button {action_id} carries value {own!r}, not {value!r}")
            action["value"] = own if own is not None else value
            if element is not None:
                action["text"] = element.get("text")
                if "style" in element:
                    action["style"] = element["style"]
        elif kind in ("static_select", "overflow", "radio_buttons"):
            options = (element or {}).get("options") or []
            chosen = next((o for o in options if o.get("value") == value), None)
            if element is not None and chosen is None:
                raise ValueError(f"{action_id} has no option with value {value!r}")
            action["selected_option"] = chosen or {"value": value}
        else:
            action["value"] = value
        return action

    def block_action(
        self,
        action_id: str,
        value: str | None,
        user_id: str,
        channel_id: str,
        message_ts: str,
        thread_ts: str | None = None,
        block_id: str | None = None,
        message: dict[str, Any] | None = None,
        *,
        ephemeral: bool = False,
        forged: bool = False,
        timestamp: int | None = None,
    ) -> SentRequest:
        """A click on an element of a message (block_actions, form field ``payload``).

        With an imitation and no ``message``, the message is read from the imitation, and a click
        on an ``action_id`` the message does not show raises ValueError: a person cannot do that.
        ``value=None`` takes the button's own value.
        """
        if message is None and self.imitation is not None and not ephemeral:
            message = self.imitation.message(channel_id, message_ts)
            if message is None:
                raise ValueError(f"no message {message_ts} in {channel_id} to click on")
            message.pop("history", None)
        found_block, element = self._find_element((message or {}).get("blocks") or [], action_id)
        if message is not None and message.get("blocks") and element is None:
            raise ValueError(f"message {message_ts} has no element with action_id {action_id!r}")
        block_id = block_id or found_block or "b1"
        thread_ts = thread_ts or (message or {}).get("thread_ts")
        if thread_ts == message_ts:
            thread_ts = None  # a thread root: the container has no thread_ts
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        }
        if thread_ts:
            container["thread_ts"] = thread_ts
        trigger_id = self._trigger(user_id)
        key, url = self._response_url(
            "act",
            channel=channel_id,
            user=user_id,
            message_ts=None if ephemeral else message_ts,
            thread_ts=thread_ts,
        )
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": container,
            "trigger_id": trigger_id,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "state": {"values": {}},
            "response_url": url,
            "actions": [self._action(element, action_id, block_id, value)],
        }
        if not ephemeral:
            payload["message"] = message or {"type": "message", "ts": message_ts, "text": ""}
        return self._interaction(
            payload,
            forged=forged,
            timestamp=timestamp,
            response_url=url,
            response_key=key,
            trigger_id=trigger_id,
        )

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        user_id: str,
        private_metadata: str = "",
        *,
        view_id: str | None = None,
        forged: bool = False,
        timestamp: int | None = None,
    ) -> SentRequest:
        """A modal's Submit. ``values`` is ``state.values``: {block_id: {action_id: {...}}}.

        With an imitation, the view is the one it holds (``view_id``, or the latest view with
        this callback_id), and values for inputs the view does not have raise ValueError.
        """
        view: dict[str, Any] | None = None
        if self.imitation is not None:
            if view_id is not None:
                view = self.imitation.view(view_id)
            else:
                matching = [
                    v for v in self.imitation.views if v["view"]["callback_id"] == callback_id
                ]
                view = self.imitation.view(matching[-1]["view_id"]) if matching else None
        if view is not None:
            if view.get("callback_id") != callback_id:
                raise ValueError(f"view {view['id']} has callback_id {view.get('callback_id')!r}")
            inputs = {
                (b.get("block_id"), (b.get("element") or {}).get("action_id"))
                for b in view.get("blocks", [])
                if b.get("type") == "input"
            }
            for bid, actions in values.items():
                for aid in actions:
                    if (bid, aid) not in inputs:
                        raise ValueError(f"view has no input {bid}/{aid}")
        else:
            view = {
                "id": view_id or "VSYNTHETIC",
                "team_id": self.team_id,
                "type": "modal",
                "blocks": [],
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "hash": "0.0",
                "app_id": self.api_app_id,
                "root_view_id": view_id or "VSYNTHETIC",
                "previous_view_id": None,
            }
        if private_metadata:
            view["private_metadata"] = private_metadata
        view["state"] = {"values": values}
        trigger_id = self._trigger(user_id, view["id"])
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id,
            "view": view,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload, forged=forged, timestamp=timestamp, trigger_id=trigger_id)

    # ------------------------------------------------------------------ events

    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        *,
        retry_reason: str = "http_timeout",
        forged: bool = False,
        timestamp: int | None = None,
    ) -> SentRequest:
        """An Events API delivery; ``retry_num`` adds Slack's retry headers (same event again)."""
        event_id = event_id or f"Ev{next(self._counter):010d}"
        body = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event_id}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(
            json.dumps(body),
            "application/json",
            headers=headers,
            forged=forged,
            timestamp=timestamp,
            event_id=event_id,
        )

    def url_verification(self, challenge: str) -> SentRequest:
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.post(json.dumps(body), "application/json")

    @staticmethod
    def channel_type(channel: str) -> str:
        return {"C": "channel", "G": "group", "D": "im"}.get(channel[:1], "channel")

    def message_event(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        """The ``message`` event Slack sends for a stored message."""
        event = {
            k: v
            for k, v in message.items()
            if k
            in (
                "type",
                "subtype",
                "user",
                "bot_id",
                "text",
                "ts",
                "thread_ts",
                "files",
                "blocks",
                "upload",
                "team",
            )
        }
        event.update(
            {
                "type": "message",
                "channel": channel,
                "event_ts": message["ts"],
                "channel_type": self.channel_type(channel),
            }
        )
        root = message.get("thread_ts")
        if root and root != message["ts"] and self.imitation is not None:
            parent = self.imitation.message(channel, root) or {}
            if parent.get("user"):
                event["parent_user_id"] = parent["user"]
        return event

    def user_message(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        files: list[tuple[str, bytes]] | None = None,
        **send: Any,
    ) -> tuple[SentRequest, dict[str, Any]]:
        """A person posts (e.g. replies in a thread): store it, then deliver the message event."""
        if self.imitation is None:
            raise RuntimeError("user_message needs the SlackImitation (imitation=...)")
        msg = self.imitation.post_user_message(
            channel, user, text, thread_ts=thread_ts, files=files
        )
        return self.event(self.message_event(channel, msg), **send), msg

    def mention(
        self, channel: str, user: str, text: str, thread_ts: str | None = None, **send: Any
    ) -> tuple[SentRequest, dict[str, Any]]:
        """A person @mentions the bot: store the message, deliver ``app_mention``."""
        if self.imitation is None:
            raise RuntimeError("mention needs the SlackImitation (imitation=...)")
        tag = f"<@{self.bot_user_id}>"
        if tag not in text:
            text = f"{tag} {text}"
        msg = self.imitation.post_user_message(channel, user, text, thread_ts=thread_ts)
        event = self.message_event(channel, msg)
        event["type"] = "app_mention"
        event.pop("channel_type", None)
        return self.event(event, **send), msg

    def reaction_added(
        self, channel: str, ts: str, name: str, user: str, **send: Any
    ) -> SentRequest:
        """A person adds a reaction: record it in the imitation and deliver reaction_added."""
        item_user = None
        if self.imitation is not None:
            self.imitation.add_reaction(channel, ts, name, user)
            item_user = (self.imitation.message(channel, ts) or {}).get("user")
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "item_user": item_user,
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **send)
