"""Tags: short names people put on an asset (``hero``, ``q3-launch``) to find it again.

Stored on the asset row as space-separated lower-case names (sorted), so every message that
shows the asset reads them with it and the search triggers index them (``m007_library``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.library.search import FindError, check_tag
from bot.store.database import Store

MAX_TAGS = 20


def parse_tags(text: str) -> list[str]:
    """``hero, q3-launch #final`` → ``["hero", "q3-launch", "final"]`` (FindError on a bad one)."""
    names: list[str] = []
    for raw in re.split(r"[\s,]+", text.strip()):
        if raw:
            name = check_tag(raw)
            if name not in names:
                names.append(name)
    return names


def set_tags(store: Store, asset_id: int, names: list[str]) -> list[str]:
    tags = sorted(set(names))
    if len(tags) > MAX_TAGS:
        raise FindError(f"An asset takes at most {MAX_TAGS} tags.")
    with store.write() as db:
        db["assets"].update(asset_id, {"tags": " ".join(tags)})
    return tags


def change_tags(
    store: Store, asset: dict[str, Any], add: list[str], remove: list[str]
) -> list[str]:
    current = set((asset.get("tags") or "").split())
    return set_tags(store, asset["id"], sorted((current | set(add)) - set(remove)))
