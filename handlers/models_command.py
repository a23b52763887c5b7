"""``/dailies models [NAME|default]`` and ``/dailies lora [NAME[:W]|none]``: a channel's model
family and default (brand) LoRA. Once a channel names approvers, only they may change these."""

from __future__ import annotations

from typing import Any

from bot.jobs import model_choice
from bot.jobs.draft_options import OptionsError
from bot.review.channel_settings import may_change_channel
from bot.runtime import Runtime
from bot.slack import blocks
from models.presets import Family


def _refused(runtime: Runtime, channel: str, user: str, what: str) -> blocks.Message | None:
    """The refusal of a change to the channel's ``what`` by someone who is not its approver
    (the palette's and anchors' rule, bot.review.channel_settings.may_change_channel)."""
    refusal = may_change_channel(runtime.store, channel, user, what=f"its {what}")
    return blocks.notice(f":no_entry: {refusal}") if refusal else None


def describe_family(family: Family) -> str:
    """One line per tier: where it runs and which model, as a person checks a setup."""
    tiers = "; ".join(
        f"{name}: {tier.model_id}" + (f" ({tier.backend})" if tier.hosted else "")
        for name, tier in family.tiers.items()
    )
    return f"`{family.name}` — {tiers}"


def models_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    channel, user = body["channel_id"], body["user_id"]
    name = args.strip()
    if not name:
        current = runtime.family_for(channel)
        listing = "\n".join(
            ("• *" if f.name == current.name else "• ")
            + describe_family(f)
            + ("* (this channel)" if f.name == current.name else "")
            for f in runtime.families.values()
        )
        return blocks.notice(
            f"This channel drafts with `{current.name}`. Families:\n{listing}\n"
            "Pick one with `/dailies models NAME` (`default` goes back to the bot's)."
        )
    if refused := _refused(runtime, channel, user, "model family"):
        return refused
    if name.lower() == "default":
        model_choice.set_channel_family(runtime.store, channel, user, None)
        return blocks.notice(
            f"New drafts in this channel use the bot's default models: "
            f"{describe_family(runtime.family)}."
        )
    family = runtime.families.get(name)
    if family is None:
        known = ", ".join(f"`{n}`" for n in sorted(runtime.families))
        return blocks.notice(f":warning: There is no model family `{name}`. Known: {known}.")
    hosted = [t for t in family.tiers.values() if t.backend == "gemini"]
    if hosted and not runtime.settings.gemini_api_key:
        return blocks.notice(
            f":warning: `{name}` runs its {hosted[0].name} tier on the Gemini API, and this bot "
            "has no GEMINI_API_KEY. Ask whoever runs it to set one."
        )
    model_choice.set_channel_family(runtime.store, channel, user, family.name)
    return blocks.notice(
        f"New drafts in this channel use {describe_family(family)}. Threads already started "
        "keep the models they began with."
    )


def lora_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    channel, user = body["channel_id"], body["user_id"]
    text = args.strip()
    if not text:
        current = model_choice.channel_loras(runtime.store, channel)
        known = (
            ", ".join(
                f"`{spec.name}` ({spec.weight:g}"
                + (f", adds “{spec.trigger}”" if spec.trigger else "")
                + ")"
                for spec in runtime.loras.values()
            )
            or "none are configured ([loras.NAME] in the config file)"
        )
        state = f"`{current}`" if current else "none"
        return blocks.notice(
            f"This channel's default LoRA: {state}. Configured LoRAs: {known}.\n"
            "Set it with `/dailies lora NAME[:0.8]`, stop it with `/dailies lora none`; "
            "`--lora` on /draft overrides it for one command."
        )
    if refused := _refused(runtime, channel, user, "default LoRA"):
        return refused
    try:
        chosen = model_choice.check_lora_text(runtime.settings, text)
    except OptionsError as exc:
        return blocks.notice(f":warning: {exc}")
    if not chosen:
        model_choice.set_channel_loras(runtime.store, channel, user, None)
        return blocks.notice("New drafts in this channel use no LoRA.")
    value = ", ".join(f"{spec.name}:{weight:g}" for spec, weight in chosen)
    model_choice.set_channel_loras(runtime.store, channel, user, value)
    return blocks.notice(
        f"New drafts in this channel apply `{value}` (a hosted tier runs without it)."
    )
