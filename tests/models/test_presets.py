import math

import pytest

from models.presets import DRAFT, FAMILIES, FINAL, get_family, size_for_aspect

RATIOS = [(1, 1), (4, 5), (2, 3), (3, 2), (16, 9), (9, 16), (21, 9)]
# How far (|log| of the ratio) a 64 px grid allows the aspect to drift at each native size.
ASPECT_TOLERANCE = {128: 0.26, 512: 0.035, 1024: 0.03}


@pytest.mark.parametrize("native", sorted(ASPECT_TOLERANCE))
@pytest.mark.parametrize(("aw", "ah"), RATIOS)
def test_size_for_aspect_keeps_grid_orientation_aspect_and_pixel_count(native, aw, ah):
    w, h = size_for_aspect(native, aw, ah)
    assert w % 64 == 0 and h % 64 == 0
    assert (w > h) == (aw > ah) and (w < h) == (aw < ah)
    assert abs(math.log(w / h) - math.log(aw / ah)) <= ASPECT_TOLERANCE[native]
    assert 0.5 <= w * h / native**2 <= 1.6


@pytest.mark.parametrize(
    ("native", "aspect", "size"),
    [
        (512, (1, 1), (512, 512)),
        (1024, (1, 1), (1024, 1024)),
        (1024, (16, 9), (1344, 768)),  # SDXL's own training bucket, not 1024x576
        (1024, (4, 5), (896, 1152)),
        (512, (4, 5), (448, 576)),
        (128, (2, 3), (128, 192)),
    ],
)
def test_size_for_aspect_known_sizes(native, aspect, size):
    assert size_for_aspect(native, *aspect) == size


@pytest.mark.parametrize("native", [128, 256, 512, 1024])
def test_portrait_is_the_landscape_size_turned(native):
    w, h = size_for_aspect(native, 16, 9)
    assert size_for_aspect(native, 9, 16) == (h, w)


@pytest.mark.parametrize("args", [(32, 1, 1), (512, 0, 1), (512, 1, -2)])
def test_size_for_aspect_rejects_nonsense(args):
    with pytest.raises(ValueError):
        size_for_aspect(*args)


def test_unknown_family_names_the_known_ones():
    with pytest.raises(ValueError, match="known families: sdxl, tiny"):
        get_family("sd15")


def test_unknown_tier_names_the_known_ones():
    with pytest.raises(ValueError, match="known tiers: draft, final"):
        get_family("tiny").tier("preview")


def test_tiny_family_is_small_and_fast():
    tiny = get_family("tiny")
    assert (tiny.tiers[DRAFT].native_side, tiny.tiers[FINAL].native_side) == (128, 256)
    assert (tiny.tiers[DRAFT].default_steps, tiny.tiers[FINAL].default_steps) == (2, 4)
    assert (tiny.tiers[DRAFT].max_steps, tiny.tiers[FINAL].max_steps) == (8, 20)


def test_sdxl_family_follows_the_model_cards():
    sdxl = get_family("sdxl")
    draft, final = sdxl.tiers[DRAFT], sdxl.tiers[FINAL]
    assert draft.model_id == "stabilityai/sdxl-turbo"
    assert (draft.native_side, draft.guidance, draft.scheduler) == (512, 0.0, "Euler a")
    assert draft.max_steps <= 4
    assert final.model_id == "stabilityai/stable-diffusion-xl-base-1.0"
    assert (final.native_side, final.default_steps) == (1024, 30)


@pytest.mark.parametrize("family", FAMILIES.values(), ids=list(FAMILIES))
def test_every_tier_is_consistent_and_licensed(family):
    assert set(family.tiers) == {DRAFT, FINAL}
    for name, tier in family.tiers.items():
        assert tier.name == name
        assert 1 <= tier.default_steps <= tier.max_steps
        assert 0 < tier.default_strength <= 1
        # img2img with the defaults must run at least one step
        assert int(tier.default_steps * tier.default_strength) >= 1
        assert tier.model_id in family.licences
        if tier.fast_decoder:
            assert tier.fast_decoder in family.licences


@pytest.mark.parametrize("native", [64, 72, 96, 100, 128, 136, 192])
@pytest.mark.parametrize(("aw", "ah"), [*RATIOS, (4, 1), (1, 4), (300, 157), (7, 2)])
def test_size_for_aspect_has_a_size_for_small_native_sides(native, aw, ah):
    """DAILIES_DRAFT_SIDE can be as small as 64: every allowed aspect still gets a grid size of
    its orientation (at 64 no landscape size fits the pixel window)."""
    w, h = size_for_aspect(native, aw, ah)
    assert w % 64 == 0 and h % 64 == 0 and min(w, h) >= 64 and max(w, h) <= 4096
    assert (w > h) == (aw > ah) and (w < h) == (aw < ah)
