"""People's QC marks: Usable or Reject (with an optional reason), one per person per asset.

The mark is one row under the (asset, person) primary key, so a second click changes it rather
than adding one, and the same click again takes it back. A reason belongs to a reject only:
marking usable clears it.
"""

from __future__ import annotations

import time
from typing import Any

from bot.store.database import Store

USABLE, REJECT = "usable", "reject"
# Reason value → what people read, in the order the reject modal offers them.
REASONS: dict[str, str] = {
    "artifact": "artifact",
    "off_brand_colour": "off-brand colour",
    "anatomy": "anatomy",
    "text_logo": "text/logo",
    "composition": "composition",
    "other": "other",
}


def toggle_mark(store: Store, asset_id: int, user_id: str, mark: str) -> str | None:
    """Set this person's mark on the asset, or take it back when it is already that mark.

    Returns the person's mark afterwards (None when taken back)."""
    if mark not in (USABLE, REJECT):
        raise ValueError(f"unknown mark {mark!r}")
    now = time.time()
    with store.write() as db:
        current = db.execute(
            "SELECT mark FROM qc_marks WHERE asset_id = ? AND user_id = ?", [asset_id, user_id]
        ).fetchone()
        if current is not None and current[0] == mark:
            db.execute(
                "DELETE FROM qc_marks WHERE asset_id = ? AND user_id = ?", [asset_id, user_id]
            )
            return None
        db.execute(
            "INSERT INTO qc_marks (asset_id, user_id, mark, reason, created_at, updated_at) "
            "VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (asset_id, user_id) DO UPDATE SET "
            "mark = excluded.mark, reason = NULL, updated_at = excluded.updated_at",
            [asset_id, user_id, mark, now, now],
        )
        return mark


def set_reason(store: Store, asset_id: int, user_id: str, reason: str | None) -> bool:
    """Give (or clear) the reason of this person's reject; False when they do not reject it."""
    if reason is not None and reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}; one of: {', '.join(REASONS.values())}")
    with store.write() as db:
        cursor = db.execute(
            "UPDATE qc_marks SET reason = ?, updated_at = ? "
            "WHERE asset_id = ? AND user_id = ? AND mark = ?",
            [reason, time.time(), asset_id, user_id, REJECT],
        )
        return cursor.rowcount == 1


def marks_for(store: Store, asset_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every mark on these assets, by asset id, oldest first."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not asset_ids:
        return found
    marks = ", ".join("?" for _ in asset_ids)
    for row in store.db.query(
        f"SELECT * FROM qc_marks WHERE asset_id IN ({marks}) ORDER BY created_at, user_id",
        asset_ids,
    ):
        found.setdefault(row["asset_id"], []).append(row)
    return found
