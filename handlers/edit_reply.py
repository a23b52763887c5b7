"""`edit #N <instruction>` as a thread reply with a mask PNG (white = change).

A separate branch from other thread replies: ``handle_edit_reply`` says whether a message was an
edit command (and then deals with it, bad input included), so a general thread-reply listener can
call it first and stop when it returns True. This module's own listener only takes messages that
carry files and start with "edit ", because Bolt runs only the first matching listener.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from PIL import Image, UnidentifiedImageError
from slack_bolt import App
from slack_sdk import WebClient

from bot.assets import write_content_addressed
from bot.edit_params import EditError, edit_params
from bot.runtime import Runtime
from handlers.edit_actions import record

log = logging.getLogger(__name__)

EDIT_WORD = re.compile(r"^\s*edit\b", re.IGNORECASE)
EDIT_COMMAND = re.compile(r"^\s*edit\s+#(\d+)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
USAGE = (
    "Reply in the image's thread with a mask PNG attached (white = change, black = keep) and "
    "`edit #2 <what to change>`, e.g. `edit #2 a red scarf`."
)


class MaskError(ValueError):
    """The uploaded mask cannot be used; the message says why."""


def is_edit_command(event: dict[str, Any]) -> bool:
    return bool(EDIT_WORD.match(event.get("text") or ""))


def _tell(client: WebClient, event: dict[str, Any], text: str) -> None:
    client.chat_postEphemeral(
        channel=event["channel"],
        user=event["user"],
        thread_ts=event.get("thread_ts"),
        text=text,
    )


def find_variant(runtime: Runtime, channel: str, thread_ts: str, number: int) -> dict | None:
    """Image #N of the newest set in the thread that has an #N."""
    rows = runtime.store.db.query(
        "SELECT * FROM assets WHERE channel_id = ? AND thread_ts = ? AND variant = ? "
        "AND (media_type IS NULL OR media_type LIKE 'image/%') ORDER BY job_id DESC LIMIT 1",
        [channel, thread_ts, number],
    )
    return next(iter(rows), None)


def download(url: str, token: str, limit: int) -> bytes:
    """A Slack file's bytes (url_private needs the bot token), refusing more than ``limit``."""
    request = Request(url, headers={"Authorization": f"Bearer {token}"})
    with urlopen(request, timeout=30) as response:
        data = response.read(limit + 1)
    if len(data) > limit:
        raise MaskError(f"The mask is larger than the {limit // (1024 * 1024)} MB limit.")
    return data


def read_mask(data: bytes, name: str, size: tuple[int, int]) -> tuple[Image.Image, str | None]:
    """The mask as "L" at ``size``; a note when it had to be resized."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            mask = opened.convert("L")
    except (UnidentifiedImageError, OSError, ValueError):
        raise MaskError(
            f"`{name}` is not an image I can read. Attach a PNG where white marks what to change."
        ) from None
    note = None
    if mask.size != size:
        note = (
            f"The mask is {mask.width}×{mask.height} and the image {size[0]}×{size[1]}: "
            "I resized the mask to fit."
        )
        mask = mask.resize(size, Image.Resampling.BILINEAR)
    if mask.getextrema()[1] < 128:
        raise MaskError("The mask has no white area, so there is nothing to change.")
    return mask, note


def handle_edit_reply(runtime: Runtime, event: dict[str, Any], client: WebClient) -> bool:
    """True when ``event`` (a message) is an `edit …` command; it is then fully handled here:
    queued, or answered with an ephemeral message saying what is wrong (nothing queued)."""
    if not is_edit_command(event) or event.get("bot_id") or not event.get("user"):
        return False
    key = f"edit-reply:{event.get('channel')}:{event.get('ts')}"
    if not runtime.store.first_delivery(key):
        return True
    match = EDIT_COMMAND.match(event.get("text") or "")
    thread_ts = event.get("thread_ts")
    if match is None:
        _tell(client, event, f":warning: Say which image to edit. {USAGE}")
        return True
    number, instruction = int(match.group(1)), match.group(2).strip()
    if not thread_ts:
        _tell(client, event, f":warning: Reply inside the thread of the images. {USAGE}")
        return True
    asset = find_variant(runtime, event["channel"], thread_ts, number)
    if asset is None:
        _tell(client, event, f":warning: There is no image #{number} in this thread.")
        return True
    if not instruction:
        _tell(client, event, f":warning: Say what should change in #{number}. {USAGE}")
        return True
    files = event.get("files") or []
    if not files:
        _tell(client, event, f":warning: Attach the mask PNG to the message. {USAGE}")
        return True
    limit = runtime.settings.edit_mask_max_bytes
    upload = files[0]
    name = upload.get("name") or "the file"
    try:
        if int(upload.get("size") or 0) > limit:
            raise MaskError(
                f"`{name}` is {int(upload['size']) / (1024 * 1024):.1f} MB; masks may be at most "
                f"{limit / (1024 * 1024):.0f} MB."
            )
        url = upload.get("url_private_download") or upload.get("url_private")
        if not url:
            raise MaskError(f"I cannot download `{name}`.")
        token = client.token or runtime.settings.slack_bot_token
        try:
            data = download(url, token, limit)
        except (URLError, OSError) as exc:
            raise MaskError(f"Downloading `{name}` failed ({exc}). Try again.") from None
        mask, note = read_mask(data, name, (asset["width"], asset["height"]))
        buffer = io.BytesIO()
        mask.save(buffer, format="PNG")
        _, mask_path = write_content_addressed(
            runtime.settings.assets_dir, buffer.getvalue(), ".png"
        )
        params = edit_params(runtime.store, runtime.family, asset, instruction, mask_path=mask_path)
    except (MaskError, EditError) as exc:
        _tell(client, event, f":warning: {exc}")
        return True
    if note:
        _tell(client, event, f":information_source: {note}")
    record(runtime, "edit", params, event["user"], asset)
    return True


def _carries_files(event: dict[str, Any]) -> bool:
    return bool(event.get("files"))


def register(app: App, runtime: Runtime) -> None:
    @app.message(EDIT_WORD, matchers=[_carries_files])
    def edit_reply(event: dict[str, Any], client: WebClient) -> None:
        handle_edit_reply(runtime, event, client)
