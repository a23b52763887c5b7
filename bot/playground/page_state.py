"""What the page shows one person in one channel, read from the imitation in one snapshot.

Why a module of its own: it is the page's whole read model — messages with their threads, this
person's ephemerals ("Only visible to you"), reactions, the modal open for them, the people and
channels, and which model family runs — and it decides what a person may see (another person's
ephemerals and modals never reach the page).
"""

from __future__ import annotations

import mimetypes
from typing import Any

from bot.playground.people import PEOPLE, slash_commands
from bot.playground.workspace import Workspace

REACTION_PICKER = ("+1", "one", "two", "three", "four", "five", "six", "seven", "eight")


def _file(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": obj["id"],
        "name": obj.get("name", ""),
        "title": obj.get("title", ""),
        "mimetype": obj.get("mimetype") or mimetypes.guess_type(obj.get("name", ""))[0] or "",
        "url": f"/files/{obj['id']}/{obj.get('name', '')}",
    }


def _message(msg: dict[str, Any], reactions: dict[str, set[str]]) -> dict[str, Any]:
    out = {
        "ts": msg["ts"],
        "thread_ts": msg.get("thread_ts"),
        "user": msg.get("user"),
        "bot": bool(msg.get("bot_id")),
        "text": msg.get("text") or "",
        "blocks": msg.get("blocks") or [],
        "files": [_file(f) for f in msg.get("files") or []],
        "reply_count": msg.get("reply_count", 0),
        "edited": bool(msg.get("edited")),
        "deleted": msg.get("subtype") == "tombstone",
        "reactions": [
            {"name": name, "count": len(users), "users": sorted(users)}
            for name, users in reactions.items()
            if users
        ],
    }
    return out


def page_state(
    workspace: Workspace, info: dict[str, Any], user: str, channel: str
) -> dict[str, Any]:
    """The page's JSON for ``user`` looking at ``channel`` (the first channel if unknown)."""
    slack = workspace.slack
    names = workspace.page_state()["channels"]
    if channel not in names.values():
        channel = next(iter(names.values()))
    if user not in {p.id for p in PEOPLE}:
        user = PEOPLE[0].id
    all_reactions = slack.reactions
    messages = [
        _message(m, all_reactions.get((channel, m["ts"]), {})) for m in slack.messages(channel)
    ]
    ephemerals = [
        {
            "ts": e["message_ts"],
            "thread_ts": e.get("thread_ts"),
            "text": e.get("text") or "",
            "blocks": e.get("blocks") or [],
        }
        for e in slack.ephemerals
        if e["channel"] == channel and e.get("user") == user
    ]
    files = {fid: _file({"id": fid, "name": name}) for fid, name in slack.file_names().items()}
    return {
        "user": user,
        "channel": channel,
        "channels": [{"id": cid, "name": name} for name, cid in names.items()],
        "people": [{"id": p.id, "name": p.name, "label": p.label} for p in PEOPLE],
        "bot": {"id": slack.bot_user_id, "name": "dailies"},
        "messages": messages,
        "ephemerals": ephemerals,
        "view": workspace.open_view(user),
        "files": {fid: f["url"] for fid, f in files.items()},
        "commands": slash_commands(),
        "reaction_picker": list(REACTION_PICKER),
        "version": slack.version,
        **info,
    }
