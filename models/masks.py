"""Masks for editing in place: grid cells, feathering, outpaint canvases, and the composite that
guarantees pixels outside the mask are the source's own.

Diffusion inpainting regenerates the masked area but also re-encodes the rest through the VAE, so
its "unchanged" pixels drift. We therefore composite the generated image over the source through
the feathered mask after generation: where the mask is 0 the result is the source, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

GRID = 3
# Cell k (1..9) reading order, named as people say them.
CELL_NAMES = (
    "top-left",
    "top-centre",
    "top-right",
    "middle-left",
    "centre",
    "middle-right",
    "bottom-left",
    "bottom-centre",
    "bottom-right",
)


def cell_box(cell: int, width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of grid cell 1..9; cells tile the image exactly."""
    if not 1 <= cell <= GRID * GRID:
        raise ValueError(f"grid cells are numbered 1 to {GRID * GRID}, got {cell}")
    row, col = divmod(cell - 1, GRID)
    return (
        col * width // GRID,
        row * height // GRID,
        (col + 1) * width // GRID,
        (row + 1) * height // GRID,
    )


def grid_mask(width: int, height: int, cells: list[int]) -> Image.Image:
    """A hard "L" mask: 255 on the chosen cells, 0 elsewhere."""
    mask = np.zeros((height, width), dtype=np.uint8)
    for cell in cells:
        left, top, right, bottom = cell_box(cell, width, height)
        mask[top:bottom, left:right] = 255
    return Image.fromarray(mask)


def feather_radius(width: int, height: int, fraction: float) -> float:
    return max(1.0, fraction * min(width, height))


def feather(mask: Image.Image, fraction: float = 0.03) -> Image.Image:
    """Soften a mask's edges with a Gaussian blur of ``fraction`` of the shorter side.

    The soft band straddles the edge; far from it the mask keeps its exact 0 and 255, which is
    what lets the composite leave the rest of the image untouched.
    """
    radius = feather_radius(mask.width, mask.height, fraction)
    return mask.convert("L").filter(ImageFilter.GaussianBlur(radius))


def generation_mask(soft: Image.Image) -> Image.Image:
    """What the pipeline must regenerate: every pixel the composite takes anything from."""
    return soft.point(lambda v: 255 if v > 0 else 0)


def composite(source: Image.Image, generated: Image.Image, soft: Image.Image) -> Image.Image:
    """source·(1−m) + generated·m, with m the soft mask; exact source where m is 0."""
    if generated.size != source.size:
        generated = generated.resize(source.size, Image.Resampling.LANCZOS)
    return Image.composite(generated.convert("RGB"), source.convert("RGB"), soft.convert("L"))


@dataclass(frozen=True)
class Placement:
    """Where the source lands on an outpaint canvas (unstretched, scaled to fit, centred)."""

    left: int
    top: int
    width: int
    height: int


def fit_inside(src_w: int, src_h: int, width: int, height: int) -> Placement:
    scale = min(width / src_w, height / src_h)
    w = max(1, min(width, round(src_w * scale)))
    h = max(1, min(height, round(src_h * scale)))
    return Placement((width - w) // 2, (height - h) // 2, w, h)


def place(source: Image.Image, width: int, height: int) -> tuple[Image.Image, Placement]:
    """The source scaled to fit and centred on a canvas whose empty area repeats its edges.

    Edge repetition (not black) gives the blend band a colour continuous with the source, so the
    seam never shows a dark line even where the generated area differs.
    """
    spot = fit_inside(source.width, source.height, width, height)
    scaled = source.convert("RGB").resize((spot.width, spot.height), Image.Resampling.LANCZOS)
    pixels = np.asarray(scaled)
    pad = (
        (spot.top, height - spot.top - spot.height),
        (spot.left, width - spot.left - spot.width),
        (0, 0),
    )
    return Image.fromarray(np.pad(pixels, pad, mode="edge")), spot


def outpaint_mask(width: int, height: int, spot: Placement, band: float) -> Image.Image:
    """Soft "L" mask for outpainting: 0 on the placed source, rising linearly to 255 over
    ``band`` pixels outside it. The ramp lies wholly in the new area, so the source keeps
    every pixel while the seam is blended."""
    ys = np.arange(height, dtype=np.float32)[:, None]
    xs = np.arange(width, dtype=np.float32)[None, :]
    dx = np.maximum(np.maximum(spot.left - xs, xs - (spot.left + spot.width - 1)), 0)
    dy = np.maximum(np.maximum(spot.top - ys, ys - (spot.top + spot.height - 1)), 0)
    distance = np.hypot(dx, dy)
    ramp = np.clip(distance / max(band, 1.0), 0.0, 1.0)
    return Image.fromarray(np.round(ramp * 255).astype(np.uint8))


def working_size(width: int, height: int, native_side: int, multiple: int = 8) -> tuple[int, int]:
    """A size near ``width``×``height``'s aspect with about the model's native pixel count.

    Models generate best near the pixel count they were trained at; outputs are resized to the
    exact size asked for afterwards. Sides are multiples of ``multiple`` (the VAE's factor).
    """
    scale = (native_side * native_side / (width * height)) ** 0.5
    w = max(8 * multiple, round(width * scale / multiple) * multiple)
    h = max(8 * multiple, round(height * scale / multiple) * multiple)
    return min(w, 4096), min(h, 4096)
