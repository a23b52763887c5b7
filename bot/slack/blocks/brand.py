"""Brand messages: the style anchor line under results, the Lock style answer, the recipe form."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import Message, render, truncate

ANCHOR_CHANNEL = "anchor_channel"  # button in the lock confirmation
RECIPE_MODAL = "recipe_save"  # callback_id of the "Save as recipe" modal


def anchor_line(anchor: dict[str, Any], file_id: str | None, how: str) -> ContextBlock:
    """The style anchor a result followed: thumbnail (when the file is shared here) and name."""
    elements: list[Any] = []
    if file_id:
        elements.append(
            ImageElement(slack_file={"id": file_id}, alt_text=f"Style anchor {anchor['name']}")
        )
    elements.append(
        MarkdownTextObject(
            text=f":lock: Style anchor `{anchor['name']}` · scale {anchor['scale']:g} · {how}"
        )
    )
    return ContextBlock(block_id="style_anchor", elements=elements)


def anchor_locked(anchor: dict[str, Any], channel_id: str) -> Message:
    """The ephemeral answer to Lock style, offering to widen the anchor to the whole channel."""
    text = (
        f":lock: Style locked as `{anchor['name']}` (scale {anchor['scale']:g}): new drafts, "
        "re-rolls and finals in this thread follow it. Rename it with "
        f"`/dailies anchor name NEW-NAME`, or use it for all of <#{channel_id}>:"
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text), block_id="anchor_locked"),
        ActionsBlock(
            block_id="anchor_locked_actions",
            elements=[
                ButtonElement(
                    text="Use for the whole channel",
                    action_id=ANCHOR_CHANNEL,
                    value=str(anchor["id"]),
                    style="primary",
                )
            ],
        ),
    ]
    return text, render(blocks)


def recipe_modal(
    *,
    metadata: str,
    name: str,
    template: str,
    negative_prompt: str,
    aspect: str,
    aspects: tuple[str, ...],
    tier: str,
    tiers: list[str],
    steps: int | None,
    seed: int,
    anchors: list[tuple[str, str]],
    anchor: str,
    aspect_hint: str | None = None,
) -> dict[str, Any]:
    """The "Save as recipe" form, pre-filled from a variant; ``anchors`` are (value, label);
    ``aspect_hint`` says when the pre-filled aspect is only the nearest to the variant's own."""

    def option(value: str, label: str) -> Option:
        return Option(value=value, text=truncate(label, 75))

    def select(action: str, choices: list[Option], initial: str) -> StaticSelectElement:
        chosen = next((o for o in choices if o.value == initial), choices[0])
        return StaticSelectElement(action_id=action, options=choices, initial_option=chosen)

    seed_choices = [
        option("random", "Random seed each run (variety)"),
        option("fixed", f"Always seed {seed} (the look of this variant)"),
    ]
    blocks: list[Block] = [
        InputBlock(
            block_id="name",
            label="Recipe name",
            hint="Letters, digits, - or _; you will type it: /draft --recipe NAME",
            element=PlainTextInputElement(
                action_id="name", initial_value=name or None, max_length=40
            ),
        ),
        InputBlock(
            block_id="template",
            label="Prompt template",
            hint="Mark what changes per run as {slots}, e.g. a {product} on {setting}",
            element=PlainTextInputElement(
                action_id="template", initial_value=template, multiline=True, max_length=2000
            ),
        ),
        InputBlock(
            block_id="negative",
            label="Negative prompt",
            optional=True,
            element=PlainTextInputElement(
                action_id="negative", initial_value=negative_prompt or None, max_length=2000
            ),
        ),
        InputBlock(
            block_id="aspect",
            label="Aspect",
            hint=aspect_hint,
            element=select("aspect", [option(a, a) for a in aspects], aspect),
        ),
        InputBlock(
            block_id="tier",
            label="Tier",
            element=select("tier", [option(t, t) for t in tiers], tier),
        ),
        InputBlock(
            block_id="steps",
            label="Steps",
            optional=True,
            hint="Empty: the tier's default",
            element=PlainTextInputElement(
                action_id="steps", initial_value=str(steps) if steps else None, max_length=3
            ),
        ),
        InputBlock(
            block_id="anchor",
            label="Style anchor",
            element=select("anchor", [option(v, label) for v, label in anchors], anchor),
        ),
        InputBlock(
            block_id="seed",
            label="Seed",
            element=RadioButtonsElement(
                action_id="seed", options=seed_choices, initial_option=seed_choices[0]
            ),
        ),
    ]
    view = View(
        type="modal",
        callback_id=RECIPE_MODAL,
        title="Save as recipe",
        submit="Save",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )
    return view.to_dict()
