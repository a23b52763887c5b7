"""What a person chose in the Animate modal, checked before anything is queued.

Motion presets follow how motion is judged by content type: product shots want little (2-4),
atmosphere a lot (6-8), character close-ups hardly any (3 or less, faces warp first). A custom
intensity (1-10) overrides the preset. Errors are keyed by the modal's block ids, so Slack shows
each one under the input it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.video import MAX_MOTION, MIN_MOTION, VideoPreset

# Block ids of the modal's inputs (also the keys of validation errors).
MOTION_PRESET = "motion_preset"
MOTION_CUSTOM = "motion_custom"
DURATION = "duration"
FPS = "fps"
COUNT = "count"
CUSTOM = "custom"

# value -> (label, intensity); CUSTOM takes the number from MOTION_CUSTOM.
MOTION_PRESETS: dict[str, tuple[str, int]] = {
    "product": ("Product (3)", 3),
    "atmosphere": ("Atmosphere (7)", 7),
    "character": ("Character close-up (2)", 2),
}
DURATIONS = (2, 3)  # seconds per chunk: short enough to judge, long enough to read motion
FPS_CHOICES = (6, 8, 12)
MAX_TEST_CLIPS = 4
DEFAULTS = {MOTION_PRESET: "product", DURATION: 2, FPS: 8, COUNT: 2}


@dataclass(frozen=True)
class AnimateOptions:
    motion: int
    duration_s: int
    fps: int
    count: int

    @property
    def num_frames(self) -> int:
        return self.duration_s * self.fps


def _value(values: dict[str, Any], block_id: str) -> str | None:
    """The submitted value of the (single) input in ``block_id``: select or text/number."""
    for state in (values.get(block_id) or {}).values():
        option = state.get("selected_option")
        if option is not None:
            return str(option.get("value"))
        if state.get("value") is not None:
            return str(state["value"]).strip() or None
    return None


def _choice(values: dict[str, Any], block_id: str, allowed: tuple[int, ...], what: str) -> int:
    raw = _value(values, block_id)
    try:
        number = int(raw) if raw is not None else DEFAULTS[block_id]
    except ValueError:
        number = -1
    if number not in allowed:
        listed = ", ".join(map(str, allowed))
        raise _FieldError(block_id, f"Choose {what}: {listed}.")
    return number


class _FieldError(ValueError):
    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id


def parse_motion(values: dict[str, Any]) -> tuple[int, dict[str, str]]:
    """The motion intensity of the preset/custom inputs (Animate and Extend share them), or
    errors keyed by block id."""
    errors: dict[str, str] = {}
    motion = 0
    preset_value = _value(values, MOTION_PRESET) or DEFAULTS[MOTION_PRESET]
    custom = _value(values, MOTION_CUSTOM)
    if custom is not None:
        try:
            motion = int(custom)
        except ValueError:
            errors[MOTION_CUSTOM] = (
                f"Motion intensity is a whole number from 1 to 10, not “{custom}”."
            )
        else:
            if not MIN_MOTION <= motion <= MAX_MOTION:
                errors[MOTION_CUSTOM] = f"Motion intensity goes from 1 to 10; {motion} is outside."
    elif preset_value == CUSTOM:
        errors[MOTION_CUSTOM] = "Custom motion needs an intensity from 1 to 10 here."
    elif preset_value in MOTION_PRESETS:
        motion = MOTION_PRESETS[preset_value][1]
    else:
        errors[MOTION_PRESET] = "Choose a motion preset."
    return motion, errors


def motion_inputs_for(motion: int) -> tuple[str, int | None]:
    """The preset (and custom intensity) that pre-fill the inputs with ``motion``: its preset
    when one has that intensity, else Custom with the number."""
    for value, (_, intensity) in MOTION_PRESETS.items():
        if intensity == motion:
            return value, None
    return CUSTOM, motion


def parse_animate_values(
    values: dict[str, Any], preset: VideoPreset
) -> tuple[AnimateOptions | None, dict[str, str]]:
    """(options, {}) when the submission is valid, else (None, {block_id: message})."""
    motion, errors = parse_motion(values)
    duration = fps = count = 0
    for block_id, allowed, what in (
        (DURATION, DURATIONS, "a chunk length in seconds"),
        (FPS, FPS_CHOICES, "a frame rate"),
        (COUNT, tuple(range(1, MAX_TEST_CLIPS + 1)), "how many test clips"),
    ):
        try:
            number = _choice(values, block_id, allowed, what)
        except _FieldError as exc:
            errors[exc.block_id] = str(exc)
            continue
        if block_id == DURATION:
            duration = number
        elif block_id == FPS:
            fps = number
        else:
            count = number
    if duration and fps and duration * fps > preset.max_frames:
        errors[FPS] = (
            f"{fps} fps × {duration} s is {fps * duration} frames; the model makes at most "
            f"{preset.max_frames} per chunk. Lower the frame rate or the chunk length."
        )
    if errors:
        return None, errors
    return AnimateOptions(motion=motion, duration_s=duration, fps=fps, count=count), {}
