"""Helpers shared by the Slack imitation's own tests (payloads, uploads, refusals)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

TOKEN = "xoxb-test"
SECRET = "shh-signing-secret"


def _section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def _png(width: int = 8, height: int = 6) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def _refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call()
    return dict(info.value.response.data)


def _upload_png(client: WebClient, channel: str | None, thread_ts: str | None = None) -> str:
    resp = client.files_upload_v2(
        channel=channel, thread_ts=thread_ts, content=_png(), filename="a.png", title="A"
    )
    return resp["file"]["id"]


def _image_block(file_id: str) -> dict[str, Any]:
    return {"type": "image", "alt_text": "result", "slack_file": {"id": file_id}}
