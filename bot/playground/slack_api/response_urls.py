"""response_url posts (bolt's ``respond()``): ephemeral or in-channel replies, replace, delete.

Why a module of its own: a response_url is not the Web API — no token, plain-text answers, a
limited number of uses, and where a post lands depends on the interaction that issued the URL
(its channel, its message, its thread). The sender registers that context here. Mixed into
``SlackImitation``.
"""

from __future__ import annotations

import time
from typing import Any

from .blocks_rules import message_refusal

_RESPONSE_URL_USES = 5


class ResponseUrls:
    """Issuing, registering and answering response_urls on the imitation's server."""

    def response_url(self, key: str) -> str:
        """A response_url on this server; posts to it land in ``responses`` under ``key``."""
        self._require_started()
        return f"{self._root}response/{key}"

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

    def handle_response_url(self, key: str, body: Any) -> tuple[int, str]:
        """A post to a response_url (bolt's respond()): plain-text answers, like Slack."""
        with self._lock:
            self._promote_due_shares()
            record = {"key": key, **(body if isinstance(body, dict) else {"raw": body})}
            self._calls.append(("response_url", record))
            status, text = self._response_url_locked(key, body)
            if status == 200:
                self._touch()
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
