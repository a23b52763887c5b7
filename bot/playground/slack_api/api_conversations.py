"""conversations.info/members/open, chat.getPermalink and views.publish: who is in a channel,
where a message lives, and each person's App Home.

Why a module of its own: a search must not leak a private channel to people outside it, and a
test can only show that against a workspace where channels have members and some are private.
Channels are public with everyone in them unless a test says otherwise with ``set_channel``; the
bot cannot describe a private channel it was not added to (Slack answers ``channel_not_found``).
Mixed into ``SlackImitation``.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from .api_errors import ApiError, _blocks_error, _json_arg
from .blocks_rules import MAX_VIEW_BLOCKS, _blocks, _Ctx

_MEMBERS_PAGE_MAX = 1000


class ConversationsMethods:
    """``_m_conversations_info/members`` and ``_m_chat_getPermalink`` plus the harness setter."""

    # ------------------------------------------------------------------ harness side

    def set_channel(
        self, channel: str, *, private: bool = False, members: list[str] | None = None
    ) -> None:
        """Declare a channel's privacy and members (the bot is added unless left out on
        purpose: pass members without it)."""
        with self._lock:
            self._channel_id(channel)
            self._channel_info()[channel] = {
                "is_private": private,
                "members": list(members) if members is not None else None,
            }

    def _channel_info(self) -> dict[str, dict[str, Any]]:
        if not hasattr(self, "_conversations"):
            self._conversations: dict[str, dict[str, Any]] = {}
        return self._conversations

    def _visible_channel(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        channel = params.get("channel")
        if not channel or not isinstance(channel, str):
            raise ApiError("channel_not_found")
        channel = self._existing_channel(channel)
        info = self._channel_info().get(channel, {"is_private": False, "members": None})
        members = info["members"]
        private = info["is_private"] or channel[0] == "D"
        if private and members is not None and self.bot_user_id not in members:
            raise ApiError("channel_not_found")
        return channel, info

    # ------------------------------------------------------------------ Web API methods

    def _m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, info = self._visible_channel(params)
        is_im = channel[0] == "D"
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": not is_im and not info["is_private"],
                "is_group": False,
                "is_im": is_im,
                "is_mpim": False,
                "is_private": bool(info["is_private"]) or is_im,
                "is_member": True,
            },
        }

    def _m_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, info = self._visible_channel(params)
        members = info["members"]
        if members is None:  # everyone who spoke there, and the bot
            spoke = {m["user"] for m in self._channels.get(channel, []) if m.get("user")}
            members = [self.bot_user_id, *sorted(spoke | set(self._users))]
        limit = int(params.get("limit") or 100)
        if not 1 <= limit <= _MEMBERS_PAGE_MAX:
            raise ApiError("invalid_limit")
        cursor = str(params.get("cursor") or "")
        if cursor and not cursor.startswith("m:"):
            raise ApiError("invalid_cursor")
        start = int(cursor[2:]) if cursor else 0
        page = members[start : start + limit]
        more = start + limit < len(members)
        return {
            "ok": True,
            "members": page,
            "response_metadata": {"next_cursor": f"m:{start + limit}" if more else ""},
        }

    def _m_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel or not isinstance(channel, str):
            raise ApiError("channel_not_found")
        channel = self._existing_channel(channel)
        ts = str(params.get("message_ts") or "")
        msg = self._by_ts.get((channel, ts))
        if msg is None or msg.get("deleted"):
            raise ApiError("message_not_found")
        link = f"https://dailies-imitation.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        root = msg.get("thread_ts")
        if root and root != ts:
            link += f"?thread_ts={root}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users") or "")
        if not users:
            raise ApiError("users_list_not_supplied")
        people = users.split(",")
        if len(people) != 1:
            raise ApiError("not_enough_users" if not people else "too_many_users")
        if people[0][:1] not in "UW" or not people[0][1:].isalnum():
            raise ApiError("user_not_found")
        channel = self._channel_id(people[0])
        return {"ok": True, "channel": {"id": channel, "is_im": True}}

    # ------------------------------------------------------------------ App Home

    def home(self, user: str) -> dict[str, Any] | None:
        """The Home tab a person sees now (harness side), or None if none was published."""
        with self._lock:
            return copy.deepcopy(self._homes().get(user))

    def _homes(self) -> dict[str, dict[str, Any]]:
        if not hasattr(self, "_home_views"):
            self._home_views: dict[str, dict[str, Any]] = {}
        return self._home_views

    def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.publish: a Home tab for one user; ``type`` must be home, ≤ 100 blocks, the
        usual Block Kit rules; ``hash`` guards against overwriting a newer publish."""
        user = params.get("user_id")
        if not user or not isinstance(user, str) or user[:1] not in "UW":
            raise ApiError("invalid_arguments", detail="user_id is required")
        view = _json_arg(params, "view", "invalid_arguments")
        ctx = _Ctx(surface="modal", file_check=self._file_check_for(None))
        if not isinstance(view, dict) or view.get("type") != "home":
            ctx.err("must be home", "/view/type")
        else:
            _blocks(ctx, view.get("blocks"), "/view/blocks", MAX_VIEW_BLOCKS)
        if ctx.errors:
            raise _blocks_error("invalid_arguments", ctx.errors)
        current = self._homes().get(user)
        if params.get("hash") and current and params["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        stored = {
            "id": current["id"] if current else f"V{next(self._ids):09d}",
            "type": "home",
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "hash": f"{time.time():.6f}.{next(self._ids)}",
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        self._homes()[user] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}
