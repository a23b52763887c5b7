"""reactions.add/remove/get, users.info and auth.test: who the bot is, who people are.

Why a module of its own: small methods about identity and reactions that need from the message
store only the message a reaction is on; the harness side (a person reacts, a user is known) lives
next to the API side so both agree. Mixed into ``SlackImitation``.
"""

from __future__ import annotations

import re
from typing import Any

from .api_errors import ApiError
from .message_store import _public

_EMOJI_NAME = re.compile(r"^[a-z0-9_+\-']+$")


class ReactionsUsersMethods:
    """``_m_reactions_*``, ``_m_users_info`` and ``_m_auth_test`` handlers, plus harness setters."""

    # ------------------------------------------------------------------ harness side

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """A person reacts (harness side; deliver the reaction_added event with the sender)."""
        with self._lock:
            self._promote_due_shares()
            if (channel, ts) not in self._by_ts:
                raise KeyError(f"no message {ts} in {channel}")
            users = self._reactions.setdefault((channel, ts), {}).setdefault(name, [])
            if user not in users:
                users.append(user)
            self._touch()

    def remove_reaction(self, channel: str, ts: str, name: str, user: str) -> bool:
        """A person takes a reaction back; False when they had not reacted so."""
        with self._lock:
            users = self._reactions.get((channel, ts), {}).get(name, [])
            if user not in users:
                return False
            users.remove(user)
            self._touch()
            return True

    def add_user(self, user_id: str, name: str, real_name: str | None = None) -> None:
        with self._lock:
            self._users[user_id] = {"name": name, "real_name": real_name or name}
            self._touch()

    # ------------------------------------------------------------------ Web API methods

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://dailies-imitation.slack.com/",
            "team": "Dailies Imitation",
            "user": "dailies",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _reaction_target(self, params: dict[str, Any]) -> tuple[str, str]:
        channel = self._channel_id(params.get("channel"))
        ts = params.get("timestamp")
        if not ts or (channel, str(ts)) not in self._by_ts:
            raise ApiError("message_not_found")
        return channel, str(ts)

    def _m_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        key = self._reaction_target(params)
        name = str(params.get("name") or "")
        if not _EMOJI_NAME.match(name):
            raise ApiError("invalid_name")
        users = self._reactions.setdefault(key, {}).setdefault(name, [])
        if self.bot_user_id in users:
            raise ApiError("already_reacted")
        users.append(self.bot_user_id)
        return {"ok": True}

    def _m_reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        key = self._reaction_target(params)
        users = self._reactions.get(key, {}).get(str(params.get("name") or ""), [])
        if self.bot_user_id not in users:
            raise ApiError("no_reaction")
        users.remove(self.bot_user_id)
        return {"ok": True}

    def _m_reactions_get(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._reaction_target(params)
        msg = _public(self._by_ts[(channel, ts)])
        reactions = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in self._reactions.get((channel, ts), {}).items()
            if users
        ]
        if reactions:
            msg["reactions"] = reactions
        return {"ok": True, "type": "message", "channel": channel, "message": msg}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        uid = params.get("user")
        if not uid:
            raise ApiError("user_not_found")
        known = self._users.get(uid, {})
        is_bot = uid == self.bot_user_id
        name = known.get("name") or ("dailies" if is_bot else uid)
        real = known.get("real_name") or name
        return {
            "ok": True,
            "user": {
                "id": uid,
                "team_id": self.team_id,
                "name": name,
                "real_name": real,
                "deleted": False,
                "is_bot": is_bot,
                "tz": "Europe/London",
                "profile": {"real_name": real, "display_name": name, "team": self.team_id},
            },
        }
