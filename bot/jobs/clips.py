"""Clip jobs: test clips from a keyframe, an HD re-render of a chosen clip, and extensions.

A clip is a list of chunks; each chunk is one model call from one seed, and every chunk after the
first starts from the previous chunk's last frame. The model's first frame is its rendering of
the keyframe it was given, so when chunks are joined that seam frame is dropped: a clip of k
chunks of n frames has k*n - (k-1) frames. Recording the chunk seeds lets Render HD replay the
whole chain at full size, and an extension continues from a lossless PNG of the last frame (the
MP4 is lossy), so quality does not drift at the seams.

Params are plain JSON, like every job's, so a job resumes after a restart.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

from PIL import Image

from bot.jobs.clip_options import AnimateOptions
from bot.jobs.draft_options import MAX_SEED
from bot.jobs.rows import Job
from bot.media.video import decode_mp4, encode_mp4, png_bytes
from bot.store.assets import (
    asset_path,
    get_asset,
    job_assets,
    load_asset_image,
    write_content_addressed,
)
from bot.store.database import Store
from models.request import CancelCheck, ProgressCallback
from models.video import VideoPreset, VideoRequest, VideoResult

ANIMATE, ANIMATE_HD, ANIMATE_EXTEND = "animate", "animate_hd", "animate_extend"
CLIP_KINDS = (ANIMATE, ANIMATE_HD, ANIMATE_EXTEND)
VIDEO_MEDIA_TYPE = "video/mp4"
TEST, HD = "test", "hd"


class ClipRefused(ValueError):
    """A request on a clip that cannot be honoured; the message is for the person who asked."""


def is_clip(asset: dict[str, Any]) -> bool:
    return asset.get("media_type") == VIDEO_MEDIA_TYPE


def is_image(asset: dict[str, Any]) -> bool:
    return str(asset.get("media_type") or "").startswith("image/")


def clip_recipe(asset: dict[str, Any]) -> dict[str, Any]:
    """The clip's JSON recipe (chunk seeds, motion bucket, seam frame...)."""
    return json.loads(asset.get("video") or "{}")


def extensions(asset: dict[str, Any]) -> int:
    return len(clip_recipe(asset).get("chunk_seeds") or [None]) - 1


def animate_params(
    keyframe: dict[str, Any],
    options: AnimateOptions,
    preset: VideoPreset,
    seed: int | None = None,
) -> dict[str, Any]:
    """Test clips: one single-chunk clip per seed, at the preset's test size."""
    width, height = preset.size(keyframe["width"], keyframe["height"], hd=False)
    start = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    return {
        "prompt": keyframe.get("prompt") or "",
        "keyframe_asset_id": keyframe["id"],
        "size": TEST,
        "width": width,
        "height": height,
        "motion": options.motion,
        "fps": options.fps,
        "duration_s": options.duration_s,
        "num_frames": options.num_frames,
        "steps": preset.default_steps,
        "noise_aug_strength": preset.noise_aug_strength,
        # One model call per seed; the engine's progress counts steps x len(seeds).
        "seeds": [(start + i) % (MAX_SEED + 1) for i in range(options.count)],
    }


def _from_clip(clip: dict[str, Any]) -> dict[str, Any]:
    recipe = clip_recipe(clip)
    return {
        "prompt": clip.get("prompt") or "",
        "keyframe_asset_id": recipe["keyframe_asset_id"],
        "motion": clip["motion"],
        "fps": int(clip["fps"]),
        "duration_s": recipe["chunk_duration_s"],
        "num_frames": recipe["chunk_frames"],
        "steps": clip["steps"],
        "noise_aug_strength": recipe["noise_aug_strength"],
    }


def hd_params(store: Store, clip: dict[str, Any], preset: VideoPreset) -> dict[str, Any]:
    """Render HD: the clip's chunk seeds and settings again, at the family's full video size."""
    recipe = clip_recipe(clip)
    if recipe.get("size") == HD:
        raise ClipRefused("This clip is already HD.")
    keyframe = get_asset(store, recipe["keyframe_asset_id"])
    if keyframe is None:
        raise ClipRefused("The image this clip was animated from no longer exists.")
    width, height = preset.size(keyframe["width"], keyframe["height"], hd=True)
    return {
        **_from_clip(clip),
        "size": HD,
        "width": width,
        "height": height,
        "seeds": list(recipe["chunk_seeds"]),
        "rendered_from_asset_id": clip["id"],
    }


# Extensions of one clip after its first each move the new chunk's seed this far on, so a
# second Extend of the same clip is a different continuation, not a copy of the first.
SIBLING_SEED_STRIDE = 1000


def extension_jobs(store: Store, clip_id: int) -> int:
    """How many extensions of this clip were asked for already (queued, running or finished)."""
    rows = store.db.query(
        "SELECT count(*) AS n FROM jobs WHERE kind = ? "
        "AND json_extract(params, '$.extends_asset_id') = ?",
        [ANIMATE_EXTEND, clip_id],
    )
    return int(next(iter(rows))["n"])


def extend_params(
    clip: dict[str, Any], max_extensions: int, *, motion: int | None = None, sibling: int = 0
) -> dict[str, Any]:
    """Extend: one more chunk from the clip's last frame, same size, the clip's motion unless
    ``motion`` changes it; ``sibling`` counts earlier extensions of this same clip."""
    recipe = clip_recipe(clip)
    done = len(recipe["chunk_seeds"]) - 1
    if done >= max_extensions:
        raise ClipRefused(
            f"This clip has been extended {done} time{'s' if done != 1 else ''} already, the "
            f"limit is {max_extensions}. Start again from a keyframe, or render this one in HD."
        )
    # Chunk k of a clip uses seed + k: the whole chain stays reproducible from the clip's seed
    # (and, for another extension of the same clip, from how many came before it).
    seed = (clip["seed"] + len(recipe["chunk_seeds"]) + sibling * SIBLING_SEED_STRIDE) % (
        MAX_SEED + 1
    )
    params = {
        **_from_clip(clip),
        "size": recipe.get("size", TEST),
        "width": clip["width"],
        "height": clip["height"],
        "seeds": [seed],
        "extends_asset_id": clip["id"],
    }
    if motion is not None:
        params["motion"] = motion
    return params


