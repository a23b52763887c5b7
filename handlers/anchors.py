"""Style anchors in Slack: Lock style / Unlock style on variants, ``/dailies anchor …``, and
the anchor line under results.

Slash commands cannot run in threads, so ``/dailies anchor channel|name|scale`` act on the
anchor the person locked most recently in that channel (or the channel's anchor), and thread
scope is set from the variant itself.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.brand import anchors
from bot.review.channel_settings import may_change_channel
from bot.runtime import Runtime
from bot.slack import blocks
from handlers.ephemeral import tell
from handlers.job_controls import first_click
from handlers.variant_actions import on_variant_action

ANCHOR_USAGE = (
    "`/dailies anchor list` · `channel` (your last lock here becomes the channel's anchor) · "
    "`use NAME` · `name NEW-NAME` · `scale 0.4 [NAME]` · `clear`"
)


def _team(body: dict[str, Any]) -> str | None:
    return (body.get("team") or {}).get("id") or body.get("team_id") or body["user"].get("team_id")


def lock_style(
    runtime: Runtime, body: dict[str, Any], asset: dict[str, Any], respond: Respond, client: Any
) -> None:
    user = body["user"]["id"]
    anchor = anchors.lock(runtime.store, asset, _team(body), user)
    tell(respond, blocks.anchor_locked(anchor, asset["channel_id"]))
    client.chat_postMessage(
        channel=asset["channel_id"],
        thread_ts=asset["thread_ts"],
        text=f":lock: <@{user}> locked this thread's style to variant #{asset['variant']} "
        f"(anchor `{anchor['name']}`): new drafts here follow it.",
    )


def unlock_style(
    runtime: Runtime, body: dict[str, Any], asset: dict[str, Any], respond: Respond, client: Any
) -> None:
    user = body["user"]["id"]
    current, scope = anchors.active(runtime.store, asset["channel_id"], asset["thread_ts"])
    if current is None:
        tell(respond, blocks.notice("This thread follows no style anchor already."))
        return
    anchors.follow(runtime.store, asset["channel_id"], asset["thread_ts"], None, user)
    also = " (the channel's anchor no longer applies in this thread)" if scope == "channel" else ""
    client.chat_postMessage(
        channel=asset["channel_id"],
        thread_ts=asset["thread_ts"],
        text=f":unlock: <@{user}> unlocked this thread's style: new drafts here follow no "
        f"anchor{also}.",
    )


def _describe(runtime: Runtime, anchor: dict[str, Any], channel_id: str) -> str:
    here = anchors.channel_anchor(runtime.store, channel_id)
    mark = " · *this channel's anchor*" if here and here["id"] == anchor["id"] else ""
    return (
        f"• `{anchor['name']}` · scale {anchor['scale']:g} · locked by <@{anchor['created_by']}>"
        f" in <#{anchor['channel_id']}>{mark}"
    )


def _target(
    runtime: Runtime, team_id: str | None, channel_id: str, user_id: str, name: str | None
) -> dict[str, Any]:
    """The anchor ``scale`` changes: the named one, else the channel's, else your last lock."""
    if name:
        anchor = anchors.by_name(runtime.store, team_id, name)
        if anchor is None:
            raise anchors.AnchorError(f"There is no anchor called `{name.lower()}`.")
        here = anchors.channel_anchor(runtime.store, channel_id)
        if anchor["channel_id"] != channel_id and (here is None or here["id"] != anchor["id"]):
            # A command acts on the channel it is sent in: another channel's anchor is theirs.
            raise anchors.AnchorError(
                f"`{anchor['name']}` belongs to <#{anchor['channel_id']}>; change its scale there."
            )
        return anchor
    anchor = anchors.channel_anchor(runtime.store, channel_id) or anchors.latest_locked_by(
        runtime.store, channel_id, user_id
    )
    if anchor is None:
        raise anchors.AnchorError(
            "No anchor to change here: lock a variant's style first (More… → Lock style)."
        )
    return anchor


