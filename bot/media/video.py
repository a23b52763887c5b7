"""Frames to MP4 files that play everywhere people will open them, and back.

Slack plays an uploaded MP4 inline only when it is H.264; QuickTime and Safari also refuse
4:4:4 chroma and odd sizes, and browsers start playing before the download ends only when the
index (moov atom) comes first. So: libx264, yuv420p, even sides, `+faststart`, the clip's own
frame rate. CRF 18 is visually lossless, which matters because an extended clip is re-encoded
from its parent's decoded frames (at most a handful of times, see ``max_clip_extensions``).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image

CRF = 18


@dataclass(frozen=True)
class VideoInfo:
    """What a decoder sees in a file: the facts a test or a person checks."""

    width: int
    height: int
    fps: float
    frames: int
    duration_s: float


def even_size(width: int, height: int) -> tuple[int, int]:
    """yuv420p stores colour per 2x2 block, so both sides must be even."""
    return width - width % 2, height - height % 2


def encode_mp4(frames: Sequence[Image.Image], fps: int) -> bytes:
    """H.264/yuv420p MP4 bytes of ``frames`` (all one size) at ``fps`` frames per second."""
    if not frames:
        raise ValueError("a clip needs at least one frame")
    width, height = even_size(*frames[0].size)
    if width < 2 or height < 2:
        raise ValueError(f"frames of {frames[0].size} are too small to encode")
    fd, path = tempfile.mkstemp(prefix="dailies-clip-", suffix=".mp4")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(
            path,
            (width, height),
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            fps=fps,
            codec="libx264",
            quality=None,  # use our CRF, not imageio's bitrate-based quality scale
            macro_block_size=1,  # we made the sides even; never let it rescale
            ffmpeg_log_level="error",
            output_params=["-crf", str(CRF), "-preset", "medium", "-movflags", "+faststart"],
        )
        writer.send(None)  # start ffmpeg
        for frame in frames:
            rgb = frame.convert("RGB")
            if rgb.size != (width, height):
                if rgb.size[0] < width or rgb.size[1] < height:
                    raise ValueError(f"frame of {rgb.size} in a clip of {frames[0].size}")
                rgb = rgb.crop((0, 0, width, height))
            writer.send(np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8)))
        writer.close()
        return Path(path).read_bytes()
    finally:
        Path(path).unlink(missing_ok=True)


def decode_mp4(path: Path) -> tuple[VideoInfo, list[Image.Image]]:
    """The file's frames as RGB images, with what the container says about it."""
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    meta = next(reader)  # the first yield is the metadata
    width, height = meta["size"]
    frames = [
        Image.fromarray(np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3).copy())
        for raw in reader
    ]
    info = VideoInfo(
        width=width,
        height=height,
        fps=float(meta["fps"]),
        frames=len(frames),
        duration_s=float(meta.get("duration") or 0.0),
    )
    return info, frames


def png_bytes(image: Image.Image) -> bytes:
    """A poster or seam frame, lossless: an extension continues from these exact pixels."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()
