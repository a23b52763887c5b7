"""Overhead of the whole bot path over a bare diffusers call, side by side in one run.

Bare: the same tiny StableDiffusionXLPipeline object, same prompt, size, steps and seeds, called
directly. Bot: /draft as a signed HTTP command → job row → worker → PNG assets + rows → upload via
files_upload_v2 → variants message in the thread, timed from the command until the message exists.
The imitation's file-processing delay is set to 0 so only our own work is counted.
Goal: ≤ 5 % at 512 px. Run: python bench/bot_overhead.py [--rounds 5] [--side 512] [--n 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from bot.playground.slack_api import SlackImitation
from models.runner import ModelRunner
from tests.handlers.conftest import start_bot

PROMPT = "a red sneaker on wet marble"


def bare(runner: ModelRunner, side: int, seeds: list[int], steps: int) -> float:
    pipe = runner.pipeline("draft")
    guidance = runner.family.tiers["draft"].guidance
    started = time.perf_counter()
    for seed in seeds:
        pipe(
            prompt=PROMPT,
            width=side,
            height=side,
            num_inference_steps=steps,
            guidance_scale=guidance,
            generator=torch.Generator("cpu").manual_seed(seed),
        ).images[0]
    return time.perf_counter() - started


def through_bot(bot, seeds: list[int], steps: int) -> float:
    before = len(bot.root_messages())
    started = time.perf_counter()
    bot.sender.command("/draft", f"{PROMPT} --n {len(seeds)} --seed {seeds[0]} --steps {steps}")
    root = bot.slack.wait_for(
        lambda: bot.root_messages()[before] if len(bot.root_messages()) > before else None,
        timeout=120,
        interval=0.002,
    )
    bot.wait_for_variants_fast(root["ts"])
    return time.perf_counter() - started


def ms(values: list[float]) -> str:
    return ", ".join(f"{v * 1000:.0f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--steps", type=int, default=2)
    args = parser.parse_args()
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    with tempfile.TemporaryDirectory() as home, SlackImitation(file_share_delay=0.0) as slack:
        bot = start_bot(
            Path(home),
            slack,
            lambda device: runner,
            draft_side=args.side,
            progress_interval_s=1.0,
        )

        def wait_for_variants_fast(thread_ts: str) -> None:
            bot.slack.wait_for(
                lambda: any(
                    b.get("type") == "image"
                    for m in bot.bot_replies("C1", thread_ts)
                    for b in m.get("blocks") or []
                ),
                timeout=120,
                interval=0.002,
            )

        bot.wait_for_variants_fast = wait_for_variants_fast
        try:
            seeds = list(range(100, 100 + args.n))
            through_bot(bot, seeds, args.steps)  # warm-up: first-call costs on both paths
            bare(runner, args.side, seeds, args.steps)
            bare_s, bot_s = [], []
            for round_ in range(args.rounds):
                seeds = [1000 * round_ + i for i in range(args.n)]
                bare_s.append(bare(runner, args.side, seeds, args.steps))
                bot_s.append(through_bot(bot, seeds, args.steps))
        finally:
            bot.stop()
    b, o = statistics.median(bare_s), statistics.median(bot_s)
    # Each round runs both paths back to back, so its ratio cancels slow drifts of the machine.
    ratios = sorted(bot / bare for bot, bare in zip(bot_s, bare_s, strict=True))
    print(
        f"{args.n} images × {args.steps} steps at {args.side}×{args.side}, tiny family, "
        f"{args.rounds} alternating rounds:"
    )
    print(f"  bare diffusers calls: {b * 1000:.0f} ms   (rounds: {ms(bare_s)})")
    print(f"  whole bot path:       {o * 1000:.0f} ms   (rounds: {ms(bot_s)})")
    print(f"  overhead (ratio of medians): {(o / b - 1) * 100:+.1f} %")
    print(
        f"  overhead (median of paired rounds): {(statistics.median(ratios) - 1) * 100:+.1f} %"
        f"  [quartiles {(ratios[len(ratios) // 4] - 1) * 100:+.1f} % … "
        f"{(ratios[3 * len(ratios) // 4] - 1) * 100:+.1f} %]  (goal ≤ 5 %)"
    )


if __name__ == "__main__":
    main()
