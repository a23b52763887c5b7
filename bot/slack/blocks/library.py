"""Library messages: search hits, an asset shown again, tags, export and queue answers.

Every asset's line carries its short id (``a17``) so people can quote it to ``/dailies show``,
``/dailies tag`` or ``/dailies export``; tags follow it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ImageBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import MAX_SECTION, Message, escape, render, truncate
from bot.slack.blocks.kinds import KIND_LABEL

# action ids of the library's buttons (the asset id follows a colon, as on variants)
FIND_OPEN = "find_open"
EXPORT_ASSET = "export"  # the same action as the Export control on FINAL messages
SHOW_REPRODUCE = "show_reproduce"
SHOW_NEW_THREAD = "show_new_thread"


def short_id(asset: dict[str, Any]) -> str:
    return f"a{asset['id']}"


def tag_list(asset: dict[str, Any]) -> list[str]:
    return (asset.get("tags") or "").split()


def asset_suffix(asset: dict[str, Any]) -> str:
    """What follows an asset's title on its line: its short id, then its tags."""
    tags = tag_list(asset)
    return f" · {short_id(asset)}" + (f" · 🏷 {' '.join(tags)}" if tags else "")


def _when(seconds: float | None) -> str:
    if not seconds:
        return "?"
    fallback = time.strftime("%Y-%m-%d %H:%M", time.gmtime(seconds))
    return f"<!date^{int(seconds)}^{{date_short_pretty}} {{time}}|{fallback} UTC>"


def marks(asset: dict[str, Any]) -> str:
    out = []
    if asset.get("tier") == "final":
        out.append(":star: FINAL")
    if asset.get("approved"):
        by = f" by <@{asset['approved_by']}>" if asset.get("approved_by") else ""
        out.append(f":white_check_mark: approved{by}")
    return " · ".join(out)


@dataclass
class Hit:
    asset: dict[str, Any]
    permalink: str | None
    promotable: bool
    thumbnail: bool = True


def _hit_blocks(n: int, hit: Hit) -> list[Block]:
    a = hit.asset
    votes = int(a.get("votes") or 0)
    head = f"*{n}.* `{short_id(a)}`" + (f" · {marks(a)}" if marks(a) else "")
    facts = [
        f"<@{a['user_id']}>" if a.get("user_id") else "someone",
        _when(a.get("created_at")),
        f"{votes} vote{'s' if votes != 1 else ''}",
        f"seed {a['seed']}",
    ]
    if a.get("channel_id"):
        facts.append(f"<#{a['channel_id']}>")
    if tag_list(a):
        facts.append("🏷 " + " ".join(tag_list(a)))
    text = f"{head}\n>{escape(truncate(a.get('prompt') or '', 600))}\n" + " · ".join(facts)
    accessory = None
    is_image = (a.get("media_type") or "").startswith("image/")
    if hit.thumbnail and a.get("slack_file_id") and is_image:
        accessory = ImageElement(
            slack_file={"id": a["slack_file_id"]},
            alt_text=truncate(f"{short_id(a)}: {a.get('prompt') or ''}", 2000),
        )
    out: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=truncate(text, MAX_SECTION)),
            accessory=accessory,
            block_id=f"hit_{a['id']}",
        )
    ]
    buttons: list[Any] = []
    if hit.permalink:
        buttons.append(
            ButtonElement(
                text="Open thread",
                action_id=f"{FIND_OPEN}:{a['id']}",
                url=hit.permalink,
                value=str(a["id"]),
            )
        )
    if hit.promotable:
        buttons.append(
            ButtonElement(
                text="Promote", action_id=f"promote:{a['id']}", value=str(a["id"]), style="primary"
            )
        )
    buttons.append(
        ButtonElement(text="Export", action_id=f"{EXPORT_ASSET}:{a['id']}", value=str(a["id"]))
    )
    out.append(ActionsBlock(block_id=f"hit_{a['id']}_actions", elements=buttons))
    return out


def find_results(searched: str, hits: list[Hit], hint: str | None = None) -> Message:
    """Up to 10 hits, best first: thumbnail, prompt, who, when, votes, marks, buttons."""
    if not hits:
        message = f":mag: No match for {searched}."
        if hint:
            message += f" {hint}"
        return message, render(
            [SectionBlock(text=MarkdownTextObject(text=truncate(message, MAX_SECTION)))]
        )
    blocks: list[Block] = [
        ContextBlock(
            block_id="find_summary",
            elements=[
                MarkdownTextObject(
                    text=truncate(
                        f":mag: {len(hits)} match{'es' if len(hits) != 1 else ''} for "
                        f"{searched}, best first",
                        MAX_SECTION,
                    )
                )
            ],
        )
    ]
    for n, hit in enumerate(hits, 1):
        blocks.extend(_hit_blocks(n, hit))
    lines = [
        f"{n}. {short_id(h.asset)} {h.asset.get('prompt') or ''}" for n, h in enumerate(hits, 1)
    ]
    return truncate("\n".join(lines), 3000), render(blocks)


TAG_VIEW = "library_tag"  # callback_id of the Tag… modal
TAG_INPUT = "tags"


