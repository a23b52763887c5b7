"""Shared steps for the library tests: drafts in any channel, a hit's blocks, a find answer."""

from __future__ import annotations

from typing import Any

from bot.slack.posted import posted_message


def draft_in(bot: Any, text: str, user: str = "U1", channel: str = "C1") -> tuple[dict, dict]:
    """Run /draft in ``channel`` and wait for its variants; (root message, variants message)."""
    before = len(bot.root_messages(channel))
    bot.sender.command("/draft", text, user_id=user, channel_id=channel)
    root = bot.slack.wait_for(
        lambda: (
            bot.root_messages(channel)[before] if len(bot.root_messages(channel)) > before else None
        )
    )
    shown = bot.wait_for_variants(channel, root["ts"])[0]
    bot.slack.wait_for(lambda: posted_message(bot.runtime.store, channel, shown["ts"]))
    return root, shown


def find(bot: Any, text: str, user: str = "U1", channel: str = "C1") -> dict:
    sent = bot.sender.command("/dailies", f"find {text}", user_id=user, channel_id=channel)
    assert sent.acked_in_time
    return sent.json()


def hits(answer: dict) -> list[dict]:
    """Each hit's section block, best first."""
    return [
        b
        for b in answer.get("blocks") or []
        if b.get("type") == "section" and str(b.get("block_id", "")).startswith("hit_")
    ]


def hit_prompts(answer: dict) -> list[str]:
    return [b["text"]["text"].split("\n")[1].lstrip(">").replace("&gt;", ">") for b in hits(answer)]


def hit_buttons(answer: dict, asset_id: int) -> dict[str, dict]:
    for block in answer["blocks"]:
        if block.get("block_id") == f"hit_{asset_id}_actions":
            return {e["text"]["text"]: e for e in block["elements"]}
    raise AssertionError(f"no buttons for asset {asset_id}")
