"""What /draft's brand flags mean: ``--recipe NAME slot="…"`` and ``--anchor NAME|none``.

Kept out of the draft handler so that @mentions, replies and the CLI can share it: the text is
expanded (recipe: its filled template is the prompt, as is), the flags parsed with the extras,
and the recipe's settings fill what the person did not type. The returned params go into the
job; the anchor itself is resolved when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.brand import anchors, recipes
from bot.jobs.draft_options import DraftOptions, options_from, parse_draft_text
from bot.store.database import Store

BRAND_FLAGS = frozenset({"anchor", "recipe"})


@dataclass(frozen=True)
class BrandedDraft:
    options: DraftOptions
    tier: str = "draft"
    params: dict[str, Any] = field(default_factory=dict)  # extra job params
    extras: dict[str, str] = field(default_factory=dict)  # other features' flags, as typed


def prepare_draft(
    store: Store, team_id: str | None, text: str, extra_flags: frozenset[str] = BRAND_FLAGS
) -> BrandedDraft:
    """Raises OptionsError (RecipeError, AnchorError) with a message for the person."""
    expanded = recipes.expand(store, team_id, text)
    params: dict[str, Any] = {}
    tier = "draft"
    if expanded is None:
        options, extras = parse_draft_text(text, extra_flags)
    else:
        # The filled template is the prompt as saved and typed: never parsed for flags again.
        options, extras = options_from(expanded.prompt, expanded.pairs, extra_flags)
        recipe = expanded.recipe
        options = recipes.apply_defaults(options, recipe, expanded.given)
        tier = recipe["tier"]
        params["recipe_id"] = recipe["id"]
        if recipe.get("anchor_id"):
            params["anchor"] = recipe["anchor_id"]
        if recipe.get("loras") and "lora" not in extras:
            extras = {**extras, "lora": recipe["loras"]}  # the person's --lora wins
    if "anchor" in extras:
        params["anchor"] = anchors.resolve_flag(store, team_id, extras["anchor"])
    return BrandedDraft(options, tier, params, extras)
