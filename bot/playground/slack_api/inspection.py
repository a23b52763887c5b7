"""What a test reads back from the imitation: deep-copied snapshots of the workspace state.

Why a module of its own: tests assert on what a person would see (messages, threads, files,
ephemerals, modals, reactions) and on the calls the app made; every read goes through one locked,
deep-copying snapshot so a test never races the server thread or mutates its state. Mixed into
``SlackImitation``.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Inspection:
    """Test-side views of ``SlackImitation``'s state, plus polling helpers for diagnosis."""

    def _snapshot(self, fn: Callable[[], T]) -> T:
        with self._lock:
            self._promote_due_shares()
            return copy.deepcopy(fn())

    def messages(self, channel: str, *, top_level_only: bool = False) -> list[dict[str, Any]]:
        """Every message in ``channel`` (replies included unless ``top_level_only``), ts order."""

        def pick() -> list[dict[str, Any]]:
            msgs = self._channels.get(channel, [])
            if top_level_only:
                msgs = [m for m in msgs if m.get("thread_ts") in (None, m["ts"])]
            return msgs

        return self._snapshot(pick)

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Replies of the thread rooted at ``thread_ts``, in order (the root excluded)."""
        return self._snapshot(
            lambda: [
                m
                for m in self._channels.get(channel, [])
                if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]
        )

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return self._snapshot(lambda: self._by_ts.get((channel, ts)))

    @property
    def channels(self) -> list[str]:
        return self._snapshot(lambda: list(self._channels))

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """id → {id, name, title, bytes, channels, thread_ts, uploaded_at, shared_at, ...}."""
        return self._snapshot(lambda: self._files)

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        return self._snapshot(lambda: self._ephemerals)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Accepted response_url posts: {"key", "json", "at"}."""
        return self._snapshot(lambda: self._responses)

    @property
    def views(self) -> list[dict[str, Any]]:
        """Every accepted views.open/update/push, in order: {"method", "view_id", "view", ...}."""
        return self._snapshot(lambda: self._view_log)

    def view(self, view_id: str) -> dict[str, Any] | None:
        """The current state of a view (after updates)."""
        return self._snapshot(lambda: self._views.get(view_id))

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """(method, params) for every request received, refused ones included."""
        return self._snapshot(lambda: self._calls)

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        """Like ``calls`` with the answer: {"method", "params", "status", "response"}."""
        return self._snapshot(lambda: self._outcomes)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    @property
    def reactions(self) -> dict[tuple[str, str], dict[str, set[str]]]:
        return self._snapshot(
            lambda: {k: {n: set(u) for n, u in v.items() if u} for k, v in self._reactions.items()}
        )

    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02
    ) -> T:
        """Poll ``predicate`` until truthy; on timeout fail with the recent calls, for diagnosis."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"condition not met within {timeout}s; recent calls:\n{self.dump_calls()}"
                )
            time.sleep(interval)

    def dump_calls(self, last: int = 25) -> str:
        lines = []
        for o in self.outcomes[-last:]:
            params = {k: v for k, v in o["params"].items() if k != "bytes"}
            text = json.dumps(params, default=str)
            if len(text) > 300:
                text = text[:300] + "…"
            resp = o["response"]
            verdict = resp.get("error") if isinstance(resp, dict) else resp
            lines.append(f"  {o['method']} {text} -> {o['status']} {verdict or 'ok'}")
        return "\n".join(lines) or "  (no calls)"
