"""Families as configuration: the issue's TOML shape, the built-ins, and refusals naming the key."""

import tomllib

import pytest

from models.families import FamilyError, family_registry, parse_families, pick_family
from models.presets import FAMILIES

BANANA = """
[families.banana]
description = "Nano Banana drafts, Nano Banana Pro finals"
[families.banana.tiers.draft]
backend = "gemini"                      # or "diffusers"
model = "gemini-2.5-flash-image"        # diffusers: a repo id, a folder, or a .safetensors file
[families.banana.tiers.final]
backend = "gemini"
model = "gemini-3-pro-image-preview"
"""

HOUSE = """
[families.house]
description = "Our checkpoint for drafts, Nano Banana Pro for finals"
[families.house.tiers.draft]
backend = "diffusers"
model = "/models/house-v3.safetensors"
vae = "madebyollin/sdxl-vae-fp16-fix"
scheduler = "DPM++ 2M"
native_side = 1024
default_steps = 8
max_steps = 30
guidance = 2.5
licence = "internal use only"
[families.house.tiers.final]
backend = "gemini"
model = "gemini-3-pro-image-preview"
image_size = "2K"
cost_per_image = 0.134
"""


def families(text: str) -> dict:
    return parse_families(tomllib.loads(text)["families"])


def test_the_issue_shape_parses_into_two_gemini_tiers():
    banana = families(BANANA)["banana"]
    assert banana.description == "Nano Banana drafts, Nano Banana Pro finals"
    assert {n: (t.backend, t.model_id) for n, t in banana.tiers.items()} == {
        "draft": ("gemini", "gemini-2.5-flash-image"),
        "final": ("gemini", "gemini-3-pro-image-preview"),
    }
    assert all(t.hosted for t in banana.tiers.values())


def test_a_local_checkpoint_draft_with_a_hosted_final():
    house = families(HOUSE)["house"]
    draft, final = house.tiers["draft"], house.tiers["final"]
    assert (draft.model_id, draft.vae, draft.scheduler) == (
        "/models/house-v3.safetensors",
        "madebyollin/sdxl-vae-fp16-fix",
        "DPM++ 2M",
    )
    assert (draft.native_side, draft.default_steps, draft.max_steps, draft.guidance) == (
        1024,
        8,
        30,
        2.5,
    )
    assert house.licences["/models/house-v3.safetensors"] == "internal use only"
    assert (final.image_size, final.cost_per_image, final.hosted) == ("2K", 0.134, True)


def test_builtins_are_the_same_shape_and_keep_their_presets():
    tiny, sdxl = FAMILIES["tiny"], FAMILIES["sdxl"]
    assert (tiny.loader, sdxl.loader) == ("tiny", "sdxl")
    assert tiny.tiers["draft"].model_id == "dailies/tiny-sdxl-draft"
    assert sdxl.licences["stabilityai/sdxl-turbo"].startswith("Stability AI Non-Commercial")
    assert all(t.backend == "diffusers" for f in (tiny, sdxl) for t in f.tiers.values())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.pop("model"), "tier 'draft': missing key `model`"),
        (lambda t: t.pop("backend"), "tier 'draft': missing key `backend`"),
        (lambda t: t.pop("native_side"), "tier 'draft': missing key `native_side`"),
        (lambda t: t.update(backend="comfy"), "tier 'draft': backend 'comfy' is unknown"),
        (lambda t: t.update(scheduler="Heun++"), "tier 'draft': scheduler 'Heun\\+\\+' is unknown"),
        (lambda t: t.update(max_steps=4), r"tier 'draft': default_steps \(8\) exceeds max_steps"),
        (lambda t: t.update(steps=4), "tier 'draft': unknown key `steps`"),
        (lambda t: t.update(guidance="high"), "tier 'draft': `guidance` must be a number"),
    ],
)
def test_incomplete_or_wrong_tiers_are_refused_with_the_key_named(edit, message):
    tables = tomllib.loads(HOUSE)["families"]
    edit(tables["house"]["tiers"]["draft"])
    with pytest.raises(FamilyError, match=rf"model family 'house', {message}"):
        parse_families(tables)


def test_a_family_without_a_final_tier_is_refused():
    tables = tomllib.loads(BANANA)["families"]
    del tables["banana"]["tiers"]["final"]
    with pytest.raises(FamilyError, match="model family 'banana': missing tier `final`"):
        parse_families(tables)


def test_registry_adds_configured_families_and_unknown_names_list_the_known():
    registry = family_registry(tomllib.loads(BANANA)["families"])
    assert set(registry) == {"tiny", "sdxl", "banana"}
    with pytest.raises(FamilyError, match="unknown model family 'sd15'; known families: banana"):
        pick_family(registry, "sd15")
