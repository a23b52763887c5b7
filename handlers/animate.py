"""Animate: the modal on a variant, test clips in the thread, Render HD and Extend on each clip.

Extend opens a small modal with the clip's motion pre-filled (keep it or change it); a second
extension of the same clip gets a seed of its own, so it is a different continuation.

The click opens the modal at once (its trigger_id lives 3 s); the submission is validated before
any row is written, so a bad value comes back under its input and nothing is queued. Clip jobs
share the image jobs' status message and progress; only their results differ: MP4 files (Slack
plays them inline) followed by one message with each clip's buttons.
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs import rows as jobs
from bot.jobs.clip_options import (
    MOTION_PRESET,
    motion_inputs_for,
    parse_animate_values,
    parse_motion,
)
from bot.jobs.clips import (
    ANIMATE,
    ANIMATE_EXTEND,
    ANIMATE_HD,
    CLIP_KINDS,
    ClipRefused,
    animate_params,
    extend_params,
    extension_jobs,
    extensions,
    hd_params,
    is_clip,
    is_image,
)
from bot.jobs.events import JobHooks
from bot.jobs.rows import Job
from bot.runtime import Runtime
from bot.slack import blocks
from bot.store.assets import get_asset
from handlers.ephemeral import tell
from handlers.job_messages import (
    announce,
    image_job_hooks,
    post_in_thread,
    upload_assets,
)
from handlers.variant_actions import on_variant_action
from models.video import VideoPreset, video_preset


def _preset(runtime: Runtime) -> VideoPreset | None:
    try:
        return video_preset(runtime.family.extras or runtime.family.name)
    except ValueError:
        return None


def open_animate_modal(
    runtime: Runtime,
    body: dict[str, Any],
    asset: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    preset = _preset(runtime)
    if preset is None:
        tell(respond, f"The `{runtime.family.name}` models have no video tier to animate.")
        return
    if not is_image(asset):
        tell(respond, "Animate starts from an image: pick a variant or a final.")
        return
    metadata = json.dumps({"asset_id": asset["id"], "channel_id": body["channel"]["id"]})
    view = blocks.animate_modal(
        asset,
        private_metadata=metadata,
        test_size=preset.size(asset["width"], asset["height"], hd=False),
        hd_size=preset.size(asset["width"], asset["height"], hd=True),
        max_extensions=runtime.settings.max_clip_extensions,
    )
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:  # an expired trigger (a slow click) is the usual cause
        tell(respond, f"The Animate form did not open ({exc.response.get('error')}): try again.")


def clip_naming(job: Job, clip: dict[str, Any]) -> tuple[str, str, str]:
    size = "hd" if str(clip.get("tier", "")).endswith("hd") else "test"
    return (
        f"dailies-{job.id}-{clip['variant']}-seed{clip['seed']}-{size}.mp4",
        f"#{clip['variant']} · seed {clip['seed']} · motion {clip['motion']}",
        f"Clip {clip['variant']} of “{(job.params.get('prompt') or '')[:900]}”",
    )


def post_clips(runtime: Runtime, job: Job, clips: list[dict[str, Any]]) -> None:
    """The MP4s (uploaded and shared first, so they sit above), then the clips' buttons."""
    upload_assets(runtime, job, clips, naming=clip_naming)
    post_in_thread(
        runtime,
        job,
        blocks.clips(
            job,
            clips,
            extensions=[extensions(c) for c in clips],
            max_extensions=runtime.settings.max_clip_extensions,
        ),
        step="clips",
    )


def clip_job_hooks(runtime: Runtime) -> JobHooks:
    """The image jobs' hooks, with clips as the result."""
    return image_job_hooks(runtime, post=post_clips, noun="clip")


def _queue(runtime: Runtime, kind: str, params: dict[str, Any], user: str, source: dict) -> None:
    job = jobs.create_job(
        runtime.store,
        kind,
        params,
        user_id=user,
        channel_id=source["channel_id"],
        thread_ts=source["thread_ts"],
        held=True,
    )
    announce(runtime, job, source["thread_ts"])