def run_clip_job(
    job: Job,
    runner: Any,
    store: Store,
    assets_dir: Path,
    progress: ProgressCallback,
    cancelled: CancelCheck,
) -> list[dict[str, Any]]:
    """Render the job's missing clips, save each as soon as it exists, return all its assets."""
    params = job.params
    if job.kind == ANIMATE:
        plans = [(variant, [seed]) for variant, seed in enumerate(params["seeds"], start=1)]
    else:  # one clip: HD replays every chunk, an extension adds one
        plans = [(1, list(params["seeds"]))]
    saved = {a["variant"] for a in job_assets(store, job.id)}
    keyframe = get_asset(store, params["keyframe_asset_id"])
    parent: dict[str, Any] | None = None
    if params.get("extends_asset_id"):
        parent = get_asset(store, params["extends_asset_id"])
        if parent is None:
            raise ValueError(f"the clip to extend (asset {params['extends_asset_id']}) is gone")
    elif keyframe is None:
        raise ValueError(f"the keyframe (asset {params['keyframe_asset_id']}) no longer exists")

    call = 0
    for variant, seeds in plans:
        if variant in saved:
            call += len(seeds)
            continue
        if parent is not None:
            _, frames = decode_mp4(asset_path(assets_dir, parent))
            recipe = clip_recipe(parent)
            start = load_asset_image(assets_dir, {"path": recipe["last_frame_path"]})
            chunk_seeds = list(recipe["chunk_seeds"])
        else:
            frames, chunk_seeds = [], []
            start = load_asset_image(assets_dir, keyframe)
        result: VideoResult | None = None
        for seed in seeds:
            request = VideoRequest(
                image=start,
                width=params["width"],
                height=params["height"],
                num_frames=params["num_frames"],
                fps=params["fps"],
                motion=params["motion"],
                seed=seed,
                steps=params["steps"],
                noise_aug_strength=params["noise_aug_strength"],
            )
            result = runner.animate(request, progress=_shifted(progress, call), cancelled=cancelled)
            frames = frames + (result.frames[1:] if frames else result.frames)
            chunk_seeds.append(seed)
            start = result.frames[-1]
            call += 1
        assert result is not None
        save_clip_asset(
            store,
            assets_dir,
            frames,
            start,
            result,
            job=job,
            variant=variant,
            chunk_seeds=chunk_seeds,
            parent_id=(parent or {}).get("id")
            or params.get("rendered_from_asset_id")
            or params["keyframe_asset_id"],
        )
    return job_assets(store, job.id)


def _shifted(progress: ProgressCallback, index: int) -> ProgressCallback:
    """The model reports chunk 0; the engine wants the call's place in the whole job."""
    return lambda _, step, steps: progress(index, step, steps)


def save_clip_asset(
    store: Store,
    assets_dir: Path,
    frames: list[Image.Image],
    last_frame: Image.Image,
    result: VideoResult,
    *,
    job: Job,
    variant: int,
    chunk_seeds: list[int],
    parent_id: int,
) -> dict[str, Any]:
    """MP4 + poster + seam frame on disk, then the row: the clip is safe before it is posted."""
    params = job.params
    digest, relative = write_content_addressed(assets_dir, encode_mp4(frames, result.fps), ".mp4")
    _, poster = write_content_addressed(assets_dir, png_bytes(frames[0]), ".png")
    _, last = write_content_addressed(assets_dir, png_bytes(last_frame), ".png")
    recipe = {
        "size": params["size"],
        "keyframe_asset_id": params["keyframe_asset_id"],
        "extends_asset_id": params.get("extends_asset_id"),
        "rendered_from_asset_id": params.get("rendered_from_asset_id"),
        "chunk_seeds": chunk_seeds,
        "chunk_frames": params["num_frames"],
        "chunk_duration_s": params["duration_s"],
        "motion_bucket_id": result.motion_bucket_id,
        "noise_aug_strength": result.noise_aug_strength,
        "poster_path": poster,
        "last_frame_path": last,
        "seam": "each chunk after the first drops its first frame (the previous last frame)",
    }
    width, height = frames[0].size
    row = {
        "sha256": digest,
        "path": relative,
        "media_type": VIDEO_MEDIA_TYPE,
        "job_id": job.id,
        "variant": variant,
        "parent_id": parent_id,
        "tier": f"video-{params['size']}",
        "model_id": result.model_id,
        "scheduler": result.scheduler,
        "prompt": params.get("prompt"),
        "negative_prompt": None,
        "seed": chunk_seeds[0],
        "width": width - width % 2,
        "height": height - height % 2,
        "steps": result.steps,
        "guidance": None,
        "strength": None,
        "user_id": job.user_id,
        "channel_id": job.channel_id,
        "thread_ts": job.thread_ts,
        "created_at": time.time(),
        "frames": len(frames),
        "fps": float(result.fps),
        "motion": result.motion,
        "duration_s": len(frames) / result.fps,
        "video": json.dumps(recipe, sort_keys=True),
    }
    with store.write() as db:
        row["id"] = db["assets"].insert(row).last_pk
    return row
