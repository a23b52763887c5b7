"""Tiling: a per-tile function applied tile by tile equals the function applied at once."""

import numpy as np
import pytest
from PIL import Image

from models.tiling import tile_grid, tiled


def smooth_image(width: int, height: int) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack(
        [
            0.5 + 0.4 * np.sin(xs / 9.0),
            0.5 + 0.4 * np.cos(ys / 7.0),
            (xs + ys) / (width + height),
        ],
        axis=-1,
    ).astype(np.float32)


def resize(scale: int):
    """A deterministic stand-in for the upscaler: a plain bicubic resize, channel by channel."""

    def fn(tile: np.ndarray) -> np.ndarray:
        h, w = tile.shape[:2]
        return np.stack(
            [
                np.asarray(
                    Image.fromarray(tile[..., c], mode="F").resize(
                        (w * scale, h * scale), Image.Resampling.BICUBIC
                    )
                )
                for c in range(tile.shape[2])
            ],
            axis=-1,
        )

    return fn


@pytest.mark.parametrize(("width", "height"), [(100, 72), (64, 64), (37, 90)])
def test_tiled_resize_equals_the_whole_image_resize(width, height):
    image = smooth_image(width, height)
    whole = resize(4)(image)
    done = []
    result = tiled(
        image, resize(4), scale=4, tile=32, overlap=8, on_tile=lambda d, t: done.append((d, t))
    )
    assert result.shape == whole.shape == (height * 4, width * 4, 3)
    assert np.abs(result - whole).max() < 0.02
    assert np.abs(result - whole).mean() < 0.002
    assert done[-1] == (len(done), len(done))


def test_overlaps_are_blended_not_butted():
    """A function that sees only its own tile (its mean colour) shows tile borders as steps:
    with overlaps the steps become ramps, much smaller per pixel than the hard seams."""
    image = smooth_image(96, 96)

    def tile_mean(tile: np.ndarray) -> np.ndarray:
        flat = np.broadcast_to(tile.mean(axis=(0, 1)), tile.shape)
        return np.repeat(np.repeat(flat, 2, 0), 2, 1)

    hard = tiled(image, tile_mean, scale=2, tile=32, overlap=0)
    soft = tiled(image, tile_mean, scale=2, tile=32, overlap=8)
    hard_step = np.abs(np.diff(hard, axis=1)).max()
    soft_step = np.abs(np.diff(soft, axis=1)).max()
    assert hard_step > 0.1 and soft_step < hard_step / 4


def test_tile_grid_covers_the_image_with_the_asked_overlap():
    tiles = tile_grid(100, 40, tile=32, overlap=8)
    xs = sorted({t.x for t in tiles})
    assert xs == [0, 24, 48, 68] and sorted({t.y for t in tiles}) == [0, 8]
    covered = np.zeros((40, 100), bool)
    for t in tiles:
        covered[t.y : t.y + t.height, t.x : t.x + t.width] = True
    assert covered.all()
    assert tile_grid(20, 20, tile=32, overlap=8) == [tile_grid(20, 20, 32, 8)[0]]
    with pytest.raises(ValueError):
        tile_grid(100, 100, tile=32, overlap=32)


def test_a_function_returning_the_wrong_size_is_refused():
    with pytest.raises(ValueError, match="expected"):
        tiled(smooth_image(40, 40), lambda t: t, scale=2, tile=32, overlap=8)
