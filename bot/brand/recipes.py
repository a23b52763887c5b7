"""Recipes: a prompt template with ``{slots}`` plus the settings that make a team's look.

``/draft --recipe NAME product="red sneaker"`` fills the slots and takes the recipe's negative
prompt, aspect, tier, steps, anchor and seed, unless the command's own flags say otherwise.
Recipes belong to a workspace (anyone there can run them) and remember the channel that made
them. Deleting one keeps its row, so assets made from it still say where they came from.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from bot.brand.anchors import check_name
from bot.jobs.draft_options import (
    ASPECTS,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    DraftOptions,
    OptionsError,
    parse_aspect,
    split_flags,
)
from bot.jobs.params import asset_aspect
from bot.jobs.rows import Job
from bot.review.channel_settings import get_settings
from bot.store.database import Store

Row = dict[str, Any]
_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# name="value" (\" inside stays a quote), with the quotes Slack clients may have curled, or
# name=word; the name starts the text or follows a space (so `--seed=5` stays a flag).
_VALUE = re.compile(
    r"""(?:^|(?<=\s))([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"""
    r"""(?:"((?:[^"\\]|\\.)*)"|“([^”]*)”|'([^']*)'|‘([^’]*)’|(\S+))"""
)
_ESCAPED = re.compile(r"\\([\\\"])")


class RecipeError(OptionsError):
    """Bad recipe input; the message is meant for the person who typed it."""


def slots(template: str) -> list[str]:
    """Slot names in order of first appearance."""
    return list(dict.fromkeys(_SLOT.findall(template)))


def check_template(template: str) -> str:
    template = template.strip()
    if not template:
        raise RecipeError("The template is empty: write the prompt, with slots like {product}.")
    if len(template) > MAX_PROMPT_CHARS:
        raise RecipeError(f"The template is {len(template)} characters; the limit is 2000.")
    stray = _SLOT.sub("", template)
    if "{" in stray or "}" in stray:
        raise RecipeError(
            "Slots are written as a name in braces, like {product} or {setting}; the template "
            "has a brace that is not one."
        )
    return template


def usage(recipe: Row) -> str:
    names = slots(recipe["template"])
    values = " ".join(f'{name}="…"' for name in names)
    return f"/draft --recipe {recipe['name']}" + (f" {values}" if values else "")


def fill(recipe: Row, values: dict[str, str]) -> str:
    """The template with every slot filled; missing or unknown slots are a RecipeError."""
    names = slots(recipe["template"])
    missing = [n for n in names if not values.get(n, "").strip()]
    unknown = [n for n in values if n not in names]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("needs " + ", ".join(f"`{{{n}}}`" for n in missing))
        if unknown:
            has = ", ".join(f"`{{{n}}}`" for n in names) or "no slots"
            problems.append(
                "has no slot " + ", ".join(f"`{{{n}}}`" for n in unknown) + f" (it has {has})"
            )
        raise RecipeError(
            f"Recipe `{recipe['name']}` {' and '.join(problems)}.\n"
            f"Template: “{recipe['template']}”\nTry: `{usage(recipe)}`"
        )
    return _SLOT.sub(lambda m: values[m.group(1)].strip(), recipe["template"])


def parse_slot_values(text: str) -> tuple[dict[str, str], str]:
    """``product="red sneaker" setting=beach`` → values, and whatever text was not a value."""
    values: dict[str, str] = {}
    for match in _VALUE.finditer(text):
        name = match.group(1)
        if name in values:
            raise RecipeError(f"The slot `{name}` is given twice.")
        double_quoted = match.group(2)
        values[name] = (
            _ESCAPED.sub(r"\1", double_quoted)
            if double_quoted is not None
            else next(g for g in match.groups()[2:] if g is not None)
        )
    return values, _VALUE.sub(" ", text).strip()


def get(store: Store, team_id: str | None, name: str) -> Row | None:
    rows = list(
        store.db["recipes"].rows_where(
            "team_id IS ? AND name = ? AND deleted_at IS NULL", [team_id, name.strip().lower()]
        )
    )
    return rows[0] if rows else None


def for_team(store: Store, team_id: str | None) -> list[Row]:
    return list(
        store.db["recipes"].rows_where(
            "team_id IS ? AND deleted_at IS NULL", [team_id], order_by="name"
        )
    )


def known_names(store: Store, team_id: str | None) -> str:
    return ", ".join(f"`{r['name']}`" for r in for_team(store, team_id)) or "none yet"


def check_recipe_name(store: Store, team_id: str | None, raw: str) -> str:
    name = check_name(raw, "recipe")
    if get(store, team_id, name) is not None:
        raise RecipeError(f"A recipe called `{name}` already exists; pick another name.")
    return name


