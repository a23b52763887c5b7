"""Process a large image tile by tile and blend the tiles back without seams.

Upscalers hold activations proportional to the pixels they see, so a 1024² input to a ×4
diffusion upscaler does not fit in most GPUs in one piece. Cutting it into overlapping tiles keeps
memory bounded by the tile size; blending the overlaps with linear ramps hides the borders, where
each tile saw less context. Pure numpy: the per-tile function is the only model-specific part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# (tile as float32 HxWxC in 0..1) -> tile scaled by `scale`, same layout
TileFunction = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Tile:
    x: int
    y: int
    width: int
    height: int


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile origins along one axis: step tile−overlap, the last one flush with the far edge."""
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


def tile_grid(width: int, height: int, tile: int, overlap: int) -> list[Tile]:
    """Overlapping tiles that cover the image; each is ``tile`` square or the whole image side."""
    if tile <= 0 or not 0 <= overlap < tile:
        raise ValueError(f"need 0 <= overlap < tile, got tile {tile}, overlap {overlap}")
    tw, th = min(tile, width), min(tile, height)
    return [
        Tile(x, y, tw, th)
        for y in _starts(height, tile, overlap)
        for x in _starts(width, tile, overlap)
    ]


def _ramp(length: int, before: int, after: int) -> np.ndarray:
    """1 in the middle, rising linearly over ``before`` samples and falling over ``after``."""
    weights = np.ones(length, dtype=np.float32)
    if before:
        weights[:before] = (np.arange(before, dtype=np.float32) + 0.5) / before
    if after:
        weights[length - after :] = np.minimum(
            weights[length - after :], ((np.arange(after, dtype=np.float32) + 0.5) / after)[::-1]
        )
    return weights


def tiled(
    image: np.ndarray,
    fn: TileFunction,
    *,
    scale: int,
    tile: int,
    overlap: int,
    on_tile: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """``fn`` applied to the whole of ``image`` (H×W×C float), computed tile by tile.

    Each tile's output is weighted by ramps across the overlaps it shares with its neighbours
    (image borders get no ramp), so the weights of overlapping tiles sum smoothly and a tile's
    weak border is dominated by its neighbour's interior. ``on_tile(done, total)`` is called after
    each tile (progress, cancellation).
    """
    height, width = image.shape[:2]
    tiles = tile_grid(width, height, tile, overlap)
    out = np.zeros((height * scale, width * scale, image.shape[2]), dtype=np.float32)
    weight = np.zeros((height * scale, width * scale, 1), dtype=np.float32)
    for index, t in enumerate(tiles):
        result = np.asarray(fn(image[t.y : t.y + t.height, t.x : t.x + t.width]), np.float32)
        expected = (t.height * scale, t.width * scale, image.shape[2])
        if result.shape != expected:
            raise ValueError(f"tile function returned {result.shape}, expected {expected}")
        # Ramp only where another tile overlaps this one.
        left = (overlap if t.x > 0 else 0) * scale
        right = (overlap if t.x + t.width < width else 0) * scale
        top = (overlap if t.y > 0 else 0) * scale
        bottom = (overlap if t.y + t.height < height else 0) * scale
        # The last tile sits flush with the edge, so its overlap with the previous one can be
        # larger than `overlap`; a ramp of `overlap` still blends, and stays inside the tile.
        w = np.outer(_ramp(expected[0], top, bottom), _ramp(expected[1], left, right))[..., None]
        ys, xs = t.y * scale, t.x * scale
        out[ys : ys + expected[0], xs : xs + expected[1]] += result * w
        weight[ys : ys + expected[0], xs : xs + expected[1]] += w
        if on_tile is not None:
            on_tile(index + 1, len(tiles))
    return out / np.maximum(weight, 1e-8)
