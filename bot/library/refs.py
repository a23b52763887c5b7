"""Naming one asset in a command: its short id (``a17``, ``#a17``, ``17``) or a Slack link to
the message that shows it (with ``#N`` for one variant of a grid)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.store.assets import get_asset, job_assets
from bot.store.database import Store

_ID = re.compile(r"^#?a?(\d{1,12})$", re.IGNORECASE)
_LINK = re.compile(r"/archives/([CGD][A-Z0-9]+)/p(\d{10})(\d{6})")
_VARIANT = re.compile(r"^#(\d{1,2})$")


class RefError(ValueError):
    """Text that names no asset; the message says why."""


def split_ref(text: str) -> tuple[str, str]:
    """(the reference, the rest): a link may be followed by ``#N``."""
    words = text.strip().strip("<>").split()
    if not words:
        raise RefError("Name an asset: its id from the image's line (like `a17`) or a link.")
    first = words[0].strip("<>").split("|")[0]
    rest = words[1:]
    if _LINK.search(first) and rest and _VARIANT.match(rest[0]):
        return f"{first} {rest[0]}", " ".join(rest[1:])
    return first, " ".join(rest)


def resolve_asset(store: Store, ref: str) -> dict[str, Any]:
    ref = ref.strip()
    match = _ID.match(ref)
    if match:
        asset = get_asset(store, int(match.group(1)))
        if asset is None:
            raise RefError(f"There is no asset `{ref}`.")
        return asset
    link = _LINK.search(ref)
    if not link:
        raise RefError(
            f"`{ref}` is neither an asset id (like `a17`, shown on each image's line) nor a "
            "Slack link to a message with images."
        )
    channel, ts = link.group(1), f"{link.group(2)}.{link.group(3)}"
    pick = ref.split()[-1] if " " in ref else ""
    row = next(
        store.db.query(
            "SELECT job_id FROM posted_messages WHERE channel_id = ? AND ts = ?", [channel, ts]
        ),
        None,
    )
    if row is None:
        thread = parse_qs(urlparse(ref.split()[0]).query).get("thread_ts", [None])[0]
        row = next(
            store.db.query(
                "SELECT id AS job_id FROM jobs WHERE channel_id = ? AND message_ts = ? "
                "AND (thread_ts = ? OR ? IS NULL)",
                [channel, ts, thread, thread],
            ),
            None,
        )
    assets = job_assets(store, row["job_id"]) if row else []
    if not assets:
        raise RefError("That link is not to a message of mine with images.")
    if pick:
        number = int(_VARIANT.match(pick).group(1))
        chosen = [a for a in assets if a["variant"] == number]
        if not chosen:
            raise RefError(f"That message has no #{number}.")
        return chosen[0]
    if len(assets) > 1:
        ids = ", ".join(f"`a{a['id']}`" for a in assets)
        raise RefError(f"That message shows {len(assets)} images ({ids}): add `#N` or use an id.")
    return assets[0]
