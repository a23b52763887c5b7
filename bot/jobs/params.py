"""Turning what a person asked for into a job's params: sizes, seeds and bounded steps.

The params are the complete, JSON-able recipe of a generation job; assets copy what was used.
"""

from __future__ import annotations

import secrets
from math import gcd
from typing import Any

from bot.config import Settings
from bot.jobs.draft_options import MAX_ASPECT_SIDE_RATIO, MAX_SEED, DraftOptions, OptionsError
from bot.jobs.lanes import lane_for
from bot.jobs.rows import Job
from models.presets import Family, size_for_aspect


def tier_side(settings: Settings, family: Family, tier: str) -> int:
    override = {"draft": settings.draft_side, "final": settings.final_side}.get(tier, 0)
    return override or family.tiers[tier].native_side


def aspect_text(width: int, height: int) -> str:
    """A size as its reduced ratio of whole numbers ("W:H"), the form every aspect param takes."""
    d = gcd(width, height)
    return f"{width // d}:{height // d}"


def asset_aspect(asset: dict[str, Any], job: Job | None) -> str:
    """The aspect ratio an asset stands for when something is rendered again from it.

    A job's ``aspect`` speaks for the assets rendered at the job's own size: a draft records the
    ratio asked for (16:9 renders at the nearest grid size, e.g. 1344×768, which is 7:4), and
    every variant shares it. A job whose variants have different sizes (a resize makes one per
    format) records only its first, so any other asset stands for its own size.
    """
    params = job.params if job is not None else {}
    recorded = params.get("aspect")
    if recorded and (params.get("width"), params.get("height")) == (
        asset["width"],
        asset["height"],
    ):
        return recorded
    return aspect_text(asset["width"], asset["height"])


def aspect_size(settings: Settings, family: Family, tier: str, aspect: str) -> tuple[int, int]:
    """The tier's generation size for a "W:H" aspect, or an OptionsError a person can read: an
    aspect taken from an image (a custom resize) can be more extreme than ``--ar`` allows."""
    width, height = (int(x) for x in aspect.split(":"))
    if max(width / height, height / width) > MAX_ASPECT_SIDE_RATIO:
        raise OptionsError(
            f"This image's aspect ({aspect}) is too extreme to render again at the {tier} tier: "
            "that works within 1:4 to 4:1."
        )
    return size_for_aspect(tier_side(settings, family, tier), width, height)


# Choices a command makes for everything drawn from its images, not for one render: the jobs made
# from a job's image (a final, the next iteration) carry them over. "anchor" is --anchor's id or
# "none" (bot/anchors.for_job reads it).
CARRIED = ("anchor", "family", "loras")


def carried_choices(params: dict[str, Any]) -> dict[str, Any]:
    """The source job's carried choices, to merge into the params of a job made from it."""
    return {key: params[key] for key in CARRIED if params.get(key) is not None}


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
        "family": family.name,
        **lane_for(preset),
    }


def reroll_params(params: dict[str, Any]) -> dict[str, Any]:
    """Same settings, new seeds."""
    return {**params, "seeds": seeds_from(None, len(params["seeds"]))}
