"""Votes on variants: one per person per variant, however it was cast.

A vote is one row under a unique (asset, user) index, written in one transaction, so concurrent
clicks can neither lose a vote nor count one twice. The row remembers how it was cast: taking a
reaction back removes only a vote that reaction cast, so un-reacting never cancels a vote someone
made with the button (the button always toggles, whichever way the vote was cast).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks import vote_note
from bot.store.database import Store

BUTTON, REACTION = "button", "reaction"


def toggle_vote(store: Store, asset_id: int, user_id: str) -> bool:
    """The Vote button: cast the vote, or take it back. Returns True when the person now votes."""
    with store.write() as db:
        cursor = db.execute(
            "DELETE FROM votes WHERE asset_id = ? AND user_id = ?", [asset_id, user_id]
        )
        if cursor.rowcount:
            return False
        db.execute(
            "INSERT INTO votes (asset_id, user_id, source, created_at) VALUES (?, ?, ?, ?)",
            [asset_id, user_id, BUTTON, time.time()],
        )
        return True


def add_reaction_vote(store: Store, asset_id: int, user_id: str, reaction: str) -> bool:
    """A reaction votes unless the person already voted for that variant. True when it counted."""
    with store.write() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO votes (asset_id, user_id, source, reaction, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [asset_id, user_id, REACTION, reaction, time.time()],
        )
        return cursor.rowcount == 1


def remove_reaction_vote(store: Store, asset_id: int, user_id: str, reaction: str) -> bool:
    """Taking a reaction back removes the vote only if that same reaction cast it."""
    with store.write() as db:
        cursor = db.execute(
            "DELETE FROM votes WHERE asset_id = ? AND user_id = ? AND source = ? AND reaction = ?",
            [asset_id, user_id, REACTION, reaction],
        )
        return cursor.rowcount == 1


@dataclass(frozen=True)
class Tally:
    """Voters per asset id, in the order they voted."""

    voters: dict[int, list[str]]

    def count(self, asset_id: int) -> int:
        return len(self.voters.get(asset_id, []))

    @property
    def top(self) -> int:
        return max((len(v) for v in self.voters.values()), default=0)

    def leading(self, asset_id: int) -> bool:
        """Leaders have the most votes (ties lead together); nobody leads with none."""
        return self.top > 0 and self.count(asset_id) == self.top


def tally(store: Store, asset_ids: list[int]) -> Tally:
    voters: dict[int, list[str]] = {asset_id: [] for asset_id in asset_ids}
    if asset_ids:
        marks = ", ".join("?" for _ in asset_ids)
        for row in store.db.query(
            f"SELECT asset_id, user_id FROM votes WHERE asset_id IN ({marks}) ORDER BY id",
            asset_ids,
        ):
            voters[row["asset_id"]].append(row["user_id"])
    return Tally(voters)


def vote_notes(store: Store, assets: list[dict[str, Any]]) -> dict[int, str]:
    """Per-variant tally lines for a variants message: count, leader, who voted."""
    counted = tally(store, [a["id"] for a in assets])
    return {
        a["id"]: vote_note(counted.voters[a["id"]], counted.leading(a["id"]))
        for a in assets
        if counted.count(a["id"])
    }
