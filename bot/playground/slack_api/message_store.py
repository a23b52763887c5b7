"""Channels, threads and messages as the workspace holds them, and how they change.

Why a module of its own: chat.*, response_url posts, file shares and a person's own posts all
store, thread, edit and delete messages the same way (timestamps, reply counts, tombstones); they
share these helpers so the threads they build agree. Mixed into ``SlackImitation``; every method
expects its lock to be held.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from .api_errors import ApiError

_PRIVATE_KEYS = ("history", "deleted")


def _public(msg: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the API shows it (bookkeeping keys removed)."""
    return {k: copy.deepcopy(v) for k, v in msg.items() if k not in _PRIVATE_KEYS}


class MessageStore:
    """Message bookkeeping for ``SlackImitation`` (uses its ``_channels`` / ``_by_ts`` state)."""

    # ------------------------------------------------------------------ harness side

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
            self._touch()
            return copy.deepcopy(msg)

    def add_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[Any] | None = None,
        thread_ts: str | None = None,
        via: str = "ack",
    ) -> None:
        """An ephemeral Slack shows without a Web API call: a slash command's ack body (its
        ``text``/``blocks``), or Slack's own note that a command failed."""
        with self._lock:
            self._ephemerals.append(
                {
                    "channel": self._channel_id(channel),
                    "user": user,
                    "text": text,
                    "blocks": blocks,
                    "thread_ts": thread_ts,
                    "message_ts": self._next_ts(),
                    "via": via,
                }
            )
            self._touch()

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
