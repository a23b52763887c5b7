"""Slack's message formatting undone, so prompts reach the model as the person typed them.

Slack sends text with ``&``, ``<`` and ``>`` escaped as HTML entities, and links, mentions and
channel names as ``<target|label>``. A prompt must not say ``salt &amp; pepper``.
"""

from __future__ import annotations

import re

_REFERENCE = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def _plain_reference(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("@"):  # a person: their name when Slack gave it
        return f"@{label}" if label else ""
    if target.startswith("#"):  # a channel
        return f"#{label}" if label else ""
    if target.startswith("!"):  # @here, @channel, dates…
        return label or ""
    return label or target  # a link: what the person saw


def plain_text(text: str) -> str:
    """Slack-formatted text as plain text: references resolved to what was shown, entities
    decoded (``&amp;`` last, so ``&amp;lt;`` stays the literal ``&lt;`` the person typed)."""
    text = _REFERENCE.sub(_plain_reference, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
