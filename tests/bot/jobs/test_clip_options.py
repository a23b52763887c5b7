"""The Animate modal's values: presets, custom intensity, and the frames a chunk may have."""

import pytest

from bot.jobs.clip_options import CUSTOM, AnimateOptions, motion_inputs_for, parse_animate_values
from models.video import VIDEO_PRESETS

PRESET = VIDEO_PRESETS["sdxl"]


def values(preset="product", custom=None, duration="2", fps="8", count="2"):
    def select(block, value):
        return {block: {"type": "static_select", "selected_option": {"value": value}}}

    return {
        "motion_preset": select("motion_preset", preset),
        "motion_custom": {"motion_custom": {"type": "number_input", "value": custom}},
        "duration": select("duration", duration),
        "fps": select("fps", fps),
        "count": select("count", count),
    }


@pytest.mark.parametrize(
    ("preset", "custom", "motion"),
    [("product", None, 3), ("atmosphere", None, 7), ("character", None, 2), ("custom", "9", 9)],
)
def test_presets_and_custom_give_the_intensity(preset, custom, motion):
    options, errors = parse_animate_values(values(preset, custom), PRESET)
    assert errors == {}
    assert options == AnimateOptions(motion=motion, duration_s=2, fps=8, count=2)
    assert options.num_frames == 16


def test_a_typed_intensity_overrides_the_preset():
    options, _ = parse_animate_values(values("atmosphere", "4"), PRESET)
    assert options.motion == 4


@pytest.mark.parametrize(
    ("changes", "block", "message"),
    [
        ({"custom": "11"}, "motion_custom", "1 to 10; 11 is outside"),
        ({"custom": "0"}, "motion_custom", "1 to 10; 0 is outside"),
        ({"custom": "lots"}, "motion_custom", "not “lots”"),
        ({"preset": "custom"}, "motion_custom", "needs an intensity"),
        ({"preset": "wild"}, "motion_preset", "Choose a motion preset"),
        ({"fps": "7"}, "fps", "6, 8, 12"),
        ({"duration": "5"}, "duration", "2, 3"),
        ({"count": "5"}, "count", "1, 2, 3, 4"),
        ({"fps": "12", "duration": "3"}, "fps", "36 frames; the model makes at most 25"),
    ],
)
def test_bad_values_are_reported_under_their_input(changes, block, message):
    options, errors = parse_animate_values(values(**changes), PRESET)
    assert options is None
    assert message in errors[block]


def test_motion_inputs_for_prefills_a_preset_or_custom():
    assert motion_inputs_for(7) == ("atmosphere", None)
    assert motion_inputs_for(6) == (CUSTOM, 6)
