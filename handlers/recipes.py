"""Recipes in Slack: "Save as recipe" (a modal pre-filled from a variant), and
``/dailies recipe save|list|show|delete``.

Slash commands cannot run in threads, where variants live, so saving starts from the variant's
More… menu; ``/dailies recipe save NAME`` in a channel opens the same form for the channel's
latest draft.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.brand import anchors, recipes
from bot.jobs.draft_options import ASPECTS, OptionsError
from bot.jobs.model_choice import lora_text
from bot.jobs.rows import find_job
from bot.runtime import Runtime
from bot.slack import blocks
from bot.store.assets import get_asset
from handlers.variant_actions import on_variant_action

RECIPE_USAGE = (
    "`/dailies recipe list` · `show NAME` · `delete NAME` · `save NAME` (opens the form for "
    "this channel's latest draft; any variant's More… → Save as recipe does the same)"
)


def open_recipe_form(
    runtime: Runtime, trigger_id: str, asset: dict[str, Any], team_id: str | None, name: str = ""
) -> None:
    """The modal, pre-filled with everything the variant was made with."""
    job = find_job(runtime.store, asset["job_id"])
    choices = [("none", "No anchor")]
    seen: set[int] = set()
    candidates = [
        (asset.get("anchor_id"), "followed by this variant"),
        (anchors.active(runtime.store, asset["channel_id"], asset["thread_ts"])[0], "active here"),
    ]
    for candidate, why in candidates:
        anchor = anchors.get(runtime.store, candidate) if isinstance(candidate, int) else candidate
        if anchor and anchor["id"] not in seen:
            seen.add(anchor["id"])
            choices.append((str(anchor["id"]), f"{anchor['name']} ({why})"))
    aspect, aspect_note = recipes.form_aspect(asset, job)
    view = blocks.recipe_modal(
        metadata=json.dumps({"asset_id": asset["id"], "team_id": team_id}),
        name=name,
        template=asset["prompt"] or "",
        negative_prompt=asset["negative_prompt"] or "",
        aspect=aspect,
        aspects=ASPECTS,
        aspect_hint=aspect_note,
        tier=asset["tier"] or "draft",
        tiers=list(runtime.family.tiers),
        steps=asset["steps"],
        seed=asset["seed"],
        anchors=choices,
        anchor=str(asset["anchor_id"]) if asset.get("anchor_id") else "none",
    )
    runtime.client.views_open(trigger_id=trigger_id, view=view)


def save_as_recipe(
    runtime: Runtime, body: dict[str, Any], asset: dict[str, Any], respond: Respond, client: Any
) -> None:
    open_recipe_form(runtime, body["trigger_id"], asset, (body.get("team") or {}).get("id"))


def _value(values: dict[str, Any], block: str) -> str:
    field = values.get(block, {}).get(block, {})
    if "selected_option" in field:
        return (field["selected_option"] or {}).get("value", "")
    return (field.get("value") or "").strip()


def check_form(
    runtime: Runtime, values: dict[str, Any], team_id: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The recipe row the form describes, and errors by input block (shown under each input)."""
    errors: dict[str, str] = {}
    row: dict[str, Any] = {}
    checks = {
        "name": lambda: recipes.check_recipe_name(runtime.store, team_id, _value(values, "name")),
        "template": lambda: recipes.check_template(_value(values, "template")),
    }
    for block, check in checks.items():
        try:
            row[block] = check()
        except OptionsError as exc:
            errors[block] = str(exc)
    tier = _value(values, "tier")
    if tier not in runtime.family.tiers:
        errors["tier"] = f"Pick one of: {', '.join(runtime.family.tiers)}."
        tier = "draft"
    steps_text = _value(values, "steps")
    steps = None
    if steps_text:
        maximum = runtime.family.tiers[tier].max_steps
        if not steps_text.isdigit() or not 1 <= int(steps_text) <= maximum:
            errors["steps"] = f"A whole number from 1 to {maximum} for the {tier} tier."
        else:
            steps = int(steps_text)
    aspect = _value(values, "aspect")
    if aspect not in ASPECTS:
        errors["aspect"] = "Pick an aspect from the list."
    anchor = _value(values, "anchor")
    row.update(
        negative_prompt=_value(values, "negative"),
        aspect=aspect,
        tier=tier,
        steps=steps,
        anchor_id=int(anchor) if anchor.isdigit() else None,
    )
    row["_seed_fixed"] = _value(values, "seed") == "fixed"
    return row, errors


