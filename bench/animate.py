"""Frames per second of the video tier, at test-clip and HD sizes, plus MP4 encoding.

    HF_HUB_OFFLINE=1 python -m bench.animate [--family tiny] [--frames 12] [--repeat 3]

Test clips exist so a person can compare several seeds quickly; this prints how much cheaper
they are than the HD render, per family and device. The first call of each size is a warm-up
(kernel selection) and is not counted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from PIL import Image

from bot.media.video import encode_mp4
from models.runner import ModelRunner
from models.video import VideoRequest, video_preset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="tiny")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--aspect", default="16:9")
    args = parser.parse_args()
    aspect_w, aspect_h = map(int, args.aspect.split(":"))
    preset = video_preset(args.family)
    runner = ModelRunner(args.family)
    keyframe = Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (576, 1024, 3), dtype=np.uint8)
    )
    print(f"family {args.family} · {preset.model_id} · device {runner.device}")
    for label, hd in (("test", False), ("HD", True)):
        width, height = preset.size(aspect_w, aspect_h, hd=hd)
        request = VideoRequest(
            image=keyframe,
            width=width,
            height=height,
            num_frames=args.frames,
            fps=8,
            motion=5,
            seed=1,
        )
        runner.animate(request)  # warm-up
        seconds, frames = [], []
        for i in range(args.repeat):
            result = runner.animate(VideoRequest(**{**request.__dict__, "seed": i + 2}))
            seconds.append(result.timings["clip_s"])
            frames = result.frames
        started = time.perf_counter()
        encode_mp4(frames, fps=8)
        encode_s = time.perf_counter() - started
        median = statistics.median(seconds)
        print(
            f"{label:>4} {width}x{height} · {args.frames} frames · {result.steps} steps: "
            f"{median:.2f} s a clip, {args.frames / median:.1f} frames/s; "
            f"MP4 encode {encode_s * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
