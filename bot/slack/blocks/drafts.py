"""Draft messages: a job's status message, its variants, a failure, and plain notices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.jobs.draft_options import USAGE
from bot.jobs.rows import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from bot.slack.blocks.clips import clip_settings_line
from bot.slack.blocks.common import MAX_SECTION, Message, escape, render, truncate
from bot.slack.blocks.controls import variant_controls_row
from bot.slack.blocks.edits import (
    edit_line,
    resize_line,
    resize_title,
    upscale_line,
    upscale_title,
    vary_line,
)
from bot.slack.blocks.kinds import job_label, kind_label
from bot.slack.blocks.library import asset_suffix
from bot.slack.blocks.quality import compute_note

# action_id of the buttons on job messages; handlers register listeners for exactly these.
CANCEL_JOB = "cancel_job"
RETRY_JOB = "retry_job"
POST_AGAIN = "post_again"
REROLL = "reroll"


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
        parts.append(f"no: {escape(truncate(params['negative_prompt'], 300))}")
    return " · ".join(parts)


def progress_bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else 0
    return "▓" * filled + "░" * (width - filled)


# Job kind → its status message's settings line, for kinds whose params are not a draft's.
SETTINGS_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "vary": vary_line,
    "edit": edit_line,
    "resize": resize_line,
    "upscale": upscale_line,
    "animate": clip_settings_line,
    "animate_hd": clip_settings_line,
    "animate_extend": clip_settings_line,
}
# Job kind → the title of each of its variants, for kinds whose variants are not seeds.
VARIANT_TITLES: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]] = {
    "resize": resize_title,
    "upscale": upscale_title,
}


def job_status(
    job: Job,
    *,
    position: int | None = None,
    progress: tuple[int, int] | None = None,
    note: str | None = None,
    post_again: bool = False,
    waiting: str | None = None,
) -> Message:
    """The message that stands for a job: the thread root for a new draft, a thread reply for
    re-rolls and finals. Shows prompt, settings, queue position or progress, and Cancel."""
    label = job_label(job)
    who = f"<@{job.user_id}>" if job.user_id else "someone"
    prompt = escape(job.params["prompt"])
    header = truncate(f"*{label}* for {who}\n>{prompt}", MAX_SECTION)
    if job.status == QUEUED:
        status = (
            f":hourglass_flowing_sand: Queued · position {position}"
            if position
            else (":hourglass_flowing_sand: Queued")
        )
        if waiting:  # no worker can take it now (a Ray cluster away): say so, not just "Queued"
            reason = waiting[0].upper() + waiting[1:]
            status += f"\n:electric_plug: {reason}; it starts when one does"
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
    if post_again:  # never "Done" before the results are visible
        status = ":warning: Made, not yet posted — Post again"
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
        SectionBlock(
            text=MarkdownTextObject(text=truncate(status, MAX_SECTION)), block_id="status"
        ),
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
    if post_again:  # results made but not shown: the person can ask for them again
        blocks.append(
            ActionsBlock(
                block_id="delivery_actions",
                elements=[
                    ButtonElement(
                        text="Post again", action_id=POST_AGAIN, value=str(job.id), style="primary"
                    )
                ],
            )
        )
    state = "made, not yet posted" if post_again else job.status
    text = f"{label} for {escape(job.params['prompt'][:200])} — {state}"
    return text, render(blocks)


def variants(
    job: Job,
    assets: list[dict[str, Any]],
    file_ids: list[str],
    *,
    extra: list[Block] | None = None,
    rerollable: bool = True,
    notes: dict[int, str] | None = None,
    features: frozenset[str] = frozenset(),
) -> Message:
    """The results of a job: one numbered image block per variant, each with its seed.

    ``extra`` blocks (features' lines: style anchor, palette…) go after the variants;
    ``rerollable=False`` drops Re-roll for kinds where new seeds mean nothing; ``notes``
    (asset id → mrkdwn) adds a line under a variant, e.g. its votes; ``features`` are the
    channel's (see ``controls``), which some controls need.
    """
    label = job_label(job)
    notes = notes or {}
    prompt = escape(job.params["prompt"])
    first = assets[0]
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=truncate(
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
                alt_text=truncate(f"Variant {number} of “{job.params['prompt']}”", 2000),
                title=truncate(
                    (
                        VARIANT_TITLES[job.kind](job.params, asset)
                        if job.kind in VARIANT_TITLES
                        else f"#{number} · seed {asset['seed']}"
                    )
                    + asset_suffix(asset),
                    2000,
                ),
                block_id=f"variant_{number}",
            )
        )
        row = variant_controls_row(asset, features)
        if row is not None:
            blocks.append(row)
        if notes.get(asset["id"]):
            blocks.append(
                ContextBlock(
                    block_id=f"variant_{number}_note",
                    elements=[MarkdownTextObject(text=truncate(notes[asset["id"]], MAX_SECTION))],
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
                    + compute_note(assets)
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
    return f"{label}: {len(assets)} variants ({seeds})", render(blocks)


def failure(job: Job, message: str, *, retry_count: int | None = None) -> Message:
    """A failed job's reply: why, and Retry. ``retry_count``: the job made some of its images
    before it failed, and Retry makes the other ``retry_count`` only."""
    label = kind_label(job.kind)
    text = f"{label} failed: {escape(message)}"
    retry = "Retry" if retry_count is None else f"Retry the other {retry_count}"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=truncate(f":x: *{label} failed.* {escape(message)}", MAX_SECTION)
            ),
            block_id="failure",
        ),
        ActionsBlock(
            block_id="failure_actions",
            elements=[
                ButtonElement(text=retry, action_id=RETRY_JOB, value=str(job.id), style="primary")
            ],
        ),
    ]
    return text, render(blocks)


def error_with_usage(message: str) -> Message:
    """An ephemeral answer to bad input: what is wrong, then how to say it."""
    text = f":warning: {message}\n{USAGE}"
    return text, render([SectionBlock(text=MarkdownTextObject(text=truncate(text, MAX_SECTION)))])


def notice(message: str) -> Message:
    return message, render(
        [SectionBlock(text=MarkdownTextObject(text=truncate(message, MAX_SECTION)))]
    )