def tag_modal(asset: dict[str, Any]) -> dict[str, Any]:
    """Tag…: the asset's tags in one field, to add to or remove from; submitting saves exactly
    what the field holds."""
    view = View(
        type="modal",
        callback_id=TAG_VIEW,
        private_metadata=str(asset["id"]),
        title="Tag this image",
        submit="Save tags",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(
                        f"`{short_id(asset)}` · >{escape(asset.get('prompt') or '')}", MAX_SECTION
                    )
                ),
                block_id="tag_asset",
            ),
            InputBlock(
                block_id=TAG_INPUT,
                label="Tags",
                optional=True,
                hint="Names separated by spaces or commas, like: hero q3-launch. "
                "Remove a name to untag.",
                element=PlainTextInputElement(
                    action_id=TAG_INPUT,
                    initial_value=" ".join(tag_list(asset)) or None,
                    placeholder="hero q3-launch",
                    max_length=400,
                ),
            ),
        ],
    )
    return view.to_dict()


def tags_answer(asset: dict[str, Any], tags: list[str], changed: bool) -> Message:
    named = " ".join(f"`{t}`" for t in tags) if tags else "no tags"
    lead = "Done:" if changed else "Now"
    text = (
        f":label: {lead} `{short_id(asset)}` has {named}. Find it with "
        f"`/dailies find tag:{tags[0]}`."
        if tags
        else f":label: {lead} `{short_id(asset)}` has no tags. Add one with "
        f"`/dailies tag {short_id(asset)} hero`."
    )
    return text, render([SectionBlock(text=MarkdownTextObject(text=text))])


def show_message(
    asset: dict[str, Any],
    file_id: str | None,
    lineage_text: str,
    settings: list[str],
    *,
    reproducible: bool,
    permalink: str | None,
    shown_by: str,
) -> Message:
    """An asset shown again: its image, every setting that made it, its lineage, and buttons to
    reproduce it exactly or start a new thread from it."""
    ref = short_id(asset)
    head = f":frame_with_picture: `{ref}` shown by <@{shown_by}>"
    if marks(asset):
        head += f" · {marks(asset)}"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=truncate(f"{head}\n>{escape(asset.get('prompt') or '')}", MAX_SECTION)
            ),
            block_id="show_summary",
        )
    ]
    if file_id:
        blocks.append(
            ImageBlock(
                slack_file={"id": file_id},
                alt_text=truncate(f"{ref}: {asset.get('prompt') or ''}", 2000),
                title=truncate(f"seed {asset['seed']}{asset_suffix(asset)}", 2000),
                block_id="show_image",
            )
        )
    blocks.append(
        ContextBlock(
            block_id="show_settings",
            elements=[
                MarkdownTextObject(text=truncate(" · ".join(settings), MAX_SECTION)),
                MarkdownTextObject(text=truncate(f"*Lineage* {lineage_text}", MAX_SECTION)),
            ],
        )
    )
    buttons: list[Any] = []
    if reproducible:
        buttons.append(
            ButtonElement(
                text="Reproduce exactly",
                action_id=f"{SHOW_REPRODUCE}:{asset['id']}",
                value=str(asset["id"]),
                style="primary",
            )
        )
    if (asset.get("media_type") or "image/png").startswith("image/"):
        buttons.append(
            ButtonElement(
                text="New thread from it",
                action_id=f"{SHOW_NEW_THREAD}:{asset['id']}",
                value=str(asset["id"]),
            )
        )
    if permalink:
        buttons.append(
            ButtonElement(
                text="Open original",
                action_id=f"{FIND_OPEN}:{asset['id']}",
                url=permalink,
                value=str(asset["id"]),
            )
        )
    if buttons:
        blocks.append(ActionsBlock(block_id="show_actions", elements=buttons))
    text = f"{ref} (seed {asset['seed']}): {(asset.get('prompt') or '')[:200]}"
    return text, render(blocks)


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "ETA unknown (nothing measured yet)"
    if seconds < 1:
        return "now"
    if seconds < 90:
        return f"~{round(seconds)} s"
    return f"~{round(seconds / 60)} min"


MAX_QUEUE_SHOWN = 40


def queue_message(entries: list[Any], user: str) -> Message:
    """``/dailies queue``: running, then queued in the order workers will take them."""
    if not entries:
        text = ":zzz: Nothing is running or queued."
        return text, render([SectionBlock(text=MarkdownTextObject(text=text))])
    lines = []
    for e in entries[:MAX_QUEUE_SHOWN]:
        job = e.job
        who = f"<@{job.user_id}>" if job.user_id else "the CLI"
        label = KIND_LABEL.get(job.kind, job.kind.capitalize())
        prompt = escape(truncate(job.params.get("prompt") or "", 60))
        if e.position is None:
            lines.append(
                f":art: *running* · {label} for {who} · done {eta_text(e.done_in)} · “{prompt}”"
            )
        else:
            mine = " *(yours)*" if job.user_id == user else ""
            lines.append(
                f"*{e.position}.* {label} for {who}{mine} · starts {eta_text(e.starts_in)}"
                f" · “{prompt}”"
            )
    if len(entries) > MAX_QUEUE_SHOWN:
        lines.append(f"…and {len(entries) - MAX_QUEUE_SHOWN} more")
    queued = sum(1 for e in entries if e.position is not None)
    head = f":hourglass_flowing_sand: {len(entries) - queued} running · {queued} queued"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head), block_id="queue_head"),
        SectionBlock(
            text=MarkdownTextObject(text=truncate("\n".join(lines), MAX_SECTION)),
            block_id="queue_jobs",
        ),
        ContextBlock(
            block_id="queue_hint",
            elements=[
                MarkdownTextObject(text="Cancel all your queued jobs: `/dailies queue cancel mine`")
            ],
        ),
    ]
    return f"{head}\n" + "\n".join(lines), render(blocks)
