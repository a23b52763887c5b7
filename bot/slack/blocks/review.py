"""Review messages: a variant's tally, the FINAL with its lineage, the root once a final exists,
and the channel's review settings."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.jobs.rows import Job
from bot.slack.blocks.common import MAX_SECTION, Message, escape, render, truncate
from bot.slack.blocks.controls import variant_controls_row
from bot.slack.blocks.drafts import job_status, notice
from bot.slack.blocks.library import asset_suffix
from bot.slack.blocks.quality import compute_note

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
    features: frozenset[str] = frozenset(),
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
        + compute_note([asset])
    )
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=truncate(f"{header}\n>{escape(params['prompt'])}", MAX_SECTION)
            ),
            block_id="final_summary",
        ),
        ImageBlock(
            slack_file={"id": file_id},
            alt_text=truncate(f"Final render of “{params['prompt']}”", 2000),
            title=truncate(f"FINAL · seed {asset['seed']}{asset_suffix(asset)}", 2000),
            block_id="final_image",
        ),
        ContextBlock(
            block_id="lineage",
            elements=[
                MarkdownTextObject(text=truncate(f"*Lineage* {path}", MAX_SECTION)),
                MarkdownTextObject(text=truncate(f"*Models* {models} · {details}", MAX_SECTION)),
            ],
        ),
    ]
    if params.get("negative_prompt"):
        blocks.append(
            ContextBlock(
                block_id="final_negative",
                elements=[
                    MarkdownTextObject(
                        text=truncate(f"no: {escape(params['negative_prompt'])}", MAX_SECTION)
                    )
                ],
            )
        )
    blocks.extend(extra or [])
    row = variant_controls_row(asset, features)
    if row is not None:
        blocks.append(row)
    seeds = ", ".join(str(a["seed"]) for a in drafts) or str(asset["seed"])
    text = (
        f"FINAL by {who}" + (f" from {source}" if source else "") + f" (seeds {seeds}): "
        f"{params['prompt'][:200]}"
    )
    return text, render(blocks)


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
            alt_text=truncate(f"Final render of “{asset['prompt'] or ''}”", 2000),
            title=truncate(f"FINAL · {source}", 2000),
            block_id="final_image",
        ),
    ]
    return f"FINAL by <@{promoted_by}> · {text}", root_blocks + render(extra)


def approvers_answer(who: str, finals_first: bool, changed: bool = False) -> Message:
    lead = "Done: now" if changed else "In this channel,"
    order = "go ahead of drafts" if finals_first else "wait their turn with drafts"
    return notice(
        f"{lead} {who} can promote drafts to finals here. Finals {order} in the queue.\n"
        "Change it with `/dailies approvers @a @b` or `/dailies approvers anyone`."
    )
