"""Which model family and LoRAs a job runs with: the bot's default, a channel's choice, a flag.

The choice is written into the job's params (``family``, ``loras``) when the job is recorded, so
a job runs on the same models after a restart, a final or the next iteration follows the draft it
came from, and every asset can say exactly what made it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bot.config import Settings
from bot.jobs.draft_options import OptionsError
from bot.store.database import Store
from models.families import FamilyError, family_registry, pick_family
from models.lora import LoraError, LoraSpec, parse_lora_flag, parse_loras
from models.presets import Family

NO_LORA = "none"


def families(settings: Settings) -> dict[str, Family]:
    """Built-in plus configured families (checked at start by bot/config.py)."""
    return family_registry(settings.families)


def loras(settings: Settings) -> dict[str, LoraSpec]:
    return parse_loras(settings.loras)


def family_named(settings: Settings, name: str | None, default: Family) -> Family:
    """The family called ``name`` (None: ``default``); OptionsError for a name since removed
    from the config, so the person sees why their old thread cannot go on."""
    if not name or name == default.name:
        return default
    try:
        return pick_family(families(settings), name)
    except FamilyError as exc:
        raise OptionsError(f"{exc}.") from None


def family_of(params: dict[str, Any], settings: Settings, default: Family) -> Family:
    """The family a job (or the job an image came from) ran on."""
    return family_named(settings, params.get("family"), default)


def _row(store: Store, channel_id: str) -> dict[str, Any]:
    rows = list(store.db["channel_settings"].rows_where("channel_id = ?", [channel_id]))
    return rows[0] if rows else {}


def channel_family(store: Store, settings: Settings, default: Family, channel_id: str) -> Family:
    """The family a channel picked with ``/dailies models NAME``, else the default."""
    name = _row(store, channel_id).get("models") if channel_id else None
    return family_named(settings, name, default)


def set_channel_family(store: Store, channel_id: str, user_id: str, name: str | None) -> None:
    with store.write() as db:
        db["channel_settings"].upsert(
            {
                "channel_id": channel_id,
                "models": name,
                "updated_by": user_id,
                "updated_at": time.time(),
            },
            pk="channel_id",
        )


def channel_loras(store: Store, channel_id: str) -> str | None:
    """The channel's default ``--lora`` text (e.g. ``brand:0.8``), None when unset."""
    return _row(store, channel_id).get("loras") if channel_id else None


def set_channel_loras(store: Store, channel_id: str, user_id: str, text: str | None) -> None:
    with store.write() as db:
        db["channel_settings"].upsert(
            {
                "channel_id": channel_id,
                "loras": text,
                "updated_by": user_id,
                "updated_at": time.time(),
            },
            pk="channel_id",
        )


def lora_text(asset: dict[str, Any]) -> str | None:
    """The LoRAs an image was made with as ``--lora`` text (``brand:0.8``), None for none."""
    if not asset.get("loras"):
        return None
    return ", ".join(f"{u['name']}:{u['weight']:g}" for u in json.loads(asset["loras"]))


def check_lora_text(settings: Settings, text: str) -> list[tuple[LoraSpec, float]]:
    """``--lora`` text → (spec, weight) pairs; OptionsError with the reason for the person."""
    if text.strip().lower() == NO_LORA:
        return []
    try:
        return parse_lora_flag(text, loras(settings))
    except LoraError as exc:
        raise OptionsError(str(exc)) from None


def lora_params(
    settings: Settings,
    store: Store,
    channel_id: str | None,
    flag: str | None,
    family: Family,
    tier: str,
    prompt: str,
) -> dict[str, Any]:
    """The job's ``loras`` (the flag, else the channel's default) and its prompt with their
    trigger words. A hosted tier takes no LoRA: a flag there is refused, a channel default is
    left out (and the asset records none)."""
    text = flag if flag is not None else channel_loras(store, channel_id or "")
    if not text:
        return {}
    chosen = check_lora_text(settings, text)
    if not chosen:
        return {}
    preset = family.tier(tier)
    if preset.hosted:
        if flag is not None:
            raise OptionsError(
                f"`--lora` needs a local model; the {tier} tier of `{family.name}` runs on "
                f"{preset.backend} ({preset.model_id})."
            )
        return {}
    triggers = [spec.trigger for spec, _ in chosen if spec.trigger and spec.trigger not in prompt]
    return {
        "loras": [
            {
                "name": spec.name,
                "source": spec.source,
                "weight": weight,
                "weight_name": spec.weight_name,
            }
            for spec, weight in chosen
        ],
        "prompt": ", ".join([prompt, *triggers]),
    }
