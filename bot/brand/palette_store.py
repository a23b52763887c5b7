"""A channel's brand palette, stored as a JSON list of ``#RRGGBB`` strings."""

from __future__ import annotations

import json
import time

from bot.store.database import Store


def get_palette(store: Store, channel_id: str | None) -> list[str] | None:
    if not channel_id:
        return None
    rows = list(store.db["palettes"].rows_where("channel_id = ?", [channel_id]))
    return json.loads(rows[0]["colors"]) if rows else None


def set_palette(
    store: Store, channel_id: str, team_id: str | None, colours: list[str], user_id: str
) -> None:
    with store.write() as db:
        db["palettes"].upsert(
            {
                "channel_id": channel_id,
                "team_id": team_id,
                "colors": json.dumps(colours),
                "set_by": user_id,
                "set_at": time.time(),
            },
            pk="channel_id",
        )


def clear_palette(store: Store, channel_id: str) -> bool:
    with store.write() as db:
        return db.execute("DELETE FROM palettes WHERE channel_id = ?", [channel_id]).rowcount > 0
