"""Recipe templates: slots, filling, and what /draft --recipe expands to."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.brand import recipes
from bot.brand.draft_flags import prepare_draft
from bot.store.database import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "dailies.db")


def saved(store, **changes):
    row = {
        "team_id": "T1",
        "name": "hero",
        "channel_id": "C1",
        "created_by": "U1",
        "template": "a {product} on {setting}, {product} in focus",
        "negative_prompt": "blur",
        "aspect": "4:5",
        "tier": "final",
        "steps": 6,
        "anchor_id": None,
        "seed": 11,
        "source_asset_id": None,
    }
    return recipes.save(store, {**row, **changes})


def test_slots_in_order_and_template_checks():
    assert recipes.slots("a {product} on {setting} and {product}") == ["product", "setting"]
    with pytest.raises(recipes.RecipeError, match="braces"):
        recipes.check_template("a {product on the beach")
    with pytest.raises(recipes.RecipeError, match="empty"):
        recipes.check_template("   ")


def test_prepare_draft_fills_slots_and_takes_recipe_settings(store):
    recipe = saved(store)
    brand = prepare_draft(store, "T1", "--recipe HERO product='red sneaker' setting=sand --n 2")
    assert brand.options.prompt == "a red sneaker on sand, red sneaker in focus"
    assert (brand.options.negative_prompt, brand.options.aspect) == ("blur", (4, 5))
    assert (brand.options.steps, brand.options.seed, brand.options.n) == (6, 11, 2)
    assert brand.tier == "final" and brand.params == {"recipe_id": recipe["id"]}
    own = prepare_draft(store, "T1", "--recipe hero product=a setting=b --no rain --steps 2")
    assert (own.options.negative_prompt, own.options.steps) == ("rain", 2)


def test_slot_values_may_come_before_the_flag(store):
    saved(store)
    brand = prepare_draft(store, "T1", 'product="mug" setting=desk --recipe hero')
    assert brand.options.prompt == "a mug on desk, mug in focus"


def test_unreadable_text_and_other_workspaces(store):
    saved(store)
    with pytest.raises(recipes.RecipeError, match="could not read `loose words`"):
        prepare_draft(store, "T1", "loose words --recipe hero product=a setting=b")
    with pytest.raises(recipes.RecipeError, match="no recipe called `hero`"):
        prepare_draft(store, "T2", "--recipe hero product=a setting=b")
    with pytest.raises(recipes.RecipeError, match="already exists"):
        saved(store)


def test_slot_values_are_read_wherever_they_are_and_quotes_are_never_flags(store):
    saved(store, template="{product} — {setting} —no text")
    brand = prepare_draft(
        store, "T1", '--recipe hero --ar 16:9 product="t-shirt --limited" setting="a \\"big\\" day"'
    )
    assert brand.options.prompt == 't-shirt --limited — a "big" day —no text'
    assert brand.options.aspect == (16, 9) and brand.options.negative_prompt == "blur"
    seeded = prepare_draft(store, "T1", "--recipe hero --seed=5 product=a setting=b")
    assert seeded.options.seed == 5, "--seed=5 is a flag, not a slot called seed"
