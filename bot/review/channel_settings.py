"""Per-channel review settings: who may promote a draft to a final, and whether finals jump
the queue. A channel nobody configured lets anyone promote and keeps finals in fair order."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from bot.jobs.draft_options import OptionsError
from bot.store.database import Store

# Slack escapes a picked person as <@U123|name> (or <@U123>); a bare id also works when pasted.
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
FINAL_PRIORITY = 10


@dataclass(frozen=True)
class ChannelSettings:
    approvers: tuple[str, ...] | None = None  # None: anyone
    finals_first: bool = False

    def may_promote(self, user_id: str) -> bool:
        return self.approvers is None or user_id in self.approvers

    @property
    def final_priority(self) -> int:
        return FINAL_PRIORITY if self.finals_first else 0


def get_settings(store: Store, channel_id: str) -> ChannelSettings:
    rows = list(store.db["channel_settings"].rows_where("channel_id = ?", [channel_id]))
    if not rows:
        return ChannelSettings()
    row = rows[0]
    approvers = json.loads(row["approvers"]) if row["approvers"] is not None else None
    return ChannelSettings(
        approvers=tuple(approvers) if approvers is not None else None,
        finals_first=bool(row["finals_first"]),
    )


def _save(store: Store, channel_id: str, user_id: str, **changes: object) -> ChannelSettings:
    with store.write() as db:
        current = get_settings(store, channel_id)
        row = {
            "channel_id": channel_id,
            "approvers": json.dumps(list(current.approvers))
            if current.approvers is not None
            else None,
            "finals_first": int(current.finals_first),
            "updated_by": user_id,
            "updated_at": time.time(),
        }
        row.update(changes)
        db["channel_settings"].upsert(row, pk="channel_id")
    return get_settings(store, channel_id)


def set_approvers(
    store: Store, channel_id: str, user_id: str, approvers: list[str] | None
) -> ChannelSettings:
    value = json.dumps(approvers) if approvers is not None else None
    return _save(store, channel_id, user_id, approvers=value)


def set_finals_first(store: Store, channel_id: str, user_id: str, on: bool) -> ChannelSettings:
    return _save(store, channel_id, user_id, finals_first=int(on))


def parse_approvers(text: str) -> list[str] | None:
    """``@a @b`` as Slack sends it → user ids; ``anyone`` → None. OptionsError on anything else."""
    words = text.replace(",", " ").split()
    if [w.lower() for w in words] in (["anyone"], ["everyone"]):
        return None
    ids: list[str] = []
    for word in words:
        match = _MENTION.match(word)
        user_id = match.group(1) if match else (word if _USER_ID.match(word) else None)
        if user_id is None:
            raise OptionsError(
                f"`{word}` is not a person I can read. Pick people with @ so Slack links them, "
                "e.g. `/dailies approvers @ana @ben`, or say `/dailies approvers anyone`."
            )
        if user_id not in ids:
            ids.append(user_id)
    if not ids:
        raise OptionsError("Name at least one approver, or say `anyone`.")
    return ids


def describe_approvers(settings: ChannelSettings) -> str:
    if settings.approvers is None:
        return "anyone in this channel"
    names = [f"<@{u}>" for u in settings.approvers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def may_change_channel(
    store: Store, channel_id: str, user_id: str, what: str = "that"
) -> str | None:
    """Once a channel has approvers, its shared look (palette, style anchor, model family and
    default LoRA) is theirs to change: None when ``user_id`` may, else the sentence that says
    who can (``what``: the setting, as the sentence names it)."""
    settings = get_settings(store, channel_id)
    if settings.approvers is None or user_id in settings.approvers:
        return None
    return f"Only this channel's approvers ({describe_approvers(settings)}) can change {what} here."


def may_cancel(store: Store, channel_id: str | None, owner: str | None, user_id: str) -> bool:
    """A job is cancelled by whoever asked for it, or by one of the channel's approvers."""
    if user_id == owner:
        return True
    approvers = get_settings(store, channel_id).approvers if channel_id else None
    return bool(approvers) and user_id in (approvers or ())
