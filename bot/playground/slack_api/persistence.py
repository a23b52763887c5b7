"""Saving and restoring the imitation's workspace, and telling watchers that it changed.

Why: the playground keeps its conversation across restarts (a person sees the same channels,
threads, files and reactions, and the bot's resume logic can be seen working), and its page
updates live as the bot edits messages. Both need the same two things from the imitation: a
version number that moves on every change, and its state as plain JSON plus file bytes. Mixed
into ``SlackImitation``.
"""

from __future__ import annotations

import base64
import copy
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

# Web API methods that only read: they do not move the version (a page refetch per bot read
# would be wasted work).
_READS = frozenset(
    {"auth.test", "conversations.replies", "files.info", "reactions.get", "users.info"}
)


class Persistence:
    """``version`` / ``wait_for_change`` for live pages, ``export_state`` / ``import_state``."""

    _version: int
    _changed: threading.Condition

    def _init_changes(self) -> None:
        self._version = 0
        self._changed = threading.Condition(self._lock)

    def _touch(self) -> None:
        """Something a person could see changed (lock held)."""
        self._version += 1
        self._changed.notify_all()

    @property
    def version(self) -> int:
        return self._version

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block until the version passes ``since`` (or ``timeout``); returns the version.

        Pending file shares become visible by time, not by a request, so they are promoted
        while waiting."""
        with self._lock:
            self._promote_due_shares()
            if self._version == since:
                self._changed.wait_for(
                    lambda: self._version != since or bool(self._due_shares()),
                    timeout=min(timeout, 0.25) if self._pending_shares else timeout,
                )
                self._promote_due_shares()
            return self._version

    def _due_shares(self) -> bool:
        return any(s["due"] <= time.time() for s in self._pending_shares)

    # ------------------------------------------------------------------ state as JSON

    def export_state(self, *, include_bytes: bool = True) -> dict[str, Any]:
        """Everything a restart needs, as JSON-able data (deep copies).

        File bytes are base64-encoded, or left out (``include_bytes=False``, for a caller that
        stores each file once by itself: see ``file_bytes``)."""
        with self._lock:
            self._promote_due_shares()
            files = {}
            for fid, rec in self._files.items():
                saved = dict(rec)
                data = rec.get("bytes")
                saved["has_bytes"] = data is not None
                saved["bytes"] = (
                    base64.b64encode(data).decode() if data is not None and include_bytes else None
                )
                files[fid] = saved
            next_id = next(self._ids)
            self._ids = itertools.count(next_id)
            return copy.deepcopy(
                {
                    "channels": self._channels,
                    "files": files,
                    "ephemerals": self._ephemerals,
                    "views": self._views,
                    "view_log": self._view_log,
                    "reactions": [
                        {"channel": c, "ts": ts, "reactions": r}
                        for (c, ts), r in self._reactions.items()
                    ],
                    "users": self._users,
                    "next_id": next_id,
                    "last_ts_us": self._last_ts_us,
                }
            )

    def file_names(self) -> dict[str, str]:
        """file id → name, without copying any bytes (a page lists files on every read)."""
        with self._lock:
            return {fid: rec["name"] for fid, rec in self._files.items()}

    def file_bytes(self, file_id: str) -> bytes | None:
        with self._lock:
            rec = self._files.get(file_id)
            return rec["bytes"] if rec else None

    def import_state(
        self,
        state: dict[str, Any],
        load_bytes: Callable[[str], bytes | None] | None = None,
    ) -> None:
        """Replace the workspace with one ``export_state`` made (before serving); files saved
        without their bytes get them from ``load_bytes(file_id)``."""
        with self._lock:
            self._channels = state.get("channels", {})
            self._by_ts = {
                (channel, m["ts"]): m for channel, msgs in self._channels.items() for m in msgs
            }
            self._files = {}
            for fid, rec in state.get("files", {}).items():
                data = rec.pop("bytes", None)
                raw = base64.b64decode(data) if data is not None else None
                if raw is None and rec.pop("has_bytes", False) and load_bytes is not None:
                    raw = load_bytes(fid)
                rec.pop("has_bytes", None)
                self._files[fid] = {**rec, "bytes": raw}
            self._ephemerals = state.get("ephemerals", [])
            self._views = state.get("views", {})
            self._view_log = state.get("view_log", [])
            self._reactions = {
                (r["channel"], r["ts"]): r["reactions"] for r in state.get("reactions", [])
            }
            self._users = state.get("users", {})
            self._ids = itertools.count(int(state.get("next_id", 1)))
            self._last_ts_us = int(state.get("last_ts_us", 0))
            self._touch()
