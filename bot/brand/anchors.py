"""Style anchors: a named image whose style a thread or a channel follows.

An anchor is a row (name, image asset, scale); a scope row says which anchor a channel or a
thread follows. A thread's choice beats its channel's, and a thread may also choose "none".
Which anchor a job follows is decided when it runs (``for_job``), so re-rolls, finals and any
later kind of job in a thread follow whatever is locked there without knowing about anchors.
"""

from __future__ import annotations

import re
import time
from typing import Any

from bot.jobs.draft_options import OptionsError
from bot.store.database import Store
from models.request import DEFAULT_ANCHOR_SCALE

CHANNEL = ""  # thread_ts of a channel-wide scope row
NONE = "none"  # the --anchor value that turns anchors off for one command
_STOPWORDS = frozenset(
    ["a", "an", "the", "of", "on", "in", "at", "to", "for", "with", "and", "or", "by", "from"]
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")

Row = dict[str, Any]


class AnchorError(OptionsError):
    """Bad anchor input; the message is meant for the person who typed it."""


def check_name(raw: str, what: str = "anchor") -> str:
    name = raw.strip().lower()
    if not _NAME.match(name):
        raise AnchorError(
            f"`{raw.strip() or '(nothing)'}` is not a usable {what} name: use 1–40 letters, "
            "digits, `-`, `_` or `.`, starting with a letter or digit."
        )
    if name == NONE:
        raise AnchorError(f"`{NONE}` is reserved (`--anchor none` turns anchors off).")
    return name


def parse_scale(raw: str) -> float:
    try:
        scale = float(raw.strip())
    except ValueError:
        raise AnchorError(
            f"The scale must be a number between 0 and 1 (e.g. `0.4`), got `{raw.strip()}`."
        ) from None
    if not 0.0 <= scale <= 1.0:
        raise AnchorError(
            f"The scale must be between 0 (ignore the anchor) and 1 (follow it closely), "
            f"got {scale:g}. Around {DEFAULT_ANCHOR_SCALE:g} keeps its style without copying it."
        )
    return scale


def _auto_name(store: Store, team_id: str | None, prompt: str) -> str:
    """The prompt's first two telling words and a number: short, and tells anchors apart."""
    words = [w for w in re.findall(r"[a-z0-9]+", (prompt or "").lower()) if w not in _STOPWORDS]
    words = words[:2] or ["style"]
    base = "-".join(words)[:30]
    number = 1
    while by_name(store, team_id, f"{base}-{number}") is not None:
        number += 1
    return f"{base}-{number}"


def get(store: Store, anchor_id: int) -> Row | None:
    rows = list(store.db["anchors"].rows_where("id = ?", [anchor_id]))
    return rows[0] if rows else None


def by_name(store: Store, team_id: str | None, name: str) -> Row | None:
    rows = list(
        store.db["anchors"].rows_where("team_id IS ? AND name = ?", [team_id, name.lower()])
    )
    return rows[0] if rows else None


def for_team(store: Store, team_id: str | None) -> list[Row]:
    return list(store.db["anchors"].rows_where("team_id IS ?", [team_id], order_by="name"))


def lock(store: Store, asset: Row, team_id: str | None, user_id: str) -> Row:
    """Make ``asset`` a new anchor, followed by its thread from now on."""
    with store.write() as db:
        row = {
            "team_id": team_id,
            "name": _auto_name(store, team_id, asset.get("prompt") or ""),
            "asset_id": asset["id"],
            "channel_id": asset["channel_id"],
            "thread_ts": asset["thread_ts"],
            "scale": DEFAULT_ANCHOR_SCALE,
            "created_by": user_id,
            "created_at": time.time(),
        }
        row["id"] = db["anchors"].insert(row).last_pk
        follow(store, asset["channel_id"], asset["thread_ts"], row["id"], user_id)
    return row


def follow(
    store: Store, channel_id: str, thread_ts: str | None, anchor_id: int | None, user_id: str
) -> None:
    """Scope (a thread, or the channel when ``thread_ts`` is None) follows ``anchor_id``;
    None on a thread means it follows no anchor even when its channel has one."""
    with store.write() as db:
        db["anchor_scopes"].upsert(
            {
                "channel_id": channel_id,
                "thread_ts": thread_ts or CHANNEL,
                "anchor_id": anchor_id,
                "set_by": user_id,
                "set_at": time.time(),
            },
            pk=("channel_id", "thread_ts"),
        )


def promote(store: Store, anchor: Row, channel_id: str, user_id: str) -> None:
    """The channel follows ``anchor`` instead of the thread it was locked in: that thread's own
    choice is dropped, so it moves with the channel from now on."""
    with store.write() as db:
        follow(store, channel_id, None, anchor["id"], user_id)
        if anchor.get("thread_ts") and anchor["channel_id"] == channel_id:
            db.execute(
                "DELETE FROM anchor_scopes WHERE channel_id = ? AND thread_ts = ? "
                "AND anchor_id = ?",
                [channel_id, anchor["thread_ts"], anchor["id"]],
            )


def clear_channel(store: Store, channel_id: str) -> tuple[Row | None, int]:
    """Stop every anchor in a channel, its threads' included: (channel anchor, threads freed)."""
    before = channel_anchor(store, channel_id)
    with store.write() as db:
        threads = db.execute(
            "DELETE FROM anchor_scopes WHERE channel_id = ? AND thread_ts != ? "
            "AND anchor_id IS NOT NULL",
            [channel_id, CHANNEL],
        ).rowcount
        db.execute(
            "DELETE FROM anchor_scopes WHERE channel_id = ? AND thread_ts = ?",
            [channel_id, CHANNEL],
        )
    return before, threads


def _scope(store: Store, channel_id: str, thread_ts: str) -> Row | None:
    rows = list(
        store.db["anchor_scopes"].rows_where(
            "channel_id = ? AND thread_ts = ?", [channel_id, thread_ts]
        )
    )
    return rows[0] if rows else None


def channel_anchor(store: Store, channel_id: str) -> Row | None:
    scope = _scope(store, channel_id, CHANNEL)
    return get(store, scope["anchor_id"]) if scope and scope["anchor_id"] else None


def active(store: Store, channel_id: str | None, thread_ts: str | None) -> tuple[Row | None, str]:
    """The anchor a thread follows and why: ("thread" | "channel" | "none")."""
    if not channel_id:
        return None, "none"
    if thread_ts:
        scope = _scope(store, channel_id, thread_ts)
        if scope is not None:
            anchor = get(store, scope["anchor_id"]) if scope["anchor_id"] else None
            return anchor, "thread" if anchor else "none"
    anchor = channel_anchor(store, channel_id)
    return anchor, "channel" if anchor else "none"


def for_job(
    store: Store, params: dict[str, Any], channel_id: str | None, thread_ts: str | None
) -> Row | None:
    """The anchor a job follows.

    A choice made in the thread itself (Lock style, Unlock style) comes first: it is the latest
    word on that thread. Then the job's own ``anchor`` param (an id, or "none"): what its command
    said, which the jobs made from it (finals, iterations, re-rolls) carry on, so they keep the
    style their source was drawn in. Then whatever the channel follows now.
    """
    if channel_id and thread_ts:
        scope = _scope(store, channel_id, thread_ts)
        if scope is not None:
            return get(store, scope["anchor_id"]) if scope["anchor_id"] else None
    override = params.get("anchor")
    if override == NONE:
        return None
    if override:
        return get(store, int(override))
    return channel_anchor(store, channel_id) if channel_id else None


def latest_locked_by(store: Store, channel_id: str, user_id: str) -> Row | None:
    rows = list(
        store.db["anchors"].rows_where(
            "channel_id = ? AND created_by = ?",
            [channel_id, user_id],
            order_by="created_at DESC, id DESC",
            limit=1,
        )
    )
    return rows[0] if rows else None


def rename(store: Store, anchor: Row, new_name: str) -> Row:
    name = check_name(new_name)
    other = by_name(store, anchor["team_id"], name)
    if other is not None and other["id"] != anchor["id"]:
        raise AnchorError(f"An anchor called `{name}` already exists; pick another name.")
    with store.write() as db:
        db["anchors"].update(anchor["id"], {"name": name})
    return {**anchor, "name": name}


def set_scale(store: Store, anchor: Row, scale: float) -> Row:
    with store.write() as db:
        db["anchors"].update(anchor["id"], {"scale": scale})
    return {**anchor, "scale": scale}


def resolve_flag(store: Store, team_id: str | None, value: str) -> str | int:
    """``--anchor NAME|none`` → "none" or the anchor's id; unknown names list the known ones."""
    name = value.strip().lower()
    if not name:
        raise AnchorError("`--anchor` needs an anchor name, or `none` to draw without one.")
    if name == NONE:
        return NONE
    anchor = by_name(store, team_id, name)
    if anchor is None:
        known = ", ".join(f"`{a['name']}`" for a in for_team(store, team_id)) or "none yet"
        raise AnchorError(f"There is no anchor called `{name}`. Known anchors: {known}.")
    return anchor["id"]
