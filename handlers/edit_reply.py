"""`edit #N <instruction>` as a thread reply with a mask PNG (white = change).

A separate branch from other thread replies: ``handle_edit_reply`` says whether a message was an
edit command (and then deals with it, bad input included), so a general thread-reply listener can
call it first and stop when it returns True. This module's own listener only takes messages that
carry files and start with "edit ", because Bolt runs only the first matching listener.

Which replies are edits: ``edit #N …`` or ``edit vK#N …`` (naming an image), or any reply starting
with the word "edit" that carries a file (the mask). Anything else, e.g. ``edit: warmer light``, is
an ordinary thread reply: the next iteration.

How a mask is read: white = change, black = keep. In a mask with transparency, only opaque white
changes: a transparent pixel is keep whatever colour it stores (editors often store white there).
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any
from urllib.error import URLError

from PIL import Image, ImageChops, UnidentifiedImageError
from slack_bolt import App
from slack_sdk import WebClient

from bot.jobs.draft_options import OptionsError
from bot.jobs.edit_params import EditError, edit_params
from bot.review.iteration import current_pick
from bot.runtime import Runtime
from bot.slack.downloads import DownloadRefused, fetch
from bot.store.assets import write_content_addressed
from handlers.edit_actions import record

log = logging.getLogger(__name__)

EDIT_WORD = re.compile(r"^\s*edit\b", re.IGNORECASE)
EDIT_COMMAND = re.compile(r"^\s*edit\s+(?:v(\d{1,3}))?#(\d+)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
# A mask is resized to the image; more pixels than this is no mask anyone meant to paint.
MASK_MAX_SIDE = 8192
# No thread has more variants per message or iterations than these; a bigger #N is answered
# at once (a 20-digit number used to overflow SQLite's integers and go unanswered).
MAX_VARIANT_NUMBER = 99
MAX_ITERATION_NUMBER = 999
MASK_MAX_PIXELS = MASK_MAX_SIDE * MASK_MAX_SIDE
USAGE = (
    "Reply in the image's thread with a mask PNG attached (white = change, black = keep) and "
    "`edit #2 <what to change>`, e.g. `edit #2 a red scarf`."
)


class MaskError(ValueError):
    """The uploaded mask cannot be used; the message says why."""


def is_edit_command(event: dict[str, Any]) -> bool:
    text = event.get("text") or ""
    return bool(EDIT_COMMAND.match(text) or (EDIT_WORD.match(text) and event.get("files")))


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


def _size(count: int) -> str:
    """Bytes as a person reads them (a 200 KB limit is not "0 MB")."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(count / 1024))} KB"


def download(url: str, token: str, limit: int, hosts: str = "files.slack.com") -> bytes:
    """A Slack file's bytes (url_private needs the bot token), refusing more than ``limit``;
    only from Slack's file hosts over https, the token sent only there."""
    try:
        data = fetch(url, token, hosts, limit)
    except DownloadRefused as exc:
        raise MaskError(f"I only download masks from Slack itself: {exc}.") from None
    if len(data) > limit:
        raise MaskError(f"The mask is larger than the {_size(limit)} limit.")
    return data


def read_mask(data: bytes, name: str, size: tuple[int, int]) -> tuple[Image.Image, list[str]]:
    """The mask as "L" at ``size`` (255 = change), and notes for the person on how it was read."""
    limit = f"{MASK_MAX_SIDE}×{MASK_MAX_SIDE}"
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MASK_MAX_PIXELS:
                raise MaskError(
                    f"`{name}` is {width}×{height} pixels; masks may be at most {limit} pixels. "
                    f"Export it at the image's own size, {size[0]}×{size[1]}."
                )
            opened.load()
            mask, transparent = _change_area(opened)
    except MaskError:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses to even open it: far beyond the limit.
        raise MaskError(
            f"`{name}` has far too many pixels; masks may be at most {limit} pixels. "
            f"Export it at the image's own size, {size[0]}×{size[1]}."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise MaskError(
            f"`{name}` is not an image I can read. Attach a PNG where white marks what to change."
        ) from None
    notes = []
    if transparent:
        notes.append(
            "The mask has transparent areas: I read them as keep, and opaque white as change."
        )
    if mask.size != size:
        notes.append(
            f"The mask is {mask.width}×{mask.height} and the image {size[0]}×{size[1]}: "
            "I resized the mask to fit."
        )
        mask = mask.resize(size, Image.Resampling.BILINEAR)
    if mask.getextrema()[1] < 128:
        raise MaskError("The mask has no white area, so there is nothing to change.")
    return mask, notes


def _change_area(image: Image.Image) -> tuple[Image.Image, bool]:
    """Brightness times opacity: white AND opaque is change; transparent is keep whatever colour
    it stores. The flag says whether any transparency was there to read."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if not has_alpha:
        return image.convert("L"), False
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] == 255:
        return rgba.convert("L"), False
    return ImageChops.multiply(rgba.convert("L"), alpha), True


def _named_variant(
    runtime: Runtime, event: dict[str, Any], iteration: int | None, number: int
) -> dict | None:
    """``#N``: the newest set in the thread that has an #N; ``vK#N``: #N of iteration vK (an
    OptionsError says what the thread has instead)."""
    if iteration is None:
        return find_variant(runtime, event["channel"], event["thread_ts"], number)
    return current_pick(runtime.store, event["channel"], event["thread_ts"], (iteration, number))


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
    iteration = int(match.group(1)) if match.group(1) else None
    number, instruction = int(match.group(2)), match.group(3).strip()
    if not thread_ts:
        _tell(client, event, f":warning: Reply inside the thread of the images. {USAGE}")
        return True
    if number > MAX_VARIANT_NUMBER or (iteration or 0) > MAX_ITERATION_NUMBER:
        shown = f"#{match.group(2)}"[:24]
        _tell(client, event, f":warning: There is no image {shown} in this thread.")
        return True
    try:
        asset = _named_variant(runtime, event, iteration, number)
    except OptionsError as exc:
        _tell(client, event, f":warning: {exc}")
        return True
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
                f"`{name}` is {_size(int(upload['size']))}; masks may be at most {_size(limit)}."
            )
        url = upload.get("url_private_download") or upload.get("url_private")
        if not url:
            raise MaskError(f"I cannot download `{name}`.")
        token = client.token or runtime.settings.slack_bot_token
        try:
            data = download(url, token, limit, runtime.settings.slack_file_hosts)
        except (URLError, OSError) as exc:
            raise MaskError(f"Downloading `{name}` failed ({exc}). Try again.") from None
        mask, notes = read_mask(data, name, (asset["width"], asset["height"]))
        buffer = io.BytesIO()
        mask.save(buffer, format="PNG")
        _, mask_path = write_content_addressed(
            runtime.settings.assets_dir, buffer.getvalue(), ".png"
        )
        params = edit_params(
            runtime.store, runtime.family_of_asset(asset), asset, instruction, mask_path=mask_path
        )
    except (MaskError, EditError) as exc:
        _tell(client, event, f":warning: {exc}")
        return True
    if notes:
        _tell(client, event, ":information_source: " + " ".join(notes))
    record(runtime, "edit", params, event["user"], asset)
    return True


def _carries_files(event: dict[str, Any]) -> bool:
    return bool(event.get("files"))


def register(app: App, runtime: Runtime) -> None:
    @app.message(EDIT_WORD, matchers=[_carries_files])
    def edit_reply(event: dict[str, Any], client: WebClient) -> None:
        handle_edit_reply(runtime, event, client)
