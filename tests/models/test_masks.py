"""Masks: grid cells, feathering, outpaint placement and the exact composite."""

import numpy as np
from PIL import Image

from models import masks


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def test_grid_cells_tile_the_image_exactly():
    total = np.zeros((100, 70), int)
    for cell in range(1, 10):
        total += np.asarray(masks.grid_mask(70, 100, [cell])) // 255
    assert (total == 1).all()
    assert masks.cell_box(1, 90, 90) == (0, 0, 30, 30)
    assert masks.cell_box(9, 90, 90) == (60, 60, 90, 90)
    assert masks.CELL_NAMES[0] == "top-left" and masks.CELL_NAMES[8] == "bottom-right"


def test_feathering_softens_only_a_band_around_the_edge():
    soft = np.asarray(masks.feather(masks.grid_mask(300, 300, [5]), fraction=0.03))
    assert soft[150, 150] == 255 and soft[0, 0] == 0
    band = masks.feather_radius(300, 300, 0.03) * 3
    assert (soft[:, : int(100 - band)] == 0).all()
    assert 0 < soft[150, 100] < 255, "the edge itself is half-blended"


def test_composite_keeps_the_source_exactly_where_the_mask_is_zero():
    source, generated = noise(96, 64, 1), noise(96, 64, 2)
    soft = masks.feather(masks.grid_mask(96, 64, [1, 5]))
    out = np.asarray(masks.composite(source, generated, soft))
    m = np.asarray(soft)
    assert (out[m == 0] == np.asarray(source)[m == 0]).all()
    assert (out[m == 255] == np.asarray(generated)[m == 255]).all()


def test_placement_is_unstretched_centred_and_the_ramp_lies_outside_the_source():
    spot = masks.fit_inside(64, 64, 1080, 1920)
    assert (spot.width, spot.height) == (1080, 1080) and (spot.left, spot.top) == (0, 420)
    canvas, spot = masks.place(noise(64, 32), 300, 500)
    assert canvas.size == (300, 500) and (spot.width, spot.height) == (300, 150)
    mask = np.asarray(masks.outpaint_mask(300, 500, spot, band=20))
    assert (mask[spot.top : spot.top + spot.height] == 0).all()
    assert mask[0, 0] == 255 and 0 < mask[spot.top - 10, 150] < 255
    # The padding repeats the source's edge rows, so the seam has no dark line.
    assert (np.asarray(canvas)[0] == np.asarray(canvas)[spot.top]).all()


def test_working_size_keeps_the_aspect_at_the_native_pixel_count():
    w, h = masks.working_size(1080, 1920, 512)
    assert w % 8 == 0 and h % 8 == 0
    assert abs(w / h - 1080 / 1920) < 0.02 and 0.9 < w * h / 512**2 < 1.1
