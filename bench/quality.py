"""What the quality features cost: the automatic QC flags per image, and stats over many assets.

    python -m bench.quality [--side 512] [--images 64] [--assets 100000]

Goals (issue 12): flags < 5 ms per 512 px image on a CPU; ``stats`` over 100 000 assets < 1 s.
Flags are timed per image of a batch of 4 (the hash comparisons with siblings included), with
and without a brand palette (the ΔE check is the existing palette code). Stats run on a
database of ``--assets`` synthetic assets with votes, marks and flags, once per kind of
question, and the chart is timed on its own (it is drawn after the answer is sent).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bot.quality.flags import Thresholds, batch_flags
from bot.quality.plots import stats_chart
from bot.quality.stats import compute_stats
from bot.quality.stats_query import parse_stats_words
from bot.store.database import Store

PALETTE = ["#0055FF", "#FFFFFF", "#111111"]


def photo_like(rng: np.random.Generator, side: int) -> Image.Image:
    """Smooth colour fields plus noise: detail a flag has to look at, not a solid colour."""
    y, x = np.mgrid[0:side, 0:side] / side
    base = np.stack([np.sin(6 * x + rng.random()), np.cos(5 * y), np.sin(4 * (x + y))], -1)
    noise = rng.normal(0, 0.1, (side, side, 3))
    return Image.fromarray(np.clip((base * 0.4 + 0.5 + noise) * 255, 0, 255).astype(np.uint8))


def time_flags(side: int, count: int, palette: list[str] | None) -> list[float]:
    rng = np.random.default_rng(0)
    images = [photo_like(rng, side) for _ in range(4)]
    batch_flags(images, Thresholds(), palette=palette)  # warm-up
    per_image = []
    for _ in range(max(1, count // 4)):
        started = time.perf_counter()
        batch_flags(images, Thresholds(), palette=palette)
        per_image.append((time.perf_counter() - started) / len(images) * 1000)
    return per_image


def seed_assets(store: Store, count: int) -> None:
    rng = random.Random(0)
    now = time.time()
    with store.write() as db:
        db["jobs"].insert(
            {"id": 1, "kind": "draft", "status": "done", "params": "{}", "created_at": now}
        )
        db["recipes"].insert({"id": 1, "name": "hero", "template": "x", "tier": "draft"})
        assets = [
            {
                "id": i,
                "sha256": str(i),
                "path": "x",
                "job_id": 1,
                "variant": i,
                "seed": i,
                "width": 512,
                "height": 512,
                "tier": "final" if i % 20 == 0 else "draft",
                "model_id": rng.choice(["sdxl-turbo", "sdxl-base"]),
                "user_id": f"U{i % 30}",
                "channel_id": f"C{i % 5}",
                "thread_ts": f"{i // 8}.0",
                "recipe_id": 1 if i % 3 == 0 else None,
                "parent_id": i - 1 if i % 20 == 0 else None,
                "approved": int(i % 20 == 0),
                "approved_at": now - rng.random() * 6 * 86400 if i % 20 == 0 else None,
                "created_at": now - rng.random() * 7 * 86400,
                "device_s": rng.uniform(0.3, 4.0),
                "device_kind": "NVIDIA H200",
            }
            for i in range(1, count + 1)
        ]
        db["assets"].insert_all(assets, batch_size=2000)
        db["votes"].insert_all(
            (
                {"asset_id": i, "user_id": "U1", "source": "button", "created_at": now}
                for i in range(1, count + 1, 7)
            ),
            batch_size=2000,
        )
        db["qc_marks"].insert_all(
            (
                {
                    "asset_id": i,
                    "user_id": "U2",
                    "mark": "reject" if i % 2 else "usable",
                    "created_at": now,
                }
                for i in range(1, count + 1, 5)
            ),
            batch_size=2000,
        )
        db["qc_flags"].insert_all(
            (
                {"asset_id": i, "flag": "flat", "value": 1.0, "threshold": 30.0}
                for i in range(1, count + 1, 11)
            ),
            batch_size=2000,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--assets", type=int, default=100_000)
    args = parser.parse_args()

    print(f"QC flags per {args.side}² image (batch of 4), ms: median · p90")
    for label, palette in (("no palette", None), ("with palette (ΔE)", PALETTE)):
        times = sorted(time_flags(args.side, args.images, palette))
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"  {label:<20} {statistics.median(times):6.2f} · {p90:6.2f}   (goal < 5 ms)")

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db")
        started = time.perf_counter()
        seed_assets(store, args.assets)
        print(
            f"\nstats over {args.assets:,} assets (seeded in {time.perf_counter() - started:.1f} s)"
        )
        for words in ("all", "", "all by recipe", "all by user", "all 30d by model"):
            query = parse_stats_words(words, "C1")
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                stats = compute_stats(store, query, gpu_rate=3.0)
                runs.append(time.perf_counter() - started)
            print(
                f"  stats {words or '(this channel, 7d)':<22} {min(runs) * 1000:7.0f} ms "
                f"({stats.total.generated:,} assets)   (goal < 1000 ms)"
            )
        started = time.perf_counter()
        stats_chart(stats, "bench")
        print(f"  chart (drawn after the answer)  {(time.perf_counter() - started) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
