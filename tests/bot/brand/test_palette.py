"""Palette colour science: published CIEDE2000 values, parsing, dominant colours, snapping."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bot.brand.palette import (
    PaletteError,
    delta_e,
    dominant_colours,
    palette_report,
    parse_palette,
    snap_to_palette,
    to_lab,
)

# Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
# supplementary test data, and mathematical observations", Table 1: pairs 1, 7, 14, 17, 25, 34.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_published_values(lab1, lab2, expected):
    assert float(delta_e(np.array(lab1), np.array(lab2))) == pytest.approx(expected, abs=5e-5)
    assert float(delta_e(np.array(lab2), np.array(lab1))) == pytest.approx(expected, abs=5e-5)


def test_srgb_to_lab_reference_colours():
    """D65 white is L 100; sRGB red is the textbook (53.24, 80.09, 67.20)."""
    assert to_lab(np.array([255, 255, 255])) == pytest.approx([100.0, 0.0, 0.0], abs=0.01)
    assert to_lab(np.array([0, 0, 0])) == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)
    assert to_lab(np.array([255, 0, 0])) == pytest.approx([53.24, 80.09, 67.20], abs=0.05)


def test_parse_palette_normalises_and_names_bad_tokens():
    assert parse_palette("#0055ff FFF, #111111") == ["#0055FF", "#FFFFFF", "#111111"]
    with pytest.raises(PaletteError, match=r"`#12345G` is not a hex colour"):
        parse_palette("#0055FF #12345G")
    with pytest.raises(PaletteError, match=r"`blue`, `#00` are not hex colours"):
        parse_palette("blue #00 #FFFFFF")
    with pytest.raises(PaletteError, match="2–12 different colours; you gave 1"):
        parse_palette("#FFFFFF #ffffff")
    with pytest.raises(PaletteError, match="you gave 13"):
        parse_palette(" ".join(f"#{i:02X}0000" for i in range(13)))


def three_bands() -> Image.Image:
    """Off-brand blue, cream and brown bands: each near, but not on, a brand colour."""
    pixels = np.zeros((96, 96, 3), dtype=np.uint8)
    pixels[:, :40] = (30, 120, 240)
    pixels[:, 40:70] = (250, 240, 220)
    pixels[:, 70:] = (40, 35, 60)
    return Image.fromarray(pixels)


def test_dominant_colours_are_found_with_their_shares_deterministically():
    found = dominant_colours(three_bands())
    assert [rgb for rgb, _ in found] == [(30, 120, 240), (250, 240, 220), (40, 35, 60)]
    # 40, 30 and 26 of 96 columns; the 32 px analysis copy blends each border into a one-column
    # sliver (3 %, under the 5 % that makes a colour dominant), taken from the bands beside it.
    assert [share for _, share in found] == pytest.approx([0.41, 0.28, 0.25], abs=0.01)
    assert dominant_colours(three_bands()) == found


def test_report_flags_colours_beyond_the_threshold():
    palette = ["#0055FF", "#FFFFFF", "#111111"]
    report = palette_report(three_bands(), palette, threshold=10.0)
    assert [m.nearest for m in report.matches] == palette
    assert [m.colour for m in report.off_palette] == ["#1E78F0", "#28233C"]
    assert palette_report(three_bands(), palette, threshold=40.0).off_palette == []


def test_snap_moves_dominant_colours_closer_and_keeps_lightness():
    palette = ["#0055FF", "#FFFFFF", "#111111"]
    image = three_bands()
    before = palette_report(image, palette)
    snapped = snap_to_palette(image, palette, strength=0.8)
    after = palette_report(snapped, palette)
    assert after.mean_delta_e < before.mean_delta_e
    for old, new in zip(before.matches, after.matches, strict=True):
        assert new.nearest == old.nearest and new.delta_e < old.delta_e
    lightness_before = to_lab(np.asarray(image, float))[..., 0]
    lightness_after = to_lab(np.asarray(snapped, float))[..., 0]
    assert np.abs(lightness_after - lightness_before).max() < 1.5  # 8-bit rounding and gamut
    assert snap_to_palette(image, palette, strength=0.0).tobytes() == image.tobytes()


def test_snap_never_leaves_an_image_farther_from_the_palette():
    """A grey ramp: chroma moved toward the ΔE00-nearest colour (a dark blue, for mid greys)
    while lightness stays would turn some greys into bright blues farther from everything."""
    palette = ["#0055FF", "#FFFFFF", "#111111"]
    ramp = np.tile(np.linspace(0, 255, 128, dtype=np.uint8), (128, 1))
    image = Image.fromarray(np.dstack([ramp] * 3), "RGB")
    before = palette_report(image, palette)
    after = palette_report(snap_to_palette(image, palette), palette)
    assert after.mean_delta_e < before.mean_delta_e
    assert after.max_delta_e < before.max_delta_e
    lab = to_lab(np.asarray(image, float)).reshape(-1, 3)
    snapped = to_lab(np.asarray(snap_to_palette(image, palette), float)).reshape(-1, 3)
    targets = to_lab(np.array([[0, 85, 255], [255, 255, 255], [17, 17, 17]], float))
    nearest_before = delta_e(lab[:, None, :], targets[None]).min(axis=1)
    nearest_after = delta_e(snapped[:, None, :], targets[None]).min(axis=1)
    assert (nearest_after <= nearest_before + 0.5).all(), "no pixel moves away (8-bit rounding)"
