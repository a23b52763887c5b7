"""Faults on demand: a Web API method answers 500/503/429 or answers late, as Slack sometimes does.

Why a module of its own: the delivery path (status post, uploads, variants message, root edits)
must survive Slack's bad moments, and a test must be able to make exactly those happen, per
method and a given number of times. Mixed into ``SlackImitation``.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from .api_errors import ApiError


class FaultInjection:
    """``fail(method, …)`` and ``delay(method, s)``; ``clear_faults()`` ends them all."""

    _fault_lock = threading.Lock()

    def _fault_state(self) -> dict[str, Any]:
        with self._fault_lock:
            return self.__dict__.setdefault("_faults", {"fail": {}, "delay": {}})

    def fail(
        self,
        method: str,
        *,
        status: int = 500,
        error: str = "internal_error",
        times: int = 1,
        retry_after: int | None = None,
        acted: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` are refused (``times=-1``: every call).
        ``acted``: Slack did the work (posted the message) but the answer is the error — the
        case where repeating the call blindly posts twice."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._fault_state()["fail"][method] = [status, error, times, headers, acted]

    def fail_randomly(self, methods: list[str], rate: float, seed: int, status: int = 500) -> None:
        """Each call of these methods fails with probability ``rate`` (seeded: repeatable)."""
        self._fault_state()["random"] = (frozenset(methods), rate, random.Random(seed), status)

    def delay(self, method: str, seconds: float) -> None:
        """Every call of ``method`` is answered ``seconds`` late (before any state changes)."""
        self._fault_state()["delay"][method] = seconds

    def clear_faults(self) -> None:
        state = self._fault_state()
        state["fail"].clear()
        state["delay"].clear()
        state.pop("random", None)

    def _injected_delay(self, method: str) -> float:
        return float(self._fault_state()["delay"].get(method, 0.0))

    def _injected_failure(self, method: str) -> ApiError | None:
        state = self._fault_state()
        chance = state.get("random")
        if chance and method in chance[0] and chance[2].random() < chance[1]:
            state["random_failures"] = state.get("random_failures", 0) + 1
            return ApiError("internal_error", status=chance[3])
        fails = state["fail"]
        entry = fails.get(method)
        if entry is None:
            return None
        status, error, times, headers, acted = entry
        if times > 0:
            entry[2] -= 1
            if entry[2] == 0:
                del fails[method]
        fault = ApiError(error, status=status, headers=dict(headers))
        fault.acted = acted  # type: ignore[attr-defined]
        return fault