def register(app: App, runtime: Runtime) -> None:
    runtime.events.register(CLIP_KINDS, clip_job_hooks(runtime))
    on_variant_action(app, runtime, blocks.ANIMATE, open_animate_modal)

    @app.view(blocks.ANIMATE_VIEW)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        preset = _preset(runtime)
        assert preset is not None  # the modal only opens when there is a video tier
        options, errors = parse_animate_values(view["state"]["values"], preset)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        user = body["user"]["id"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        keyframe = get_asset(runtime.store, int(metadata.get("asset_id") or 0))
        if keyframe is None:
            ack()
            client.chat_postEphemeral(
                channel=metadata.get("channel_id"),
                user=user,
                text="That image no longer exists, so there is nothing to animate.",
            )
            return
        # Acked before any write: a database held by another writer must not make Slack give
        # up on the modal (3 s); the view's id and hash still drop a replayed submission.
        ack()
        if not runtime.store.first_delivery(f"view:{view['id']}:{view.get('hash')}"):
            return
        assert options is not None
        params = animate_params(keyframe, options, preset)
        job = jobs.create_job(
            runtime.store,
            ANIMATE,
            params,
            user_id=user,
            channel_id=keyframe["channel_id"],
            thread_ts=keyframe["thread_ts"],
            held=True,
        )
        announce(runtime, job, keyframe["thread_ts"])

    def clip_action(base: str) -> None:
        pattern = re.compile(rf"^{re.escape(base)}:(\d+)$")

        @app.action(pattern)
        def clicked(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            ack()
            action = body["actions"][0]
            user = body["user"]["id"]
            key = f"action:{action.get('action_ts')}:{user}:{action['action_id']}"
            if not runtime.store.first_delivery(key):
                return
            clip = get_asset(runtime.store, int(pattern.match(action["action_id"]).group(1)))
            preset = _preset(runtime)
            if clip is None or not is_clip(clip) or preset is None:
                tell(respond, "That clip no longer exists.")
                return
            try:
                if base == blocks.CLIP_HD:
                    _queue(runtime, ANIMATE_HD, hd_params(runtime.store, clip, preset), user, clip)
                else:
                    extend_params(clip, runtime.settings.max_clip_extensions)  # refused now?
                    open_extend_modal(runtime, body, clip, respond, client)
            except ClipRefused as exc:
                tell(respond, str(exc))

    clip_action(blocks.CLIP_HD)
    clip_action(blocks.CLIP_EXTEND)

    @app.view(blocks.EXTEND_VIEW)
    def extend_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        motion, errors = parse_motion(view["state"]["values"])
        if errors:
            ack(response_action="errors", errors=errors)
            return
        user = body["user"]["id"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        clip = get_asset(runtime.store, int(metadata.get("clip_id") or 0))
        if clip is None or not is_clip(clip):
            ack()
            client.chat_postEphemeral(
                channel=metadata.get("channel_id"),
                user=user,
                text="That clip no longer exists, so there is nothing to extend.",
            )
            return
        try:  # reads only: refused with the modal still open
            params = extend_params(
                clip,
                runtime.settings.max_clip_extensions,
                motion=motion,
                sibling=extension_jobs(runtime.store, clip["id"]),
            )
        except ClipRefused as exc:
            ack(response_action="errors", errors={MOTION_PRESET: str(exc)})
            return
        ack()  # before any write, as for Animate
        if not runtime.store.first_delivery(f"view:{view['id']}:{view.get('hash')}"):
            return
        _queue(runtime, ANIMATE_EXTEND, params, user, clip)


def open_extend_modal(
    runtime: Runtime,
    body: dict[str, Any],
    clip: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Extend asks first: the clip's motion is pre-filled, to keep or change for the new chunk."""
    preset, custom = motion_inputs_for(int(clip["motion"]))
    view = blocks.extend_modal(
        clip,
        private_metadata=json.dumps({"clip_id": clip["id"], "channel_id": clip["channel_id"]}),
        preset=preset,
        custom=custom,
        done=extensions(clip),
        max_extensions=runtime.settings.max_clip_extensions,
    )
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:  # an expired trigger (a slow click) is the usual cause
        tell(respond, f"The Extend form did not open ({exc.response.get('error')}): try again.")
