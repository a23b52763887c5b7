"""chat.postMessage, chat.update, chat.postEphemeral, chat.delete and conversations.replies.

Why a module of its own: these are the methods that put text and blocks in front of people, so
they carry the refusals that matter most (Block Kit rules, threads that do not exist, messages
the bot does not own, the per-channel post rate limit). Mixed into ``SlackImitation``; handlers run
with its lock held.
"""

from __future__ import annotations

import math
import time
from typing import Any

from .api_errors import ApiError, _blocks_error, _json_arg, _truthy
from .blocks_rules import message_refusal
from .message_store import _public


class ChatMethods:
    """``_m_chat_*`` / ``_m_conversations_replies`` handlers and their argument checks."""

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

    def _update_rate_limited(self) -> float | None:
        """chat.update is Tier 3 (about 50 a minute per workspace): a bucket with a burst of
        ``update_rate_burst``; returns seconds to wait when the edit must be refused."""
        per_min = self.update_rate_limit_per_min
        if not per_min:
            return None
        rate, capacity = per_min / 60.0, float(self.update_rate_burst)
        now = time.monotonic()
        tokens, last = self._update_bucket or (capacity, now)
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < 1.0:
            self._update_bucket = (tokens, now)
            return (1.0 - tokens) / rate
        self._update_bucket = (tokens - 1.0, now)
        return None

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        wait = self._update_rate_limited()
        if wait is not None:
            raise ApiError(
                "ratelimited", status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )
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
        out: dict[str, Any] = {"ok": True, "messages": _listed(page, params), "has_more": more}
        out["response_metadata"] = {"next_cursor": f"idx:{start + limit}" if more else ""}
        return out

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages (and broadcasts), newest first, from ``oldest`` on."""
        channel = params.get("channel")
        if not channel:
            raise ApiError("channel_not_found")
        channel = self._existing_channel(channel)
        oldest = float(params.get("oldest") or 0)
        shown = [
            m
            for m in self._channels.get(channel, [])
            if not m.get("deleted")
            and float(m["ts"]) >= oldest
            and (
                not m.get("thread_ts")
                or m["thread_ts"] == m["ts"]
                or m.get("subtype") == "thread_broadcast"
            )
        ]
        limit = int(params.get("limit") or 100)
        page = list(reversed(shown))[:limit]
        return {"ok": True, "messages": _listed(page, params), "has_more": len(shown) > limit}


def _listed(messages: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages as a listing shows them: ``metadata`` only when asked with include_all_metadata
    (as Slack does)."""
    keep = _truthy(params.get("include_all_metadata"))
    return [{k: v for k, v in _public(m).items() if keep or k != "metadata"} for m in messages]
