"""Batching on CPU, side by side in one run (tiny family, 128 px, torch pinned to 1 thread).

1. One request of n=4 variants: one batched call (``ModelRunner.generate``, all seeds at once)
   vs a loop of four one-seed calls. Goal: ≥ 1.5× faster.
2. 16 people's 1-variant drafts queued at once, through the real engine (rows, claim, call,
   PNGs, asset rows): with cross-request batching vs without (``DAILIES_CROSS_BATCH=off``).
   Goal: ≥ 1.5× the throughput.
Rounds alternate the two sides, so a busy neighbour slows both alike.
Each person has their own prompt, so nothing is shared but the UNet batch. On the tiny family
the per-image costs batching cannot share (the VAE decode, ~40-70 ms per 128 px image on one
core, and one prompt encoding per request, ~20 ms) bound the cross-request gain; ``--decoder
taesd`` shows it with the cheaper decoder.
Run: python bench/batching.py [--rounds 5] [--side 128] [--steps 2] [--decoder vae|taesd]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from bench.engine_runs import PROMPTS, Run, run_requests
from models.request import GenerationRequest
from models.runner import ModelRunner


def one_call(runner: ModelRunner, request: GenerationRequest) -> float:
    started = time.perf_counter()
    runner.generate(request)
    return time.perf_counter() - started


def loop(runner: ModelRunner, request: GenerationRequest) -> float:
    started = time.perf_counter()
    for seed in request.seeds:
        runner.generate(GenerationRequest(**{**request.__dict__, "seeds": (seed,)}))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--side", type=int, default=128)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--decoder", choices=("vae", "taesd"), default="vae")
    args = parser.parse_args()
    torch.set_num_threads(1)  # a busy neighbour makes 2 threads erratic (MODELS_NOTES.md)
    runner = ModelRunner("tiny", device="cpu", draft_decoder=args.decoder)
    runner.warm()
    request = GenerationRequest(
        "draft", PROMPTS[0], args.side, args.side, (1, 2, 3, 4), steps=args.steps
    )
    people = [(f"U{n}", 1) for n in range(args.people)]
    kwargs = {"side": args.side, "steps": args.steps}
    one_call(runner, request), loop(runner, request)  # warm-up
    batched_s, looped_s, merged, alone = [], [], [], []
    for _ in range(args.rounds):
        batched_s.append(one_call(runner, request))
        looped_s.append(loop(runner, request))
        merged.append(run_requests(runner, people, cross_batch=True, **kwargs))
        alone.append(run_requests(runner, people, cross_batch=False, **kwargs))

    b, lo = statistics.median(batched_s), statistics.median(looped_s)
    print(
        f"tiny family, {args.side}×{args.side}, {args.steps} steps, 1 torch thread, "
        f"{args.rounds} alternating rounds (medians), max batch {runner.max_batch}, "
        f"draft decoder {args.decoder}:"
    )
    print(f"  n=4 in one call:      {b * 1000:7.0f} ms")
    print(f"  n=4 as a loop of 1s:  {lo * 1000:7.0f} ms")
    print(f"  speed-up:             {lo / b:7.2f}×  (goal ≥ 1.5×)")

    def line(name: str, runs: list[Run]) -> float:
        rate = statistics.median(r.images_per_s for r in runs)
        p50 = statistics.median(r.percentile(50) for r in runs)
        p95 = statistics.median(r.percentile(95) for r in runs)
        print(
            f"  {name:<22}{rate:7.2f} images/s   claimed→saved p50 {p50 * 1000:5.0f} ms, "
            f"p95 {p95 * 1000:5.0f} ms"
        )
        return rate

    print(f"{args.people} people's 1-variant drafts queued at once, through the engine:")
    with_rate = line("cross-request batches", merged)
    without_rate = line("one job at a time", alone)
    print(f"  throughput gain:      {with_rate / without_rate:7.2f}×  (goal ≥ 1.5×)")


if __name__ == "__main__":
    main()