def save(store: Store, row: Row) -> Row:
    """Insert a checked recipe row (see handlers/recipes.py for the checks a modal makes)."""
    with store.write() as db:
        if get(store, row.get("team_id"), row["name"]) is not None:
            raise RecipeError(f"A recipe called `{row['name']}` already exists.")
        row = {**row, "created_at": time.time()}
        row["id"] = db["recipes"].insert(row).last_pk
    return row


def recipe_managers(store: Store, recipe: Row) -> tuple[str, ...]:
    """Who may delete a recipe: whoever saved it, plus the named approvers of the channel it was
    made in. A channel where anyone may promote names nobody, so it grants nobody extra rights."""
    approvers = (
        get_settings(store, recipe["channel_id"]).approvers if recipe.get("channel_id") else None
    )
    owner = (recipe["created_by"],) if recipe.get("created_by") else ()
    return owner + tuple(a for a in approvers or () if a not in owner)


def may_manage_recipe(store: Store, recipe: Row, user_id: str) -> bool:
    return user_id in recipe_managers(store, recipe)


def delete(store: Store, recipe: Row) -> None:
    with store.write() as db:
        db["recipes"].update(recipe["id"], {"deleted_at": time.time()})


@dataclass(frozen=True)
class Expanded:
    """A ``--recipe`` command: the filled template (to be used exactly as it is, never parsed for
    flags), the person's other flags, and which flags they typed (theirs win)."""

    prompt: str
    pairs: list[tuple[str, str]]
    recipe: Row
    given: set[str]


def expand(store: Store, team_id: str | None, text: str) -> Expanded | None:
    """A ``--recipe`` command as the prompt and flags it stands for; None without ``--recipe``.

    Slot values are read first, wherever they are in the command, so that flags can come before
    them and nothing inside quotes is ever taken for a flag (``product="t-shirt --limited"``).
    """
    _, pairs = split_flags(_VALUE.sub(" ", text))
    if not any(flag == "recipe" for flag, _ in pairs):
        return None
    values, rest = parse_slot_values(text)
    prompt, pairs = split_flags(rest)
    given = [value for flag, value in pairs if flag == "recipe"]
    if len(given) > 1:
        raise RecipeError("`--recipe` is given twice.")
    name, _, extra = given[0].strip().partition(" ")
    if not name:
        raise RecipeError(
            f"`--recipe` needs a recipe name. Known recipes: {known_names(store, team_id)}."
        )
    recipe = get(store, team_id, name)
    if recipe is None:
        raise RecipeError(
            f"There is no recipe called `{name.lower()}`. "
            f"Known recipes: {known_names(store, team_id)}."
        )
    leftover = f"{prompt} {extra}".strip()
    if leftover:
        raise RecipeError(
            f"With `--recipe` the prompt comes from the recipe; give slot values as "
            f'name="value". I could not read `{leftover}`.\nTry: `{usage(recipe)}`'
        )
    filled = fill(recipe, values)
    others = [(flag, value) for flag, value in pairs if flag != "recipe"]
    return Expanded(filled, others, recipe, {flag for flag, _ in pairs})


def form_aspect(asset: Row, job: Job | None) -> tuple[str, str | None]:
    """The aspect the "Save as recipe" form offers for ``asset``, and a note when that is only
    the nearest listed one.

    A draft's ``--ar 16:9`` is 16:9 although its pixel sides are rounded (job_params.asset_aspect
    says when a job's aspect speaks for an asset). A Vary, Edit or Resize result stands for its
    pixels' exact ratio (704×384 is "11:6"), which the form's list may not have.
    """
    aspect = asset_aspect(asset, job)
    if aspect in ASPECTS:
        return aspect, None
    width, height = asset["width"], asset["height"]
    ratio = math.log(width / height)
    nearest = min(ASPECTS, key=lambda a: abs(ratio - math.log(_ratio(a))))
    return nearest, (
        f"This image is {width}×{height} ({aspect}), not one of the listed aspects: "
        f"{nearest} is the nearest."
    )


def _ratio(aspect: str) -> float:
    w, h = parse_aspect(aspect)
    return w / h


def apply_defaults(options: DraftOptions, recipe: Row, given: set[str]) -> DraftOptions:
    """The recipe's settings, wherever the person did not type a flag of their own."""
    changes: dict[str, Any] = {}
    if "no" not in given and recipe.get("negative_prompt"):
        changes["negative_prompt"] = recipe["negative_prompt"]
    if not given & {"ar", "aspect"} and recipe.get("aspect"):
        changes["aspect"] = parse_aspect(recipe["aspect"])
    if "steps" not in given and recipe.get("steps"):
        changes["steps"] = recipe["steps"]
    if "seed" not in given and recipe.get("seed") is not None:
        changes["seed"] = int(recipe["seed"]) % (MAX_SEED + 1)
    return replace(options, **changes)
