"""Library speed: ``/dailies find`` latency at 100 000 assets and export throughput, measured.

find: a store with N assets (prompts drawn from a vocabulary, four variants per job, some tagged,
some approved, some voted, spread over 12 channels and 30 days) built through the real
migrations and FTS5 triggers; then the same search function the bot calls, over a mix of
queries (words; words + a person; words + approved; a tag; only a filter, newest first), each
timed. Goal: p99 < 200 ms. Slack calls (privacy checks, permalinks) are not counted here.
export: a package of M full-size PNGs written as the bot writes it; MB/s of files packaged.

Run: python bench/find.py [--assets 100000] [--queries 300] [--export-files 60] [--side 1024]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image

from bot.library import export
from bot.library.search import parse_query, search
from bot.store.assets import write_content_addressed
from bot.store.database import Store

WORDS = [
    "teapot",
    "sneaker",
    "marble",
    "lantern",
    "harbour",
    "kite",
    "dune",
    "crane",
    "lemon",
    "tree",
    "velvet",
    "chair",
    "copper",
    "glass",
    "brass",
    "kettle",
    "lighthouse",
    "desert",
    "road",
    "paper",
    "neon",
    "city",
    "forest",
    "mountain",
    "river",
    "night",
    "dusk",
    "dawn",
    "red",
    "blue",
    "gold",
    "silver",
    "matte",
    "glossy",
    "studio",
    "product",
    "shot",
    "portrait",
    "macro",
    "wide",
    "cinematic",
    "soft",
    "light",
    "shadow",
    "fog",
    "rain",
    "snow",
    "beach",
    "sunset",
    "launch",
    "hero",
    "poster",
    "banner",
    "label",
    "bottle",
    "can",
    "shoe",
    "watch",
    "phone",
    "chair",
    "lamp",
    "sofa",
    "rug",
    "vase",
    "plant",
    "cat",
    "dog",
    "horse",
    "bird",
    "fish",
    "robot",
    "castle",
    "bridge",
]
CHANNELS = [f"C{i:04d}" for i in range(12)]
USERS = [f"U{i:03d}" for i in range(40)]


def build_store(path: Path, count: int, rng: random.Random) -> Store:
    store = Store(path)
    now = time.time()
    jobs_rows, assets_rows = [], []
    for job_id in range(1, count // 4 + 1):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        channel, user = rng.choice(CHANNELS), rng.choice(USERS)
        created = now - rng.random() * 30 * 86400
        jobs_rows.append(
            {
                "id": job_id,
                "kind": "draft",
                "status": "done",
                "params": f'{{"prompt": "{prompt}"}}',
                "user_id": user,
                "channel_id": channel,
                "thread_ts": f"{int(created)}.000100",
                "created_at": created,
            }
        )
        for variant in range(1, 5):
            approved = rng.random() < 0.02
            assets_rows.append(
                {
                    "sha256": f"{job_id:032x}{variant:032x}",
                    "path": f"x/{job_id}-{variant}.png",
                    "media_type": "image/png",
                    "job_id": job_id,
                    "variant": variant,
                    "tier": "final" if approved else "draft",
                    "model_id": "bench",
                    "prompt": prompt,
                    "seed": job_id * 4 + variant,
                    "width": 512,
                    "height": 512,
                    "user_id": user,
                    "channel_id": channel,
                    "thread_ts": f"{int(created)}.000100",
                    "created_at": created,
                    "approved": int(approved),
                    "approved_by": rng.choice(USERS) if approved else None,
                    "tags": " ".join(sorted({rng.choice(WORDS[:20])}))
                    if rng.random() < 0.05
                    else "",
                }
            )
    with store.write() as db:
        db["jobs"].insert_all(jobs_rows, batch_size=2000)
        db["assets"].insert_all(assets_rows, batch_size=2000)
        votes = [
            {
                "asset_id": rng.randint(1, len(assets_rows)),
                "user_id": u,
                "source": "button",
                "created_at": now,
            }
            for u in USERS
            for _ in range(50)
        ]
        db["votes"].insert_all(votes, batch_size=2000, ignore=True)
    return store


def queries(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
        kind = i % 5
        if kind == 1:
            words += f" by <@{rng.choice(USERS)}>"
        elif kind == 2:
            words += " approved since 7d"
        elif kind == 3:
            words = f"tag:{rng.choice(WORDS[:20])}"
        elif kind == 4:
            words = f"by <@{rng.choice(USERS)}> since 2d"
        out.append(words)
    return out


def bench_find(count: int, n_queries: int) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        store = build_store(Path(tmp) / "bench.db", count, rng)
        built = time.perf_counter() - started
        print(f"find: {count} assets stored and indexed in {built:.1f} s ({count / built:.0f}/s)")
        times = []
        hits = 0
        for text in queries(rng, n_queries):
            query = parse_query(text)
            started = time.perf_counter()
            hits += len(search(store, query, CHANNELS[:10]))
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
        print(
            f"find: {n_queries} queries · p50 {p(0.5):.1f} ms · p90 {p(0.9):.1f} ms · "
            f"p99 {p(0.99):.1f} ms · max {times[-1]:.1f} ms · mean "
            f"{statistics.mean(times):.1f} ms · {hits / n_queries:.1f} hits/query "
            f"(goal p99 < 200 ms: {'met' if p(0.99) < 200 else 'NOT met'})"
        )


def bench_export(files: int, side: int) -> None:
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        store = Store(home / "export.db")
        assets_dir = home / "assets"
        selected = []
        with store.write() as db:
            job_id = (
                db["jobs"]
                .insert(
                    {
                        "kind": "draft",
                        "status": "done",
                        "params": '{"prompt": "bench"}',
                        "created_at": time.time(),
                    }
                )
                .last_pk
            )
            for variant in range(1, files + 1):
                # photo-like: smooth gradients plus noise, so PNG sizes are realistic
                base = np.linspace(0, 255, side, dtype=np.float32)
                pixels = (base[None, :, None] + rng.normal(0, 12, (side, side, 3))).clip(0, 255)
                buffer = io.BytesIO()
                Image.fromarray(pixels.astype(np.uint8)).save(
                    buffer, format="PNG", compress_level=1
                )
                digest, relative = write_content_addressed(assets_dir, buffer.getvalue(), ".png")
                row = {
                    "sha256": digest,
                    "path": relative,
                    "media_type": "image/png",
                    "job_id": job_id,
                    "variant": variant,
                    "tier": "final",
                    "prompt": "bench",
                    "seed": variant,
                    "width": side,
                    "height": side,
                    "created_at": time.time(),
                }
                row["id"] = db["assets"].insert(row).last_pk
                selected.append(row)
        out = home / "pkg.zip"
        started = time.perf_counter()
        pkg = export.build(store, assets_dir, selected, 0, out)
        seconds = time.perf_counter() - started
        mb = pkg.file_bytes / 1e6
        started = time.perf_counter()
        export.contact_sheet_png(assets_dir, pkg)
        sheet = time.perf_counter() - started
        print(
            f"export: of which the contact sheet (decoding {min(files, export.MAX_SHEET)} PNGs) "
            f"{sheet:.2f} s; without it {mb / max(1e-9, seconds - sheet):.0f} MB/s"
        )
        print(
            f"export: {files} PNGs of {side}² ({mb:.0f} MB of files) → "
            f"{out.stat().st_size / 1e6:.0f} MB zip in {seconds:.2f} s · "
            f"{mb / seconds:.0f} MB/s (incl. lineage, manifest, contact sheet)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--export-files", type=int, default=60)
    parser.add_argument("--side", type=int, default=1024)
    args = parser.parse_args()
    bench_find(args.assets, args.queries)
    bench_export(args.export_files, args.side)


if __name__ == "__main__":
    main()
