"""Turning what a person asked for into a job's params: sizes, seeds and bounded steps.

The params are the complete, JSON-able recipe of a generation job; assets copy what was used.
"""

from __future__ import annotations

import secrets
from typing import Any

from bot.config import Settings
from bot.draft_options import MAX_SEED, DraftOptions, OptionsError
from models.presets import Family, size_for_aspect


def tier_side(settings: Settings, family: Family, tier: str) -> int:
    override = {"draft": settings.draft_side, "final": settings.final_side}.get(tier, 0)
    return override or family.tiers[tier].native_side


def seeds_from(base: int | None, n: int) -> list[int]:
    """Variant k gets base+k−1, so "seed 42, variant 3" is seed 44 and easy to re-type."""
    start = secrets.randbelow(MAX_SEED + 1) if base is None else base
    return [(start + i) % (MAX_SEED + 1) for i in range(n)]


def draft_params(
    options: DraftOptions, settings: Settings, family: Family, tier: str = "draft"
) -> dict[str, Any]:
    preset = family.tiers[tier]
    if options.steps is not None and options.steps > preset.max_steps:
        raise OptionsError(
            f"`--steps` for the {tier} tier is at most {preset.max_steps}, got {options.steps}."
        )
    width, height = size_for_aspect(tier_side(settings, family, tier), *options.aspect)
    return {
        "tier": tier,
        "prompt": options.prompt,
        "negative_prompt": options.negative_prompt,
        "aspect": options.aspect_text,
        "width": width,
        "height": height,
        "seeds": seeds_from(options.seed, options.n),
        "steps": options.steps or preset.default_steps,
        "guidance": preset.guidance,
    }


def reroll_params(params: dict[str, Any]) -> dict[str, Any]:
    """Same settings, new seeds."""
    return {**params, "seeds": seeds_from(None, len(params["seeds"]))}
