"""Edit-in-place messages: the Edit region and Resize modals, and how edit jobs describe
themselves on their status message and variant titles."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    ImageBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

EDIT_REGION_VIEW = "edit_region"
RESIZE_VIEW = "resize_formats"
# (block_id, action_id) of the modals' inputs; handlers read state values by these.
CELLS_INPUT = "cells"
INSTRUCTION_INPUT = "instruction"
FORMATS_INPUT = "formats"
CUSTOM_SIZE_INPUT = "custom_size"


def edit_region_modal(
    asset: dict[str, Any],
    cell_names: tuple[str, ...],
    metadata: str,
    preview_file_id: str | None,
) -> dict[str, Any]:
    """The "Edit region" modal: the image with its numbered 3×3 grid, a checkbox per cell and
    the instruction. Opened at once (the trigger lasts 3 s); the preview is added with
    views.update once its upload is shared, because an image block may only reference a file
    Slack has processed."""
    number = asset.get("variant")
    intro = (
        f"Editing *#{number}* ({asset['width']}×{asset['height']}). Tick the cells to "
        "regenerate and say what should be there; everything outside them stays exactly as it "
        "is. You can also reply in the thread with a mask PNG (white = change) and "
        f"`edit #{number} <what to change>`."
    )
    body: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro), block_id="intro")]
    if preview_file_id:
        body.append(
            ImageBlock(
                slack_file={"id": preview_file_id},
                alt_text=f"#{number} with a numbered 3×3 grid",
                title="Cells 1–9, left to right, top to bottom",
                block_id="preview",
            )
        )
    else:
        body.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=":hourglass_flowing_sand: Drawing the grid…")],
                block_id="preview_pending",
            )
        )
    body += [
        InputBlock(
            block_id=CELLS_INPUT,
            label="Cells to change",
            element=CheckboxesElement(
                action_id=CELLS_INPUT,
                options=[
                    Option(text=f"{i} · {name}", value=str(i))
                    for i, name in enumerate(cell_names, start=1)
                ],
            ),
        ),
        InputBlock(
            block_id=INSTRUCTION_INPUT,
            label="What should be there",
            element=PlainTextInputElement(
                action_id=INSTRUCTION_INPUT,
                placeholder="e.g. a red scarf, wet asphalt, clear blue sky",
                max_length=500,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=EDIT_REGION_VIEW,
        title="Edit region",
        submit="Edit",
        close="Cancel",
        private_metadata=metadata,
        blocks=body,
    ).to_dict()


def resize_modal(
    asset: dict[str, Any],
    formats: list[tuple[str, str]],
    metadata: str,
    min_side: int,
    max_side: int,
) -> dict[str, Any]:
    """The "Resize" modal: formats to tick (value, label) and a custom W×H."""
    number = asset.get("variant")
    intro = (
        f"Resize *#{number}* ({asset['width']}×{asset['height']}) to ad and social formats. "
        "The image is placed whole, never stretched or cropped; the new area around it is "
        "generated. Each format lands at its exact size."
    )
    return View(
        type="modal",
        callback_id=RESIZE_VIEW,
        title="Resize to formats",
        submit="Resize",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=intro), block_id="intro"),
            InputBlock(
                block_id=FORMATS_INPUT,
                label="Formats",
                optional=True,
                element=CheckboxesElement(
                    action_id=FORMATS_INPUT,
                    options=[Option(text=label, value=value) for value, label in formats],
                ),
            ),
            InputBlock(
                block_id=CUSTOM_SIZE_INPUT,
                label="Custom size (W×H)",
                optional=True,
                hint=f"Each side {min_side}–{max_side} px.",
                element=PlainTextInputElement(
                    action_id=CUSTOM_SIZE_INPUT, placeholder="e.g. 1500x500", max_length=20
                ),
            ),
        ],
    ).to_dict()


def _tier_steps(params: dict[str, Any]) -> str:
    return f"{params['tier']} tier · {params.get('steps') or 'default'} steps"


def vary_line(params: dict[str, Any]) -> str:
    n = len(params["seeds"])
    return (
        f"{n} variation{'s' if n != 1 else ''} of #{params.get('source_variant')} · "
        f"{params.get('vary')} (strength {params['strength']:g}) · "
        f"{params['width']}×{params['height']} · {_tier_steps(params)}"
    )


def edit_line(params: dict[str, Any]) -> str:
    n = len(params["seeds"])
    if params.get("cells"):
        where = "cells " + ", ".join(map(str, params["cells"]))
    else:
        where = "the white of the uploaded mask"
    return (
        f"{n} variant{'s' if n != 1 else ''} · {where} of #{params.get('source_variant')} · "
        f"{params['width']}×{params['height']} · {_tier_steps(params)}"
    )


def resize_line(params: dict[str, Any]) -> str:
    sizes = ", ".join(f"{f['label']} {f['width']}×{f['height']}" for f in params["formats"])
    return f"from #{params.get('source_variant')} to {sizes} · {_tier_steps(params)}"


def upscale_line(params: dict[str, Any]) -> str:
    return (
        f"×{params['scale']} of #{params.get('source_variant')} → "
        f"{params['width']}×{params['height']} · {params['steps']} steps per tile"
    )


def resize_title(params: dict[str, Any], asset: dict[str, Any]) -> str:
    return (
        f"#{asset['variant']} · {params['formats'][asset['variant'] - 1]['label']} · "
        f"{asset['width']}×{asset['height']}"
    )


def upscale_title(params: dict[str, Any], asset: dict[str, Any]) -> str:
    return f"×{params['scale']} · {asset['width']}×{asset['height']} (full-resolution file)"
