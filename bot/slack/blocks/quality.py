"""Quality lines: device seconds under results, people's QC marks and the automatic QC flags on a
variant's line, the reject-reason modal, and the stats answer."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.quality import report
from bot.quality.flag_words import FLAG_WORDS
from bot.quality.marks import REASONS, REJECT, USABLE
from bot.slack.blocks.common import MAX_SECTION, Message, escape, render, truncate


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


MAX_GROUP_LINES = 15


def _group_name(by: str, name: str) -> str:
    """A user group is a mention (Slack shows the name); other groups are plain text."""
    if by == "user" and name.startswith(("U", "W")) and name.isalnum():
        return f"<@{name}>"
    return escape(name)


def stats_answer(stats: Any, scope: str, currency: str = "$", chart_note: str = "") -> Message:
    """The ephemeral answer to ``/dailies stats``: the window's figures, the split, the flags."""
    total = stats.total
    headline = (
        f"*Useful yield {report.percent(total.useful_yield)}* · {scope} · {stats.query.period}\n"
        f"{total.generated} generated · {total.usable} usable · {total.rejected} rejected · "
        f"waste-to-asset {report.number(total.waste_ratio)}\n"
        f"{report.number(total.device_s)} device-s in all · "
        f"*{report.number(total.device_s_per_usable, 2)} device-s per usable asset*"
    )
    if stats.priced:
        headline += (
            f" · *{report.money(total.cost_per_usable, currency)} per usable asset* "
            f"({report.money(total.cost, currency)} in all)"
        )
    headline += (
        f"\nmedian time from first draft to first approved final: "
        f"{report.duration(stats.median_to_final_s)} ({report.threads(stats.finals_threads)})"
    )
    sections = [headline]
    if stats.groups:
        lines = [
            f"• *{_group_name(stats.query.by, name)}*: yield {report.percent(t.useful_yield)} "
            f"({t.usable}/{t.generated}) · {t.rejected} rejected · "
            f"{report.number(t.device_s_per_usable, 2)} device-s per usable"
            + (f" · {report.money(t.cost_per_usable, currency)}" if stats.priced else "")
            for name, t in list(stats.groups.items())[:MAX_GROUP_LINES]
        ]
        if len(stats.groups) > MAX_GROUP_LINES:
            lines.append(f"…and {len(stats.groups) - MAX_GROUP_LINES} more")
        sections.append(f"*By {stats.query.by}*\n" + "\n".join(lines))
    flags = report.flag_lines(stats)
    if flags:
        sections.append("*Automatic QC flags vs people's marks*\n" + "\n".join(flags))
    context = report.signal_line(stats) + (f"\n{chart_note}" if chart_note else "")
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"stats_{i}", text=MarkdownTextObject(text=truncate(part, MAX_SECTION))
        )
        for i, part in enumerate(sections)
    ]
    blocks.append(
        ContextBlock(
            block_id="stats_signals",
            elements=[MarkdownTextObject(text=truncate(context, MAX_SECTION))],
        )
    )
    text = report.stats_text(stats, scope, currency)
    return truncate(text, 3000), render(blocks)
