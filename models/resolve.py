"""Checking a request against its tier: what steps, guidance and strength it really runs with.

Kept apart from the runner so the rules a person's request must meet read in one place.
"""

from __future__ import annotations

from PIL import Image, ImageOps

from models.presets import TierPreset
from models.request import GenerationRequest

MIN_SIDE, MAX_SIDE = 64, 4096  # below: nothing to see; above: hours on a CPU worker, OOM on GPU
MAX_SEED = 2**64 - 1  # torch.Generator.manual_seed's range


def batch_key(request: GenerationRequest, used: tuple[int, float, float | None]) -> tuple:
    """What requests must share to run as one batch (anchors are compared by identity)."""
    return (
        request.tier,
        request.width,
        request.height,
        used,
        request.init_image is not None,
        request.anchor_image is not None,
        request.anchor_scale,
    )


def resolve(request: GenerationRequest, tier: TierPreset) -> tuple[int, float, float | None]:
    """Steps, guidance and strength to use, or a ValueError a person can read."""
    if not request.seeds:
        raise ValueError("a request needs at least one seed (one image per seed)")
    bad_seeds = [s for s in request.seeds if not 0 <= s <= MAX_SEED]
    if bad_seeds:
        raise ValueError(f"seeds must be between 0 and 2**64-1, got {bad_seeds}")
    for name, side in (("width", request.width), ("height", request.height)):
        if side % 8 or not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(
                f"{name} must be a multiple of 8 between {MIN_SIDE} and {MAX_SIDE}, got {side}"
            )
    steps = tier.default_steps if request.steps is None else request.steps
    if not 1 <= steps <= tier.max_steps:
        raise ValueError(
            f"steps must be between 1 and {tier.max_steps} for the {tier.name} tier "
            f"({tier.model_id}), got {steps}"
        )
    guidance = tier.guidance if request.guidance is None else float(request.guidance)
    if not 0.0 <= guidance <= 30.0:
        raise ValueError(f"guidance must be between 0 and 30, got {guidance}")
    if request.init_image is None:
        if request.strength is not None:
            raise ValueError("strength applies only to image-to-image: give an init image")
        return steps, guidance, None
    strength = tier.default_strength if request.strength is None else float(request.strength)
    if not 0.0 < strength <= 1.0:
        raise ValueError(f"strength must be in (0, 1], got {strength}")
    if _img2img_steps(steps, strength) < 1:
        raise ValueError(
            f"image-to-image runs int(steps x strength) steps, and {steps} x {strength} "
            "rounds down to 0: raise steps or strength"
        )
    return steps, guidance, strength


def _img2img_steps(steps: int, strength: float) -> int:
    # The same arithmetic as diffusers' StableDiffusionXLImg2ImgPipeline.get_timesteps.
    return min(int(steps * strength), steps)


def fit_init(image: Image.Image, width: int, height: int) -> Image.Image:
    """The init image at the generation size: scaled and centre-cropped, never stretched."""
    image = image.convert("RGB")
    if image.size == (width, height):
        return image
    return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
