"""Where the bot posted each job's variants: votes edit that message, reactions on it map back
to the job's variants. Slack's upload and post responses are the only place the ts appears."""

from __future__ import annotations

import json
import time
from typing import Any

from slack_sdk.models.blocks import Block

from bot.store.database import Store

VARIANTS = "variants"


def record_posted(
    store: Store,
    job_id: int,
    channel_id: str,
    ts: str,
    kind: str = VARIANTS,
    extra: list[Any] | None = None,
) -> None:
    """``extra``: blocks (Block objects or dicts) shown with the results, kept for re-renders."""
    extra_dicts = [b.to_dict() if isinstance(b, Block) else b for b in extra or []]
    with store.write() as db:
        db["posted_messages"].upsert(
            {
                "channel_id": channel_id,
                "ts": ts,
                "job_id": job_id,
                "kind": kind,
                "extra_blocks": json.dumps(extra_dicts),
                "created_at": time.time(),
            },
            pk=("channel_id", "ts"),
        )


def extra_blocks(message: dict[str, Any]) -> list[Block]:
    """The extra blocks recorded with a posted message, ready to lay out again."""
    return [b for b in Block.parse_all(json.loads(message.get("extra_blocks") or "[]")) if b]


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
