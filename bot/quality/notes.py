"""The one place that writes the line under each variant: its votes, people's QC marks and the
automatic QC flags, so every message that shows variants (first post, re-render) says the same."""

from __future__ import annotations

from typing import Any

from bot.quality.flags import stored_flags
from bot.quality.marks import marks_for
from bot.review.votes import vote_notes
from bot.slack.blocks.quality import flag_note, mark_note
from bot.store.database import Store


def variant_notes(store: Store, assets: list[dict[str, Any]]) -> dict[int, str]:
    """Asset id → its note (votes, then marks, then flags, one line each); absent when empty."""
    ids = [a["id"] for a in assets]
    votes = vote_notes(store, assets)
    marks = marks_for(store, ids)
    flags = stored_flags(store, ids)
    notes = {}
    for asset_id in ids:
        lines = [
            votes.get(asset_id, ""),
            mark_note(marks.get(asset_id, [])),
            flag_note(flags.get(asset_id, [])),
        ]
        text = "\n".join(line for line in lines if line)
        if text:
            notes[asset_id] = text
    return notes
