"""The picture shown in the "Edit region" modal: the image with its 3×3 grid numbered 1–9.

People choose cells by number, so the numbers must be readable on any image: white lines and
digits with a dark outline, on a copy scaled to a comfortable preview size. The preview is
uploaded once per image and its Slack file id remembered (the ``edit_previews`` table), so
opening the modal again does not post another copy in the thread.
"""

from __future__ import annotations

import io
import time
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from bot.store.database import Store
from models.masks import GRID, cell_box

PREVIEW_SIDE = 512


def grid_preview(image: Image.Image, side: int = PREVIEW_SIDE) -> Image.Image:
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    preview = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(preview)
    width, height = preview.size
    line = max(2, min(size) // 150)
    for k in range(1, GRID):
        x, y = k * width // GRID, k * height // GRID
        for offset, colour in ((line, "black"), (0, "white")):
            draw.line([(x, 0), (x, height)], fill=colour, width=line + offset)
            draw.line([(0, y), (width, y)], fill=colour, width=line + offset)
    font = ImageFont.load_default(size=max(12, min(size) // 8))
    stroke = max(1, min(size) // 120)
    for cell in range(1, GRID * GRID + 1):
        left, top, right, bottom = cell_box(cell, width, height)
        draw.text(
            ((left + right) / 2, (top + bottom) / 2),
            str(cell),
            fill="white",
            font=font,
            anchor="mm",
            stroke_width=stroke,
            stroke_fill="black",
        )
    return preview


def preview_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    grid_preview(image).save(buffer, format="PNG")
    return buffer.getvalue()


def cached_preview(store: Store, asset_id: int) -> str | None:
    rows = list(store.db["edit_previews"].rows_where("asset_id = ?", [asset_id]))
    return rows[0]["slack_file_id"] if rows else None


def remember_preview(store: Store, asset: dict[str, Any], file_id: str) -> None:
    with store.write() as db:
        db["edit_previews"].upsert(
            {
                "asset_id": asset["id"],
                "slack_file_id": file_id,
                "channel_id": asset.get("channel_id"),
                "created_at": time.time(),
            },
            pk="asset_id",
        )
