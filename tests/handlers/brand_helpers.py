"""Helpers shared by the brand-consistency end-to-end tests (anchors, recipes, palettes)."""

from __future__ import annotations

import threading
from typing import Any


class SpyRunner:
    """The tiny runner, recording every request it is given (the pipeline call's inputs)."""

    def __init__(self, inner):
        self.inner = inner
        self.requests = []
        self.results = []
        self._lock = threading.Lock()

    def describe(self, request):
        return self.inner.describe(request)

    def generate(self, request, progress=None, cancelled=None, **kwargs):
        result = self.inner.generate(request, progress=progress, cancelled=cancelled, **kwargs)
        with self._lock:
            self.requests.append(request)
            self.results.append(result)
        return result


def draft(bot, text: str, index: int, user: str = "U1", channel: str = "C1") -> dict[str, Any]:
    """Run /draft and wait for its variants; returns the results message (with its thread)."""
    sent = bot.sender.command("/draft", text, user_id=user, channel_id=channel)
    assert sent.status == 200 and not sent.body, sent.body
    root = bot.slack.wait_for(
        lambda: (
            bot.root_messages(channel)[index] if len(bot.root_messages(channel)) > index else None
        )
    )
    return bot.wait_for_variants(channel, root["ts"])[0]


def choose(
    bot, results: dict[str, Any], asset_id: int, entry: str, user: str = "U1", channel: str = "C1"
):
    """Pick an entry of a variant's More… menu."""
    return bot.sender.block_action(f"variant_menu:{asset_id}", entry, user, channel, results["ts"])


def menu_entries(results: dict[str, Any], asset_id: int) -> list[str]:
    for block in results["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == f"variant_menu:{asset_id}":
                return [o["value"] for o in element["options"]]
    return []


def block(results: dict[str, Any], block_id: str) -> dict[str, Any] | None:
    return next((b for b in results["blocks"] if b.get("block_id") == block_id), None)


def assets_of_job(bot, job_id: int) -> list[dict[str, Any]]:
    return list(bot.runtime.store.db["assets"].rows_where("job_id = ?", [job_id], order_by="id"))
