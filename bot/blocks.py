"""Every message the bot posts, built in one place from slack_sdk's Block Kit classes.

The classes validate lengths on ``to_dict()``; the rest of Slack's limits (50 blocks, unique
block ids) are respected here by construction. Each builder returns ``(text, blocks)``: the text
is the notification/fallback that Slack shows where blocks cannot be rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ImageBlock,
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

from bot.draft_options import FLAG_HELP, USAGE
from bot.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job

Message = tuple[str, list[dict[str, Any]]]

# action_id of every button the bot shows; handlers register listeners for exactly these.
CANCEL_JOB = "cancel_job"
RETRY_JOB = "retry_job"
REROLL = "reroll"

VARIANT_MENU = "variant_menu"

MAX_SECTION = 3000


@dataclass(frozen=True)
class VariantControl:
    """Something a person can do to one variant: a button in its row, or an entry in its
    "More…" menu. Features register controls; ``variants`` lays them out for every asset.

    Action ids carry the asset id (``vote:17``) because Slack wants action ids unique per message.
    """

    action_id: str
    label: str
    button: bool = True
    style: str | None = None
    order: int = 100
    shows_for: Callable[[dict[str, Any]], bool] = lambda asset: True


VARIANT_CONTROLS: dict[str, VariantControl] = {}


def register_variant_control(control: VariantControl) -> None:
    VARIANT_CONTROLS[control.action_id] = control


def variant_action_id(base: str, asset_id: int) -> str:
    return f"{base}:{asset_id}"


def variant_controls_row(asset: dict[str, Any]) -> ActionsBlock | None:
    """The per-variant row: registered buttons, then a "More…" menu with the rest."""
    controls = sorted(
        (c for c in VARIANT_CONTROLS.values() if c.shows_for(asset)), key=lambda c: c.order
    )
    elements: list[Any] = [
        ButtonElement(
            text=c.label,
            action_id=variant_action_id(c.action_id, asset["id"]),
            value=str(asset["id"]),
            style=c.style,
        )
        for c in controls
        if c.button
    ]
    menu = [c for c in controls if not c.button]
    if menu:
        elements.append(
            StaticSelectElement(
                placeholder="More…",
                action_id=variant_action_id(VARIANT_MENU, asset["id"]),
                options=[Option(text=c.label, value=c.action_id) for c in menu],
            )
        )
    if not elements:
        return None
    return ActionsBlock(block_id=f"variant_{asset['variant']}_actions", elements=elements)


KIND_LABEL = {"draft": "Draft", "final": "Final render"}
# Job kind → its status message's settings line, for kinds whose params are not a draft's.
SETTINGS_LINES: dict[str, Callable[[dict[str, Any]], str]] = {}
VARIANT_TITLES: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]] = {}
KIND_LABEL.update(
    {
        "vary": "Variation",
        "edit": "Region edit",
        "resize": "Resize to formats",
        "upscale": "Upscale",
    }
)


def job_label(job: Job) -> str:
    """The kind, and for drafts the iteration of their thread (v1, v2, …)."""
    label = KIND_LABEL.get(job.kind, job.kind.capitalize())
    if job.kind == "draft":
        label += f" v{job.params.get('iteration') or 1}"
    return label


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def settings_line(params: dict[str, Any]) -> str:
    seeds = params.get("seeds") or []
    seed_text = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}–{seeds[-1]}"
    parts = [
        f"{len(seeds)} variant{'s' if len(seeds) != 1 else ''}",
        f"{params.get('aspect', '1:1')} · {params['width']}×{params['height']}",
        seed_text,
        f"{params.get('steps') or 'default'} steps",
        f"{params['tier']} tier",
    ]
    if params.get("negative_prompt"):
        parts.append(f"no: {escape(_clip(params['negative_prompt'], 300))}")
    return " · ".join(parts)


def progress_bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else 0
    return "▓" * filled + "░" * (width - filled)


def job_status(
    job: Job,
    *,
    position: int | None = None,
    progress: tuple[int, int] | None = None,
    note: str | None = None,
) -> Message:
    """The message that stands for a job: the thread root for a new draft, a thread reply for
    re-rolls and finals. Shows prompt, settings, queue position or progress, and Cancel."""
    label = job_label(job)
    who = f"<@{job.user_id}>" if job.user_id else "someone"
    prompt = escape(job.params["prompt"])
    header = _clip(f"*{label}* for {who}\n>{prompt}", MAX_SECTION)
    if job.status == QUEUED:
        status = (
            f":hourglass_flowing_sand: Queued · position {position}"
            if position
            else (":hourglass_flowing_sand: Queued")
        )
    elif job.status == RUNNING and progress:
        done, total = progress
        status = f":art: Rendering · step {done} of {total} `{progress_bar(done, total)}`"
    elif job.status == RUNNING:
        status = ":art: Rendering · starting"
    elif job.status == DONE:
        status = ":white_check_mark: Done · results are in the thread"
    elif job.status == FAILED:
        status = ":x: Failed · details in the thread"
    elif job.status == CANCELLED:
        by = f" by <@{job.cancelled_by}>" if job.cancelled_by else ""
        status = f":no_entry_sign: Cancelled{by}"
    else:
        status = job.status
    if note:
        status = f"{status}\n{note}"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=header), block_id="prompt"),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=SETTINGS_LINES.get(job.kind, settings_line)(job.params))
            ],
            block_id="settings",
        ),
        SectionBlock(text=MarkdownTextObject(text=_clip(status, MAX_SECTION)), block_id="status"),
    ]
    if job.status in (QUEUED, RUNNING):
        blocks.append(
            ActionsBlock(
                block_id="job_actions",
                elements=[
                    ButtonElement(
                        text="Cancel", action_id=CANCEL_JOB, value=str(job.id), style="danger"
                    )
                ],
            )
        )
    text = f"{label} for {job.params['prompt'][:200]} — {job.status}"
    return text, _render(blocks)


def variants(
    job: Job,
    assets: list[dict[str, Any]],
    file_ids: list[str],
    *,
    extra: list[Block] | None = None,
    rerollable: bool = True,
    notes: dict[int, str] | None = None,
) -> Message:
    """The results of a job: one numbered image block per variant, each with its seed.

    ``extra`` blocks (features' lines: style anchor, palette…) go after the variants;
    ``rerollable=False`` drops Re-roll for kinds where new seeds mean nothing; ``notes``
    (asset id → mrkdwn) adds a line under a variant, e.g. its votes.
    """
    label = job_label(job)
    notes = notes or {}
    prompt = escape(job.params["prompt"])
    first = assets[0]
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=_clip(
                    f"*{label} · {len(assets)} variant{'s' if len(assets) != 1 else ''}*"
                    f" for <@{job.user_id}>\n>{prompt}",
                    MAX_SECTION,
                )
            ),
            block_id="summary",
        )
    ]
    for asset, file_id in zip(assets, file_ids, strict=True):
        number = asset["variant"]
        blocks.append(
            ImageBlock(
                slack_file={"id": file_id},
                alt_text=_clip(f"Variant {number} of “{job.params['prompt']}”", 2000),
                title=_clip(
                    VARIANT_TITLES[job.kind](job.params, asset)
                    if job.kind in VARIANT_TITLES
                    else f"#{number} · seed {asset['seed']}",
                    2000,
                ),
                block_id=f"variant_{number}",
            )
        )
        row = variant_controls_row(asset)
        if row is not None:
            blocks.append(row)
        if notes.get(asset["id"]):
            blocks.append(
                ContextBlock(
                    block_id=f"variant_{number}_note",
                    elements=[MarkdownTextObject(text=_clip(notes[asset["id"]], MAX_SECTION))],
                )
            )
    blocks.extend(extra or [])
    blocks.append(
        ContextBlock(
            block_id="provenance",
            elements=[
                MarkdownTextObject(
                    text=f"{first['width']}×{first['height']} · {first['steps']} steps · "
                    f"{first['scheduler']} · CFG {first['guidance']:g} · `{first['model_id']}`"
                )
            ],
        )
    )
    if rerollable:
        blocks.append(
            ActionsBlock(
                block_id="variants_actions",
                elements=[ButtonElement(text="Re-roll", action_id=REROLL, value=str(job.id))],
            )
        )
    seeds = ", ".join(f"#{a['variant']} seed {a['seed']}" for a in assets)
    return f"{label}: {len(assets)} variants ({seeds})", _render(blocks)


def failure(job: Job, message: str) -> Message:
    label = KIND_LABEL.get(job.kind, job.kind.capitalize())
    text = f"{label} failed: {message}"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=_clip(f":x: *{label} failed.* {escape(message)}", MAX_SECTION)
            ),
            block_id="failure",
        ),
        ActionsBlock(
            block_id="failure_actions",
            elements=[
                ButtonElement(text="Retry", action_id=RETRY_JOB, value=str(job.id), style="primary")
            ],
        ),
    ]
    return text, _render(blocks)


def error_with_usage(message: str) -> Message:
    """An ephemeral answer to bad input: what is wrong, then how to say it."""
    text = f":warning: {message}\n{USAGE}"
    return text, _render([SectionBlock(text=MarkdownTextObject(text=_clip(text, MAX_SECTION)))])


def notice(message: str) -> Message:
    return message, _render(
        [SectionBlock(text=MarkdownTextObject(text=_clip(message, MAX_SECTION)))]
    )


# Commands the bot understands: (syntax, what it does). Later features append to this list.
COMMANDS: list[tuple[str, str]] = [
    (
        "/draft <prompt> [flags]",
        "make variants with the fast draft model; results land in a thread",
    ),
    ("@dailies <prompt> [flags]", "the same as /draft, anywhere you can mention the bot"),
    ("/dailies help", "this help"),
]
COMMANDS.append(
    (
        "edit #N <what to change> (thread reply with a mask PNG)",
        "regenerate the white area of the mask on image #N of the thread; the rest stays as is",
    )
)


def help_message() -> Message:
    """Every command and flag, one section each (so a growing list never hits the 3000-char
    section limit and gets cut)."""
    commands = "\n".join(f"• `{syntax}` — {what}" for syntax, what in COMMANDS)
    flags = "\n".join(f"• `{flag}` — {what}" for flag, what in FLAG_HELP.items())
    intro = "*dailies* — drafts, review and finals in your threads."
    text = f"{intro}\n\n*Commands*\n{commands}\n\n*Flags*\n{flags}"
    sections = [intro, f"*Commands*\n{commands}", f"*Flags*\n{flags}"]
    return text, _render(
        [
            SectionBlock(
                text=MarkdownTextObject(text=_clip(part, MAX_SECTION)), block_id=f"help_{i}"
            )
            for i, part in enumerate(sections)
        ]
    )


# ---- Brand consistency: style anchors, recipes, palettes -------------------------------------

LOCK_STYLE = "lock_style"
UNLOCK_STYLE = "unlock_style"
ANCHOR_CHANNEL = "anchor_channel"  # button in the lock confirmation
SAVE_RECIPE = "save_recipe"
RECIPE_MODAL = "recipe_save"  # callback_id of the "Save as recipe" modal
SNAP_PALETTE = "snap_palette"
KIND_LABEL["palette_snap"] = "Snapped to palette"


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


def note_lines(block_id: str, lines: list[str]) -> ContextBlock:
    return ContextBlock(
        block_id=block_id,
        elements=[MarkdownTextObject(text=_clip("\n".join(lines), MAX_SECTION))],
    )


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
    return text, _render(blocks)


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
        return Option(value=value, text=_clip(label, 75))

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


# ---------------------------------------------------------------- clips (animate)

ANIMATE_VIEW = "animate_modal"
CLIP_HD = "clip_hd"
CLIP_EXTEND = "clip_extend"

KIND_LABEL.update({"animate": "Test clips", "animate_hd": "HD clip", "animate_extend": "Extend"})


def clip_settings_line(params: dict[str, Any]) -> str:
    """Status line of a clip job: what will be rendered, in the words of the Animate modal."""
    seeds = params["seeds"]
    if params.get("extends_asset_id"):
        what = f"one more chunk (seed {seeds[0]})"
    elif params.get("rendered_from_asset_id"):
        chunks = len(seeds)
        what = f"HD · seed {seeds[0]} · {chunks} chunk{'s' if chunks != 1 else ''}"
    else:
        count = len(seeds)
        seed_text = f"seed {seeds[0]}" if count == 1 else f"seeds {seeds[0]}–{seeds[-1]}"
        what = f"{count} test clip{'s' if count != 1 else ''} · {seed_text}"
    return (
        f"{what} · {params['width']}×{params['height']} · motion {params['motion']} · "
        f"{params['num_frames']} frames at {params['fps']} fps ({params['duration_s']} s a chunk)"
        f" · {params['steps']} steps"
    )


for _kind in ("animate", "animate_hd", "animate_extend"):
    SETTINGS_LINES[_kind] = clip_settings_line


def animate_modal(
    asset: dict[str, Any],
    *,
    private_metadata: str,
    test_size: tuple[int, int],
    hd_size: tuple[int, int],
    max_extensions: int,
) -> dict[str, Any]:
    """The Animate modal: motion preset or custom intensity, chunk length, fps, test clips."""
    from slack_sdk.models.blocks import InputBlock
    from slack_sdk.models.views import View

    from bot import clip_options as co

    def select(block_id: str, label: str, options: list[tuple[str, str]], initial: str) -> Block:
        choices = [Option(text=text, value=value) for text, value in options]
        return InputBlock(
            block_id=block_id,
            label=label,
            element=StaticSelectElement(
                action_id=block_id,  # action ids must be unique within a view
                options=choices,
                initial_option=next(o for o in choices if o.value == initial),
            ),
        )

    prompt = escape(_clip(asset.get("prompt") or "", 500))
    view_blocks: list[Block] = [
        SectionBlock(
            block_id="keyframe",
            text=MarkdownTextObject(
                text=f"Animate variant #{asset['variant']} · seed {asset['seed']}\n>{prompt}"
            ),
        ),
        *_motion_inputs(str(co.DEFAULTS[co.MOTION_PRESET]), None),
        select(
            co.DURATION,
            "Seconds per chunk",
            [(f"{d} s", str(d)) for d in co.DURATIONS],
            str(co.DEFAULTS[co.DURATION]),
        ),
        select(
            co.FPS,
            "Frames per second",
            [(f"{f} fps", str(f)) for f in co.FPS_CHOICES],
            str(co.DEFAULTS[co.FPS]),
        ),
        select(
            co.COUNT,
            "Test clips",
            [(str(n), str(n)) for n in range(1, co.MAX_TEST_CLIPS + 1)],
            str(co.DEFAULTS[co.COUNT]),
        ),
        ContextBlock(
            block_id="sizes",
            elements=[
                MarkdownTextObject(
                    text=f"Test clips render at {test_size[0]}×{test_size[1]}, each with its own "
                    f"seed. Pick the steadiest: *Render HD* makes it {hd_size[0]}×{hd_size[1]}; "
                    f"*Extend* adds a chunk from its last frame (up to {max_extensions} times)."
                )
            ],
        ),
    ]
    view = View(
        type="modal",
        callback_id=ANIMATE_VIEW,
        title="Animate",
        submit="Make test clips",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=view_blocks,
    )
    return view.to_dict()


def _motion_inputs(preset: str, custom: int | None) -> list[Block]:
    """The motion preset select and the custom intensity (Animate and Extend share them)."""
    from slack_sdk.models.blocks import InputBlock, NumberInputElement, PlainTextObject

    from bot import clip_options as co

    choices = [Option(text=label, value=value) for value, (label, _) in co.MOTION_PRESETS.items()]
    choices.append(Option(text="Custom (1–10, below)", value=co.CUSTOM))
    return [
        InputBlock(
            block_id=co.MOTION_PRESET,
            label="Motion",
            element=StaticSelectElement(
                action_id=co.MOTION_PRESET,  # action ids must be unique within a view
                options=choices,
                initial_option=next(o for o in choices if o.value == preset),
            ),
        ),
        InputBlock(
            block_id=co.MOTION_CUSTOM,
            label="Custom intensity (1–10)",
            optional=True,
            hint=PlainTextObject(
                text="Overrides the preset. Product 2–4, atmosphere 6–8, faces 3 or less."
            ),
            element=NumberInputElement(
                action_id=co.MOTION_CUSTOM,
                is_decimal_allowed=False,
                min_value=1,
                max_value=10,
                initial_value=custom,
            ),
        ),
    ]


EXTEND_VIEW = "clip_extend_modal"


def extend_modal(
    clip: dict[str, Any],
    *,
    private_metadata: str,
    preset: str,
    custom: int | None,
    done: int,
    max_extensions: int,
) -> dict[str, Any]:
    """Extend a clip: its motion settings, pre-filled, to keep or change for the next chunk."""
    from slack_sdk.models.views import View

    prompt = escape(_clip(clip.get("prompt") or "", 500))
    so_far = f"extended {done} of {max_extensions} times" if done else "not extended yet"
    view_blocks: list[Block] = [
        SectionBlock(
            block_id="clip",
            text=MarkdownTextObject(text=f"Extend {clip_line(clip)}\n>{prompt}"),
        ),
        *_motion_inputs(preset, custom),
        ContextBlock(
            block_id="extend_about",
            elements=[
                MarkdownTextObject(
                    text=f"Adds one chunk from the clip's last frame, with a new seed, at its size "
                    f"and frame rate; the motion above is the clip's own ({so_far})."
                )
            ],
        ),
    ]
    view = View(
        type="modal",
        callback_id=EXTEND_VIEW,
        title="Extend clip",
        submit="Extend",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=view_blocks,
    )
    return view.to_dict()


def clip_line(clip: dict[str, Any]) -> str:
    recipe_size = "HD" if str(clip.get("tier", "")).endswith("hd") else "test"
    return (
        f"*#{clip['variant']} · seed {clip['seed']}* · {recipe_size} {clip['width']}×"
        f"{clip['height']} · {clip['frames']} frames at {clip['fps']:g} fps "
        f"({clip['duration_s']:.1f} s) · motion {clip['motion']}"
    )


def clips(
    job: Job, clip_rows: list[dict[str, Any]], *, extensions: list[int], max_extensions: int
) -> Message:
    """The clips a job made (the MP4s are in the thread just above): per clip, Render HD for
    test clips and Extend until the clip reaches the extension limit."""
    label = KIND_LABEL.get(job.kind, job.kind.capitalize())
    prompt = escape(job.params.get("prompt") or "")
    count = len(clip_rows)
    header = f"*{label} · {count} clip{'s' if count != 1 else ''}* for <@{job.user_id}>"
    if job.params.get("extends_asset_id"):
        header = f"*Extended clip* for <@{job.user_id}> · one more chunk, joined"
    elif job.params.get("rendered_from_asset_id"):
        header = f"*HD clip* for <@{job.user_id}> · same seed and settings"
    out: list[Block] = [
        SectionBlock(
            block_id="summary",
            text=MarkdownTextObject(text=_clip(f"{header}\n>{prompt}", MAX_SECTION)),
        )
    ]
    for clip, done in zip(clip_rows, extensions, strict=True):
        number = clip["variant"]
        line = clip_line(clip)
        if done:
            line += f" · {done} extension{'s' if done != 1 else ''}"
        out.append(SectionBlock(block_id=f"clip_{number}", text=MarkdownTextObject(text=line)))
        buttons = []
        if not str(clip.get("tier", "")).endswith("hd"):
            buttons.append(
                ButtonElement(
                    text="Render HD",
                    action_id=variant_action_id(CLIP_HD, clip["id"]),
                    value=str(clip["id"]),
                    style="primary",
                )
            )
        if done < max_extensions:
            buttons.append(
                ButtonElement(
                    text="Extend",
                    action_id=variant_action_id(CLIP_EXTEND, clip["id"]),
                    value=str(clip["id"]),
                )
            )
        if buttons:
            out.append(ActionsBlock(block_id=f"clip_{number}_actions", elements=buttons))
        if done >= max_extensions:
            out.append(
                ContextBlock(
                    block_id=f"clip_{number}_limit",
                    elements=[
                        MarkdownTextObject(text=f"Extension limit reached ({max_extensions}).")
                    ],
                )
            )
    first = clip_rows[0]
    out.append(
        ContextBlock(
            block_id="provenance",
            elements=[
                MarkdownTextObject(
                    text=f"{first['steps']} steps · {first['scheduler']} · `{first['model_id']}`"
                )
            ],
        )
    )
    seeds = ", ".join(f"#{c['variant']} seed {c['seed']}" for c in clip_rows)
    return f"{label}: {count} clip{'s' if count != 1 else ''} ({seeds})", _render(out)


COMMANDS.append(
    (
        "Animate (button on a variant)",
        "test clips with a motion preset (product, atmosphere, character or 1–10), then "
        "Render HD or Extend the steadiest",
    )
)


# ---------------------------------------------------------------- edit in place (modals)

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


# ---------------------------------------------------------------- review: votes, finals

VOTE = "vote"
PROMOTE = "promote"
MAX_VOTERS_SHOWN = 20


def vote_note(voters: list[str], leading: bool) -> str:
    """A variant's tally: count, whether it leads, and who voted."""
    count = len(voters)
    names = ", ".join(f"<@{u}>" for u in voters[:MAX_VOTERS_SHOWN])
    if count > MAX_VOTERS_SHOWN:
        names += f" and {count - MAX_VOTERS_SHOWN} more"
    head = f"*{count} vote{'s' if count != 1 else ''}*"
    if leading:
        head = f":trophy: {head} · leading"
    return f"{head} — {names}"


def final_result(
    job: Job,
    asset: dict[str, Any],
    file_id: str,
    chain: list[tuple[str, dict[str, Any]]],
    extra: list[Block] | None = None,
) -> Message:
    """A final render in its thread: marked FINAL, with where it came from and who promoted it.

    ``chain`` is the lineage oldest first as (label, asset), ending with this final; ``extra``
    holds the lines features add under every result (anchor, palette), shown as on variants."""
    params = job.params
    who = f"<@{params['promoted_by']}>" if params.get("promoted_by") else "someone"
    source = next((label for label, _ in reversed(chain[:-1])), None)
    header = f":star: *FINAL* · promoted by {who}" + (f" from {source}" if source else "")
    drafts = [a for _, a in chain[:-1]]
    path = " → ".join(f"{label} (seed {a['seed']})" for label, a in chain)
    models = " → ".join(dict.fromkeys(f"`{a['model_id']}`" for _, a in chain))
    details = (
        f"{asset['width']}×{asset['height']} · {asset['steps']} steps · "
        f"strength {asset['strength'] or 0:g} · CFG {asset['guidance']:g} · {asset['scheduler']}"
    )
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=_clip(f"{header}\n>{escape(params['prompt'])}", MAX_SECTION)
            ),
            block_id="final_summary",
        ),
        ImageBlock(
            slack_file={"id": file_id},
            alt_text=_clip(f"Final render of “{params['prompt']}”", 2000),
            title=_clip(f"FINAL · seed {asset['seed']}", 2000),
            block_id="final_image",
        ),
        ContextBlock(
            block_id="lineage",
            elements=[
                MarkdownTextObject(text=_clip(f"*Lineage* {path}", MAX_SECTION)),
                MarkdownTextObject(text=_clip(f"*Models* {models} · {details}", MAX_SECTION)),
            ],
        ),
    ]
    if params.get("negative_prompt"):
        blocks.append(
            ContextBlock(
                block_id="final_negative",
                elements=[
                    MarkdownTextObject(
                        text=_clip(f"no: {escape(params['negative_prompt'])}", MAX_SECTION)
                    )
                ],
            )
        )
    blocks.extend(extra or [])
    row = variant_controls_row(asset)
    if row is not None:
        blocks.append(row)
    seeds = ", ".join(str(a["seed"]) for a in drafts) or str(asset["seed"])
    text = (
        f"FINAL by {who}" + (f" from {source}" if source else "") + f" (seeds {seeds}): "
        f"{params['prompt'][:200]}"
    )
    return text, _render(blocks)


