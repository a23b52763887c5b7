"""Quality lines: device seconds under results, people's QC marks and the automatic QC flags on a
variant's line, the reject-reason modal, and the stats answer."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.quality.flags import FLAG_WORDS
from bot.quality.marks import REASONS, REJECT, USABLE
from bot.slack.blocks.common import escape, truncate


def compute_note(assets: list[dict[str, Any]]) -> str:
    """`` · 1.2 device-s per image on NVIDIA H200`` for the provenance line ('' when unknown)."""
    measured = [a["device_s"] for a in assets if a.get("device_s") is not None]
    if not measured:
        return ""
    kinds = sorted({a.get("device_kind") or "?" for a in assets if a.get("device_s") is not None})
    per = sum(measured) / len(measured)
    images = all((a.get("media_type") or "image/").startswith("image/") for a in assets)
    noun = "image" if images else "result"
    return f" · {per:.2f} device-s per {noun} on {', '.join(kinds)}"


MAX_MARKERS_SHOWN = 10


def mark_note(marks: list[dict[str, Any]]) -> str:
    """People's marks on one variant: who finds it usable, who rejects it and why."""
    parts = []
    for mark, label in ((USABLE, ":white_check_mark: *Usable*"), (REJECT, ":x: *Reject*")):
        people = [m for m in marks if m["mark"] == mark]
        if not people:
            continue
        names = []
        for m in people[:MAX_MARKERS_SHOWN]:
            reason = REASONS.get(m.get("reason") or "")
            names.append(f"<@{m['user_id']}>" + (f" ({reason})" if reason else ""))
        if len(people) > MAX_MARKERS_SHOWN:
            names.append(f"and {len(people) - MAX_MARKERS_SHOWN} more")
        parts.append(f"{label} — {', '.join(names)}")
    return " · ".join(parts)


def flag_note(flags: list[dict[str, Any]]) -> str:
    """The automatic QC flags of one variant, one short word each."""
    words = []
    for flag in flags:
        word = FLAG_WORDS.get(flag["flag"], flag["flag"])
        if flag.get("detail"):
            word = f"{word} of {flag['detail']}"
        words.append(word)
    return f":mag: QC: {' · '.join(words)}" if words else ""


REJECT_VIEW = "qc_reject_reason"
REASON_INPUT = "qc_reason"


def reject_reason_modal(asset: dict[str, Any], private_metadata: str) -> dict[str, Any]:
    """After Reject: an optional reason, so the team learns what goes wrong (closing the modal
    keeps the reject without one)."""
    prompt = escape(truncate(asset.get("prompt") or "", 500))
    view = View(
        type="modal",
        callback_id=REJECT_VIEW,
        title="Rejected",
        submit="Save reason",
        close="No reason",
        private_metadata=private_metadata,
        blocks=[
            SectionBlock(
                block_id="rejected",
                text=MarkdownTextObject(
                    text=f"You marked variant #{asset['variant']} (seed {asset['seed']}) "
                    f"*Reject*.\n>{prompt}"
                ),
            ),
            InputBlock(
                block_id=REASON_INPUT,
                label="Why? (optional)",
                optional=True,
                element=StaticSelectElement(
                    action_id=REASON_INPUT,
                    placeholder="Pick a reason",
                    options=[Option(text=label, value=value) for value, label in REASONS.items()],
                ),
            ),
        ],
    )
    return view.to_dict()


def chosen_reason(view: dict[str, Any]) -> str | None:
    """The reason picked in the reject modal, or None."""
    state = (view.get("state") or {}).get("values") or {}
    selected = (state.get(REASON_INPUT) or {}).get(REASON_INPUT, {}).get("selected_option")
    return selected["value"] if selected else None
