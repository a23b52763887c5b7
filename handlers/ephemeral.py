"""Answering one person privately after a click: the one way every handler does it."""

from __future__ import annotations

from slack_bolt import Respond

from bot.slack import blocks


def tell(respond: Respond, message: str | blocks.Message) -> None:
    """An ephemeral reply through the click's response_url that leaves the clicked message as
    it is (``replace_original=False``: a private note must never overwrite a shared message)."""
    text, message_blocks = (message, None) if isinstance(message, str) else message
    respond(response_type="ephemeral", replace_original=False, text=text, blocks=message_blocks)
