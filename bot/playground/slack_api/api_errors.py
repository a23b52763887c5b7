"""The ``{"ok": false, "error": ...}`` refusal, and the argument readers that raise it.

Why a module of its own: every Web API method family (chat, files, reactions, views) refuses with
the same Slack-shaped answer and reads its arguments the same way, whether they came as a form
body (strings) or a JSON body (values).
"""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """An ``{"ok": false, "error": ...}`` answer; raised inside method handlers."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def _blocks_error(code: str, errors: list[str]) -> ApiError:
    """Slack lists block errors both in ``errors`` and in ``response_metadata.messages``."""
    return ApiError(
        code,
        errors=errors,
        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _json_arg(params: dict[str, Any], key: str, error: str) -> Any:
    """Form bodies carry blocks/view as JSON strings; JSON bodies carry them as values."""
    value = params.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ApiError(error) from None
    return value
