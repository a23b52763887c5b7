"""LoRAs: ``[loras.NAME]`` tables, ``--lora NAME[:0.8]``, and applying them for one call only.

A brand LoRA must change the images it is asked for and nothing else: the tier's UNet is shared
by every job on the worker. So the weights are loaded with diffusers' ``load_lora_weights`` and
weighted with ``set_adapters`` right before the call, and ``unload_lora_weights`` puts the
original modules back right after it, even when the call fails or is cancelled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from models.request import LoraUse

LORA_KEYS = {"file", "repo", "weight_name", "weight", "trigger", "licence", "description"}
MIN_WEIGHT, MAX_WEIGHT = -2.0, 2.0
_FLAG_ITEM = re.compile(r"^([A-Za-z0-9_.-]+)(?::(-?\d+(?:\.\d+)?))?$")


class LoraError(ValueError):
    """A LoRA table or flag is unusable; the message is for the person who wrote it."""


@dataclass(frozen=True)
class LoraSpec:
    """One configured LoRA: where its weights are, its default weight, its trigger words."""

    name: str
    source: str
    weight: float = 1.0
    weight_name: str | None = None
    trigger: str = ""
    licence: str = ""

    def use(self, weight: float | None = None) -> LoraUse:
        return LoraUse(
            self.name, self.source, self.weight if weight is None else weight, self.weight_name
        )


def parse_loras(tables: Mapping[str, Any]) -> dict[str, LoraSpec]:
    """Every ``[loras.NAME]`` table: ``file`` or ``repo`` (+ ``weight_name``), ``weight``,
    ``trigger`` words; LoraError naming the LoRA and the key."""
    specs: dict[str, LoraSpec] = {}
    for name, table in tables.items():
        where = f"LoRA {name!r}"
        if not _FLAG_ITEM.match(name) or ":" in name:
            raise LoraError(f"{where}: a name may hold letters, digits, '.', '_' and '-' only")
        if not isinstance(table, Mapping):
            raise LoraError(f"{where}: must be a table")
        unknown = sorted(set(table) - LORA_KEYS)
        if unknown:
            raise LoraError(
                f"{where}: unknown key `{unknown[0]}`; known keys: {', '.join(sorted(LORA_KEYS))}"
            )
        if ("file" in table) == ("repo" in table):
            raise LoraError(f"{where}: give exactly one of `file` or `repo`")
        source = str(table.get("file") or table.get("repo"))
        weight = table.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise LoraError(f"{where}: `weight` must be a number, got {weight!r}")
        check_weight(name, float(weight))
        trigger = table.get("trigger", "")
        if isinstance(trigger, list):
            trigger = ", ".join(str(t) for t in trigger)
        specs[name] = LoraSpec(
            name=name,
            source=source,
            weight=float(weight),
            weight_name=table.get("weight_name"),
            trigger=str(trigger).strip(),
            licence=str(table.get("licence", "")),
        )
    return specs


def check_weight(name: str, weight: float) -> float:
    if not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise LoraError(
            f"LoRA {name!r}: the weight must be between {MIN_WEIGHT:g} and {MAX_WEIGHT:g}, "
            f"got {weight:g}"
        )
    return weight


def parse_lora_flag(value: str, known: Mapping[str, LoraSpec]) -> list[tuple[LoraSpec, float]]:
    """``NAME``, ``NAME:0.8`` or several separated by commas or spaces → (spec, weight) pairs."""
    items = [item for item in re.split(r"[,\s]+", value.strip()) if item]
    if not items:
        raise LoraError("`--lora` needs a LoRA name, e.g. `--lora brand:0.8`.")
    chosen: list[tuple[LoraSpec, float]] = []
    for item in items:
        match = _FLAG_ITEM.match(item)
        if match is None:
            raise LoraError(f"`--lora {item}` is not NAME or NAME:WEIGHT (e.g. brand:0.8).")
        name, weight_text = match.group(1), match.group(2)
        spec = known.get(name)
        if spec is None:
            names = ", ".join(sorted(known)) or "none are configured ([loras.NAME] in the config)"
            raise LoraError(f"Unknown LoRA `{name}`; known LoRAs: {names}.")
        if any(existing.name == name for existing, _ in chosen):
            raise LoraError(f"LoRA `{name}` is given twice.")
        weight = spec.weight if weight_text is None else float(weight_text)
        chosen.append((spec, check_weight(name, weight)))
    return chosen


def a1111_tags(loras: list[dict[str, Any]] | tuple[LoraUse, ...]) -> str:
    """``<lora:NAME:0.8>`` for each LoRA, the form A1111 writes into a prompt."""
    tags = []
    for lora in loras:
        name = lora["name"] if isinstance(lora, dict) else lora.name
        weight = lora["weight"] if isinstance(lora, dict) else lora.weight
        tags.append(f"<lora:{name}:{weight:g}>")
    return " ".join(tags)


def _adapter_name(index: int, name: str) -> str:
    return f"dailies_{index}_" + re.sub(r"\W", "_", name)


@contextmanager
def _quiet_loaders() -> Iterator[None]:
    """A UNet-only LoRA makes diffusers warn once per text encoder that it has no keys for it;
    that is normal for brand LoRAs and would only be noise on a person's terminal."""
    logger = logging.getLogger("diffusers.loaders")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def applied(pipe: Any, loras: tuple[LoraUse, ...]) -> Iterator[None]:
    """The LoRAs loaded and weighted on ``pipe`` (and every pipeline sharing its modules) for
    the block, then unloaded, so the next call sees the original weights."""
    if not loras:
        yield
        return
    names: list[str] = []
    try:
        for index, lora in enumerate(loras):
            adapter = _adapter_name(index, lora.name)
            options = {"weight_name": lora.weight_name} if lora.weight_name else {}
            try:
                with _quiet_loaders():
                    pipe.load_lora_weights(lora.source, adapter_name=adapter, **options)
            except (OSError, ValueError, KeyError, RuntimeError) as err:
                first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
                raise LoraError(
                    f"LoRA {lora.name!r} could not be loaded from {lora.source}: {first}"
                ) from err
            names.append(adapter)
        pipe.set_adapters(names, adapter_weights=[lora.weight for lora in loras])
        yield
    finally:
        if names:
            pipe.unload_lora_weights()