def on_form_submitted(runtime: Runtime, ack: Ack, body: dict[str, Any], client: Any) -> None:
    view = body["view"]
    meta = json.loads(view.get("private_metadata") or "{}")
    team_id = meta.get("team_id") or (body.get("team") or {}).get("id")
    row, errors = check_form(runtime, view["state"]["values"], team_id)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    asset = get_asset(runtime.store, int(meta["asset_id"]))
    if asset is None:
        ack(response_action="errors", errors={"name": "The variant behind this form is gone."})
        return
    ack()
    user = body["user"]["id"]
    seed_fixed = row.pop("_seed_fixed")
    try:
        recipe = recipes.save(
            runtime.store,
            {
                **row,
                "team_id": team_id,
                "channel_id": asset["channel_id"],
                "created_by": user,
                "seed": asset["seed"] if seed_fixed else None,
                "source_asset_id": asset["id"],
                "loras": lora_text(asset),  # the variant's LoRAs; `--lora` still overrides
            },
        )
        text = f":bookmark: Saved recipe `{recipe['name']}`. Run it with `{recipes.usage(recipe)}`"
    except recipes.RecipeError as exc:
        text = f":warning: {exc}"
    client.chat_postEphemeral(channel=asset["channel_id"], user=user, text=text)


def describe(recipe: dict[str, Any], store: Any) -> str:
    names = recipes.slots(recipe["template"])
    anchor = anchors.get(store, recipe["anchor_id"]) if recipe.get("anchor_id") else None
    parts = [
        f"slots: {', '.join(names)}" if names else "no slots",
        f"{recipe['tier']} tier",
        recipe["aspect"] or "1:1",
        f"{recipe['steps']} steps" if recipe.get("steps") else "default steps",
        f"seed {recipe['seed']}" if recipe.get("seed") is not None else "random seed",
    ]
    if anchor:
        parts.append(f"anchor `{anchor['name']}`")
    if recipe.get("loras"):
        parts.append(f"LoRA `{recipe['loras']}`")
    return " · ".join(parts)


def _latest_draft_asset(runtime: Runtime, channel_id: str) -> dict[str, Any] | None:
    rows = list(
        runtime.store.db["assets"].rows_where(
            "channel_id = ? AND media_type LIKE 'image/%'",
            [channel_id],
            order_by="id DESC",
            limit=1,
        )
    )
    return rows[0] if rows else None


def recipe_command(runtime: Runtime, body: dict[str, Any], arguments: str) -> blocks.Message:
    store, team, user = runtime.store, body.get("team_id"), body["user_id"]
    verb, _, rest = arguments.strip().partition(" ")
    verb, name = verb.lower(), rest.strip()
    try:
        if verb in ("", "list"):
            listed = recipes.for_team(store, team)
            if not listed:
                return blocks.notice(
                    "No recipes yet. Save one from any variant: More… → *Save as recipe*."
                )
            lines = [
                f"• `{r['name']}` — “{blocks.escape(r['template'][:200])}” · "
                f"{describe(r, store)} · by <@{r['created_by']}> in <#{r['channel_id']}>"
                for r in listed
            ]
            return blocks.notice("*Recipes*\n" + "\n".join(lines))
        if verb in ("show", "delete") and not name:
            raise recipes.RecipeError(f"Say which recipe: `/dailies recipe {verb} NAME`.")
        if verb in ("show", "delete"):
            recipe = recipes.get(store, team, name)
            if recipe is None:
                raise recipes.RecipeError(
                    f"There is no recipe called `{name.lower()}`. "
                    f"Known recipes: {recipes.known_names(store, team)}."
                )
            if verb == "show":
                negative = recipe.get("negative_prompt")
                return blocks.notice(
                    f"*Recipe `{recipe['name']}`* by <@{recipe['created_by']}> in "
                    f"<#{recipe['channel_id']}>\n>{blocks.escape(recipe['template'])}\n"
                    + (f"Negative: {blocks.escape(negative)}\n" if negative else "")
                    + f"{describe(recipe, store)}\nRun: `{recipes.usage(recipe)}`"
                )
            if not recipes.may_manage_recipe(store, recipe, user):
                who = ", ".join(f"<@{u}>" for u in recipes.recipe_managers(store, recipe))
                return blocks.notice(
                    f":warning: Only {who} can delete `{recipe['name']}`: whoever saved it and "
                    "the approvers of the channel it was made in."
                )
            recipes.delete(store, recipe)
            return blocks.notice(
                f"Deleted recipe `{recipe['name']}`. Images made from it keep their record."
            )
        if verb == "save":
            if not name:
                raise recipes.RecipeError("Name it: `/dailies recipe save NAME`.")
            name = recipes.check_recipe_name(store, team, name)
            asset = _latest_draft_asset(runtime, body["channel_id"])
            if asset is None:
                raise recipes.RecipeError(
                    "There is no draft in this channel yet: make one with `/draft`, then save it."
                )
            open_recipe_form(runtime, body["trigger_id"], asset, team, name)
            return blocks.notice(
                f"Opening the recipe form for `{name}` from the latest draft here "
                f"(“{blocks.escape((asset['prompt'] or '')[:200])}”)."
            )
        raise recipes.RecipeError(f"Unknown `/dailies recipe {verb}`.")
    except OptionsError as exc:
        return blocks.notice(f":warning: {exc}\n{RECIPE_USAGE}")


def register(app: App, runtime: Runtime) -> None:
    on_variant_action(app, runtime, blocks.SAVE_RECIPE, save_as_recipe)

    @app.view(blocks.RECIPE_MODAL)
    def submitted(ack: Ack, body: dict[str, Any], client: Any) -> None:
        on_form_submitted(runtime, ack, body, client)
