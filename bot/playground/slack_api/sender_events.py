"""Events API deliveries: message, app_mention and reaction_added events, retries, url checks.

Why a module of its own: an event describes something a person did, so with the imitation the
sender stores it first (the message, the reaction) and builds the event from what is stored —
the app then reads back the same thing through the Web API. Mixed into ``SlackSender``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .sent_request import SentRequest


class SendsEvents:
    """Event envelopes (JSON, optional retry headers) and the person-side actions behind them."""

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

    def reaction_removed(
        self, channel: str, ts: str, name: str, user: str, **send: Any
    ) -> SentRequest | None:
        """A person takes a reaction back: remove it in the imitation, deliver reaction_removed.

        None (nothing sent) when the imitation holds no such reaction: Slack sends no event."""
        item_user = None
        if self.imitation is not None:
            if not self.imitation.remove_reaction(channel, ts, name, user):
                return None
            item_user = (self.imitation.message(channel, ts) or {}).get("user")
        event = {
            "type": "reaction_removed",
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "item_user": item_user,
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **send)
