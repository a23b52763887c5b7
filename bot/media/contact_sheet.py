"""A contact sheet: the variants of a job side by side, numbered, for a quick look outside Slack."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw


def contact_sheet(
    images: list[Image.Image], labels: list[str], columns: int = 4, gap: int = 8
) -> Image.Image:
    if not images:
        raise ValueError("a contact sheet needs at least one image")
    columns = min(columns, len(images))
    rows = math.ceil(len(images) / columns)
    cell_w = max(i.width for i in images)
    cell_h = max(i.height for i in images)
    label_h = 16
    sheet = Image.new(
        "RGB",
        (columns * cell_w + (columns + 1) * gap, rows * (cell_h + label_h) + (rows + 1) * gap),
        "white",
    )
    draw = ImageDraw.Draw(sheet)
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        x = gap + (index % columns) * (cell_w + gap)
        y = gap + (index // columns) * (cell_h + label_h + gap)
        sheet.paste(image.convert("RGB"), (x, y))
        draw.text((x, y + cell_h + 2), label, fill="black")
    return sheet
