"""views.open, views.push, views.update and the trigger_ids that open them.

Why a module of its own: modals have rules of their own beyond Block Kit (a trigger_id is single
use and expires after 3 seconds, at most 3 views in a stack, ``hash`` conflicts, unique
``external_id``), and an app that is slow to open its modal fails only against these rules.
Mixed into ``SlackImitation``.
"""

from __future__ import annotations

import time
from typing import Any

from .api_errors import ApiError, _blocks_error, _json_arg
from .blocks_rules import validate_view

_TRIGGER_TTL = 3.0  # seconds a trigger_id may be exchanged for a modal


class ViewsMethods:
    """``_m_views_*`` handlers and the trigger_ids the sender hands out with interactions."""

    # ------------------------------------------------------------------ harness side

    def issue_trigger_id(self, user: str = "U1", view_id: str | None = None) -> str:
        """A trigger_id as Slack sends with an interaction: single use, valid for 3 seconds."""
        with self._lock:
            n = next(self._ids)
            trigger = f"{n}.{self.team_id}.{n:08x}"
            self._triggers[trigger] = {
                "created": time.monotonic(),
                "used": False,
                "user": user,
                "view_id": view_id,
            }
            return trigger

    # ------------------------------------------------------------------ Web API methods

    def _exchange_trigger(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger_id = params.get("trigger_id") or params.get("interactivity_pointer")
        rec = self._triggers.get(trigger_id or "")
        if rec is None:
            raise ApiError("invalid_trigger_id")
        if rec["used"]:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - rec["created"] > _TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        rec["used"] = True
        return rec

    def _checked_view(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _json_arg(params, "view", "invalid_arguments")
        errors = validate_view(view, self._file_check_for(None))
        if errors:
            raise _blocks_error("invalid_arguments", errors)
        return view

    def _store_view(
        self, method: str, view: dict[str, Any], view_id: str, root: str, previous: str | None
    ) -> dict[str, Any]:
        ext = view.get("external_id")
        if ext and any(
            v.get("external_id") == ext and v["id"] != view_id for v in self._views.values()
        ):
            raise ApiError("duplicate_external_id")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": ext or "",
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.{next(self._ids)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        self._view_log.append({"method": method, "view_id": view_id, "view": stored})
        return {"ok": True, "view": stored}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._exchange_trigger(params)
        view = self._checked_view(params)
        view_id = f"V{next(self._ids):09d}"
        out = self._store_view("views.open", view, view_id, view_id, None)
        self._view_log[-1]["user"] = trigger["user"]
        return out

    def _m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._exchange_trigger(params)
        view = self._checked_view(params)
        parent = self._views.get(trigger.get("view_id") or "")
        if parent is None:
            raise ApiError("not_found", detail="views.push needs a trigger from inside a modal")
        root = parent["root_view_id"]
        depth = sum(1 for v in self._views.values() if v["root_view_id"] == root)
        if depth >= 3:
            raise ApiError("push_limit_reached")
        view_id = f"V{next(self._ids):09d}"
        return self._store_view("views.push", view, view_id, root, parent["id"])

    def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id, ext = params.get("view_id"), params.get("external_id")
        if not view_id and not ext:
            raise ApiError("invalid_arguments", detail="view_id or external_id is required")
        current = (
            self._views.get(view_id)
            if view_id
            else next((v for v in self._views.values() if v.get("external_id") == ext), None)
        )
        if current is None:
            raise ApiError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        view = self._checked_view(params)
        return self._store_view(
            "views.update",
            view,
            current["id"],
            current["root_view_id"],
            current["previous_view_id"],
        )
