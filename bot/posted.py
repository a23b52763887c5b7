"""Where the bot posted each job's variants: votes edit that message, reactions on it map back
to the job's variants. Slack's upload and post responses are the only place the ts appears."""

from __future__ import annotations

import time
from typing import Any

from bot.store import Store

VARIANTS = "variants"


def record_posted(
    store: Store, job_id: int, channel_id: str, ts: str, kind: str = VARIANTS
) -> None:
    with store.write() as db:
        db["posted_messages"].upsert(
            {
                "channel_id": channel_id,
                "ts": ts,
                "job_id": job_id,
                "kind": kind,
                "created_at": time.time(),
            },
            pk=("channel_id", "ts"),
        )


def posted_message(store: Store, channel_id: str, ts: str) -> dict[str, Any] | None:
    rows = list(
        store.db["posted_messages"].rows_where("channel_id = ? AND ts = ?", [channel_id, ts])
    )
    return rows[0] if rows else None


def job_messages(store: Store, job_id: int, kind: str = VARIANTS) -> list[dict[str, Any]]:
    return list(
        store.db["posted_messages"].rows_where(
            "job_id = ? AND kind = ?", [job_id, kind], order_by="created_at"
        )
    )
