"""The line a result carries about what made it when that is more than a seed can say: the
LoRAs it was made with, and that a hosted model's output cannot be remade from its seed."""

from __future__ import annotations

import json
from typing import Any

from bot.jobs.rows import Job
from bot.runtime import Runtime
from bot.slack import blocks


def models_result_line(runtime: Runtime, job: Job, assets: list[dict[str, Any]]) -> list[Any]:
    lines: list[str] = []
    loras = next((a["loras"] for a in assets if a.get("loras")), None)
    if loras:
        used = ", ".join(f"`{u['name']}` {u['weight']:g}" for u in json.loads(loras))
        lines.append(f":jigsaw: LoRA {used}")
    hosted = next((a for a in assets if a.get("reproducible") == 0), None)
    if hosted is not None:
        lines.append(
            f":satellite: Made by `{hosted['model_id']}` (hosted): the seed is recorded, but "
            "the same prompt and seed will not give these pixels again."
        )
    return [blocks.note_lines("models", lines)] if lines else []