def root_with_final(
    root_job: Job, asset: dict[str, Any], file_id: str, promoted_by: str, source: str
) -> Message:
    """The thread's root once a final exists: the draft's prompt and settings, then the final."""
    text, root_blocks = job_status(root_job)
    root_blocks = [b for b in root_blocks if b.get("type") != "actions"]
    extra: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f":star: *FINAL* by <@{promoted_by}> · from {source} · seed {asset['seed']}"
            ),
            block_id="final_status",
        ),
        ImageBlock(
            slack_file={"id": file_id},
            alt_text=_clip(f"Final render of “{asset['prompt'] or ''}”", 2000),
            title=_clip(f"FINAL · {source}", 2000),
            block_id="final_image",
        ),
    ]
    return f"FINAL by <@{promoted_by}> · {text}", root_blocks + _render(extra)


def approvers_answer(who: str, finals_first: bool, changed: bool = False) -> Message:
    lead = "Done: now" if changed else "In this channel,"
    order = "go ahead of drafts" if finals_first else "wait their turn with drafts"
    return notice(
        f"{lead} {who} can promote drafts to finals here. Finals {order} in the queue.\n"
        "Change it with `/dailies approvers @a @b` or `/dailies approvers anyone`."
    )


COMMANDS.extend(
    [
        (
            "reply in a draft's thread",
            "make the next iteration (v2, v3…) from the leading variant of the latest iteration;"
            " `#3` starts from variant 3 of the latest variants, `v1#3` from v1's #3;"
            " `--n --ar --seed --no --steps` work too",
        ),
        (
            "Vote, :+1: or :one:…:eight:",
            "vote for a variant (:+1: on a single variant, :one:…:eight: on a grid);"
            " click again or remove your reaction to take it back",
        ),
        ("Promote", "re-render a variant at the final tier; the FINAL lands in the thread"),
        (
            "/dailies approvers [@a @b | anyone]",
            "who may promote in this channel (default anyone); alone, shows the setting",
        ),
        ("/dailies finals first on|off", "whether finals go ahead of drafts in the queue"),
    ]
)
