"""Clip messages: the Animate and Extend modals, a clip job's settings line, posted clips."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.jobs import clip_options as co
from bot.jobs.rows import Job
from bot.slack.blocks.common import (
    MAX_SECTION,
    Message,
    escape,
    render,
    truncate,
    variant_action_id,
)
from bot.slack.blocks.kinds import kind_label

ANIMATE_VIEW = "animate_modal"
CLIP_HD = "clip_hd"
CLIP_EXTEND = "clip_extend"


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


def animate_modal(
    asset: dict[str, Any],
    *,
    private_metadata: str,
    test_size: tuple[int, int],
    hd_size: tuple[int, int],
    max_extensions: int,
) -> dict[str, Any]:
    """The Animate modal: motion preset or custom intensity, chunk length, fps, test clips."""

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

    prompt = escape(truncate(asset.get("prompt") or "", 500))
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

    prompt = escape(truncate(clip.get("prompt") or "", 500))
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
    label = kind_label(job.kind)
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
            text=MarkdownTextObject(text=truncate(f"{header}\n>{prompt}", MAX_SECTION)),
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
    return f"{label}: {count} clip{'s' if count != 1 else ''} ({seeds})", render(out)
