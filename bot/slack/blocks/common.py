"""What every Block Kit builder shares: the message shape, text limits and escaping.

Builders live in one module per family of messages; each returns ``(text, blocks)``, the text
being the notification/fallback Slack shows where blocks cannot be rendered. slack_sdk's classes
validate lengths on ``to_dict()``; Slack's other limits (50 blocks, unique block ids) are kept by
construction in the builders.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

Message = tuple[str, list[dict[str, Any]]]

MAX_SECTION = 3000


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def variant_action_id(base: str, asset_id: int) -> str:
    """Action ids carry the asset id (``vote:17``) because Slack wants them unique per message."""
    return f"{base}:{asset_id}"


def note_lines(block_id: str, lines: list[str]) -> ContextBlock:
    return ContextBlock(
        block_id=block_id,
        elements=[MarkdownTextObject(text=truncate("\n".join(lines), MAX_SECTION))],
    )