def anchor_command(runtime: Runtime, body: dict[str, Any], arguments: str) -> blocks.Message:
    store, channel, user = runtime.store, body["channel_id"], body["user_id"]
    team = body.get("team_id")
    verb, _, rest = arguments.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in ("channel", "use", "clear", "name", "scale") and (
        refusal := may_change_channel(store, channel, user)
    ):
        return blocks.notice(f":lock: {refusal}")
    try:
        if verb in ("", "list"):
            listed = anchors.for_team(store, team)
            if not listed:
                return blocks.notice(
                    "No style anchors yet. Lock one from any variant: More… → *Lock style*."
                )
            here = anchors.channel_anchor(store, channel)
            active = (
                f"This channel follows `{here['name']}`."
                if here
                else ("This channel follows no anchor (threads may have their own).")
            )
            lines = [_describe(runtime, a, channel) for a in listed]
            return blocks.notice("*Style anchors*\n" + "\n".join(lines) + f"\n{active}")
        if verb == "channel":
            anchor = anchors.latest_locked_by(store, channel, user)
            if anchor is None:
                raise anchors.AnchorError(
                    "Lock a variant's style first (More… → Lock style), then run this to use "
                    "it for the whole channel."
                )
            anchors.promote(store, anchor, channel, user)
            return blocks.notice(_channel_now(anchor, channel))
        if verb == "use":
            if not rest:
                raise anchors.AnchorError("Say which anchor: `/dailies anchor use NAME`.")
            anchor = anchors.by_name(store, team, rest)
            if anchor is None:
                known = ", ".join(f"`{a['name']}`" for a in anchors.for_team(store, team))
                raise anchors.AnchorError(
                    f"There is no anchor called `{rest.lower()}`. Known anchors: "
                    f"{known or 'none yet'}."
                )
            anchors.follow(store, channel, None, anchor["id"], user)
            return blocks.notice(_channel_now(anchor, channel))
        if verb == "clear":
            before, threads = anchors.clear_channel(store, channel)
            if before is None and not threads:
                return blocks.notice("No style anchor is active in this channel.")
            parts = [f"the channel's anchor `{before['name']}`"] if before else []
            if threads:
                parts.append(f"{threads} thread anchor{'s' if threads != 1 else ''}")
            return blocks.notice(
                f":unlock: Cleared {' and '.join(parts)}: new drafts here follow no anchor."
            )
        if verb == "name":
            if not rest:
                raise anchors.AnchorError("Give the new name: `/dailies anchor name NEW-NAME`.")
            anchor = anchors.latest_locked_by(store, channel, user) or anchors.channel_anchor(
                store, channel
            )
            if anchor is None:
                raise anchors.AnchorError(
                    "No anchor to rename: lock a variant's style first (More… → Lock style)."
                )
            old = anchor["name"]
            anchor = anchors.rename(store, anchor, rest)
            return blocks.notice(f"Renamed anchor `{old}` to `{anchor['name']}`.")
        if verb == "scale":
            value, _, name = rest.partition(" ")
            scale = anchors.parse_scale(value)
            anchor = _target(runtime, team, channel, user, name.strip() or None)
            anchors.set_scale(store, anchor, scale)
            return blocks.notice(
                f"Anchor `{anchor['name']}` now conditions new images at scale {scale:g}."
            )
        raise anchors.AnchorError(f"Unknown `/dailies anchor {verb}`.")
    except anchors.AnchorError as exc:
        return blocks.notice(f":warning: {exc}\n{ANCHOR_USAGE}")


def _channel_now(anchor: dict[str, Any], channel: str) -> str:
    return (
        f":lock: <#{channel}> now follows style anchor `{anchor['name']}` (scale "
        f"{anchor['scale']:g}): every new draft here follows it, except threads with their "
        "own anchor. `/dailies anchor clear` stops it."
    )


def register(app: App, runtime: Runtime) -> None:
    on_variant_action(app, runtime, blocks.LOCK_STYLE, lock_style)
    on_variant_action(app, runtime, blocks.UNLOCK_STYLE, unlock_style)

    @app.action(blocks.ANCHOR_CHANNEL)
    def use_for_channel(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        if not first_click(runtime, body):
            return
        anchor = anchors.get(runtime.store, int(body["actions"][0]["value"]))
        channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        if anchor is None:
            tell(respond, blocks.notice("That anchor no longer exists."))
            return
        if refusal := may_change_channel(runtime.store, channel, body["user"]["id"]):
            tell(respond, blocks.notice(f":lock: {refusal}"))
            return
        anchors.promote(runtime.store, anchor, channel, body["user"]["id"])
        tell(respond, blocks.notice(_channel_now(anchor, channel)))
