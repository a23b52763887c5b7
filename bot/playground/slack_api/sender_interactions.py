"""Interactions as Slack sends them: button/select clicks (block_actions) and modal submissions.

Why a module of its own: an interaction must match what the person sees — the clicked element
has to be on the message, a select's value has to be one of its options, submitted values have to
belong to the modal's inputs — so building the payload means reading the imitation's state and
refusing what a person could not do. Mixed into ``SlackSender``.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from .sent_request import SentRequest


class SendsInteractions:
    """``block_action`` and ``view_submission`` (form field ``payload=<json>``) for SlackSender."""

    def _interaction(
        self, payload: dict[str, Any], *, forged: bool, timestamp: int | None, **info: Any
    ) -> SentRequest:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(
            body, "application/x-www-form-urlencoded", forged=forged, timestamp=timestamp, **info
        )

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
