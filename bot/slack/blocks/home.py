"""The App Home tab: one person's queue (with Cancel), their recent threads, the workspace's
latest approved finals, its recipes and anchors. A Home view may hold 100 blocks; each section
is capped so the whole stays under that however much there is."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageElement,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.blocks.common import MAX_SECTION, escape, truncate
from bot.slack.blocks.kinds import KIND_LABEL
from bot.slack.blocks.library import eta_text, marks, short_id

HOME_CANCEL = "home_cancel"
MAX_HOME_JOBS = 10
MAX_HOME_THREADS = 8
MAX_HOME_FINALS = 8
MAX_HOME_BLOCKS = 100


def _text(text: str, block_id: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, MAX_SECTION)),
        block_id=block_id,
        accessory=accessory,
    )


def home_view(
    user: str,
    queue: list[Any],
    threads: list[tuple[str, str | None]],
    finals: list[tuple[dict[str, Any], str | None]],
    recipes: list[str],
    anchors: list[str],
) -> dict[str, Any]:
    """``queue``: library.queue entries of this person; ``threads``: (prompt, permalink);
    ``finals``: (asset, permalink)."""
    blocks: list[Block] = [HeaderBlock(text="Your queue", block_id="home_queue_head")]
    if not queue:
        blocks.append(_text("Nothing of yours is running or queued.", "home_queue_empty"))
    for entry in queue[:MAX_HOME_JOBS]:
        job = entry.job
        label = KIND_LABEL.get(job.kind, job.kind.capitalize())
        prompt = escape(truncate(job.params.get("prompt") or "", 120))
        where = (
            f":art: running · done {eta_text(entry.done_in)}"
            if entry.position is None
            else f":hourglass_flowing_sand: position {entry.position} · starts "
            f"{eta_text(entry.starts_in)}"
        )
        blocks.append(
            _text(
                f"*{label}* · {where}\n>{prompt}",
                f"home_job_{job.id}",
                ButtonElement(
                    text="Cancel",
                    action_id=f"{HOME_CANCEL}:{job.id}",  # unique within the view
                    value=str(job.id),
                    style="danger",
                ),
            )
        )
    blocks += [DividerBlock(), HeaderBlock(text="Your recent threads", block_id="home_threads")]
    if not threads:
        blocks.append(_text("No threads yet: start one with `/draft <prompt>`.", "home_no_thr"))
    for i, (prompt, link) in enumerate(threads[:MAX_HOME_THREADS]):
        title = escape(truncate(prompt, 200))
        blocks.append(_text(f"<{link}|{title}>" if link else title, f"home_thread_{i}"))
    blocks += [DividerBlock(), HeaderBlock(text="Latest approved finals", block_id="home_finals")]
    if not finals:
        blocks.append(_text("No approved finals yet.", "home_no_finals"))
    for asset, link in finals[:MAX_HOME_FINALS]:
        thumb = None
        if asset.get("slack_file_id"):
            thumb = ImageElement(
                slack_file={"id": asset["slack_file_id"]},
                alt_text=truncate(f"{short_id(asset)}: {asset.get('prompt') or ''}", 2000),
            )
        ref = f"<{link}|`{short_id(asset)}`>" if link else f"`{short_id(asset)}`"
        blocks.append(
            _text(
                f"{ref} · {marks(asset)}\n>{escape(truncate(asset.get('prompt') or '', 300))}",
                f"home_final_{asset['id']}",
                thumb,
            )
        )
    blocks += [DividerBlock(), HeaderBlock(text="Recipes and anchors", block_id="home_brand")]
    recipe_text = ", ".join(f"`{r}`" for r in recipes) or "none yet"
    anchor_text = ", ".join(f"`{a}`" for a in anchors) or "none yet"
    blocks.append(
        _text(
            f"*Recipes* {recipe_text} — run one with `/draft --recipe NAME`\n"
            f"*Style anchors* {anchor_text} — `/dailies anchor use NAME`",
            "home_brand_list",
        )
    )
    blocks.append(
        ContextBlock(
            block_id="home_hint",
            elements=[
                MarkdownTextObject(
                    text="Find anything again with `/dailies find <words>` · `/dailies help`"
                )
            ],
        )
    )
    assert len(blocks) <= MAX_HOME_BLOCKS
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS]).to_dict()
