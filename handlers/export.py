"""``/dailies export [thread link | a17 | tag:NAME | approved since 7d …]`` and the Export
button on FINAL messages (and on search hits): a deterministic zip for the next tool, uploaded
with files_upload_v2 to the thread it came from, this channel, or the person's DM.

Where it goes: a thread's package goes to that thread and an asset's to its own thread; a
search-style selection goes to this channel when every asset in it was made here, otherwise to
the person's DM, so nothing from another channel is posted where its members are not.
The size is checked before the command is answered; the zip is built and uploaded afterwards on
the outbox, off Slack's 3-second clock.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.library import export
from bot.library.history import HistoryError, resolve_thread
from bot.library.refs import RefError, split_ref
from bot.library.search import FindError, parse_query, searched_channels
from bot.runtime import Runtime
from bot.slack import blocks
from handlers.ephemeral import tell
from handlers.find import channel_access
from handlers.job_messages import POST_ERRORS, whisper
from handlers.tags import visible_asset
from handlers.variant_actions import on_variant_action

log = logging.getLogger(__name__)

EXPORT_USAGE = (
    "Say `/dailies export <thread link>`, `/dailies export a17`, `/dailies export tag:hero` or "
    "`/dailies export approved since 7d` (any `/dailies find` words and filters work)."
)


PROGRESS_FROM_FILES = 40  # smaller packages are done before a progress message would help


def export_progress(
    runtime: Runtime,
    selected: list[dict[str, Any]],
    label: str,
    channel: str,
    thread_ts: str | None,
) -> Callable[[int, int], None] | None:
    """For a large package: a message in the destination, edited (throttled) as entries are
    written, ending "uploading"."""
    if len(selected) < PROGRESS_FROM_FILES:
        return None
    posted = runtime.client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=f":package: Packaging {label}…"
    )
    ts = posted["ts"]

    def progress(done: int, total: int) -> None:
        if done < total and not runtime.throttle.allow(f"export:{ts}"):
            return
        state = "uploading…" if done == total else f"{done} of {total} files"
        # Within the chat.update budget; "uploading…", the last word, always lands.
        runtime.edits.update(channel, ts, text=f":package: Packaging {label}: {state}")

    return progress


def upload_package(
    runtime: Runtime,
    selected: list[dict[str, Any]],
    label: str,
    channel: str,
    thread_ts: str | None,
    user: str,
) -> None:
    """Build the zip in a temporary file and upload it; a refusal is told to the person."""
    exports = runtime.settings.home / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=exports) as tmp:
        path = Path(tmp) / export.package_name(label)
        pkg = export.build(
            runtime.store,
            runtime.settings.assets_dir,
            selected,
            runtime.settings.export_max_bytes,
            path,
            progress=export_progress(runtime, selected, label, channel, thread_ts),
        )
        runtime.client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            file=str(path),
            filename=path.name,
            title=f"dailies export · {label}",
            initial_comment=(
                f":package: Export for <@{user}>: {label} · {len(pkg.selected)} selected, "
                f"{len(pkg.assets)} files with their ancestors, "
                f"{export.human_bytes(path.stat().st_size)} · "
                "full-resolution files, lineage.json, manifest.csv, contact_sheet.png"
            ),
        )
        export.record_export(
            runtime.store, pkg, path.name, user_id=user, channel_id=channel, source="slack"
        )


def start_export(
    runtime: Runtime,
    selected: list[dict[str, Any]],
    label: str,
    where: tuple[str, str | None],
    user: str,
    say: Any,
) -> str:
    """Check the size now, build and upload on the outbox; returns the answer for the person."""
    pkg = export.package(runtime.store, runtime.settings.assets_dir, selected)
    export.check_size(pkg, runtime.settings.export_max_bytes)
    channel, thread_ts = where

    def run() -> None:
        try:
            upload_package(runtime, selected, label, channel, thread_ts, user)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            log.warning("export %r to %s failed: %s", label, channel, error)
            say(f":warning: {POST_ERRORS.get(error, f'Slack refused the upload ({error}).')}")
        except (export.ExportError, OSError) as exc:
            say(f":warning: The export failed: {exc}")

    runtime.outbox.submit(run)
    place = "in the thread" if thread_ts else ("in your DM" if channel.startswith("D") else "here")
    return (
        f":package: Building the package ({len(pkg.assets)} files, "
        f"{export.human_bytes(pkg.file_bytes)}); it will appear {place}."
    )


def _dm(runtime: Runtime, user: str) -> str:
    return runtime.client.conversations_open(users=user)["channel"]["id"]


def export_command(runtime: Runtime, body: dict[str, Any], args: str) -> blocks.Message:
    user, here = body["user_id"], body["channel_id"]
    if not args.strip():
        return blocks.notice(f":package: {EXPORT_USAGE}")
    say = whisper(runtime, here, user, None)
    try:
        first = args.split()[0].strip("<>").split("|")[0]
        if "/archives/" in first and "#" not in args:
            channel, ts = resolve_thread(runtime.store, first)
            if not channel_access(runtime).may_see(user, channel, here):
                raise HistoryError("no dailies thread there that you can see")
            selected = export.select_thread(runtime.store, channel, ts)
            answer = start_export(runtime, selected, f"thread {ts}", (channel, ts), user, say)
        elif first.lower().lstrip("#").startswith("a") and first.lower().lstrip("#a").isdigit():
            ref, _ = split_ref(args)
            asset = visible_asset(runtime, body, ref)
            where = (asset["channel_id"], asset["thread_ts"])
            answer = start_export(runtime, [asset], f"a{asset['id']}", where, user, say)
        else:
            query = parse_query(args, me=user, here=here)
            access = channel_access(runtime)
            channels = access.visible(user, searched_channels(runtime.store), here)
            selected = export.select_query(runtime.store, query, channels)
            if all(a.get("channel_id") == here for a in selected):
                where: tuple[str, str | None] = (here, None)
            else:
                where = (_dm(runtime, user), None)
            answer = start_export(runtime, selected, query.describe(), where, user, say)
    except (HistoryError, RefError, FindError, export.ExportError) as exc:
        return blocks.notice(f":warning: {exc}\n{EXPORT_USAGE}")
    return blocks.notice(answer)


def register(app: App, runtime: Runtime) -> None:
    def export_clicked(
        runtime: Runtime,
        body: dict[str, Any],
        asset: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        user = body["user"]["id"]
        clicked_in = (body.get("channel") or {}).get("id")
        if asset.get("channel_id") and not channel_access(runtime).may_see(
            user, asset["channel_id"], clicked_in
        ):
            tell(respond, "That image is in a channel you are not in.")
            return
        try:
            answer = start_export(
                runtime,
                [asset],
                f"a{asset['id']}",
                (asset["channel_id"], asset["thread_ts"]),
                user,
                lambda text: tell(respond, text),
            )
        except export.ExportError as exc:
            answer = f":warning: {exc}"
        tell(respond, answer)

    on_variant_action(app, runtime, blocks.EXPORT, export_clicked)
