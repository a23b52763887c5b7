"""What a LoRA costs per job: the same draft with and without it, side by side.

    HF_HUB_OFFLINE=1 python -m bench.lora_overhead [--repeat 5] [--side 128] [--n 4]

A LoRA is loaded (load_lora_weights + set_adapters) right before the call that asked for it and
unloaded right after, so other jobs on the worker are untouched; this prints what that costs
against the plain call, as medians of paired rounds (plain, then LoRA, alternating), with the
tiny family and a tiny LoRA built in code. On a real family the load is dominated by reading
the LoRA file; rerun with your own.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from models.request import GenerationRequest, LoraUse
from models.runner import ModelRunner
from models.tiny_lora import write_tiny_lora


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--side", type=int, default=128)
    parser.add_argument("--n", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a busy neighbour on a shared CPU skews multi-thread timings
    runner = ModelRunner("tiny", device="cpu")
    runner.warm()
    with tempfile.TemporaryDirectory() as tmp:
        lora = LoraUse("bench", str(write_tiny_lora(Path(tmp))), 0.8)
        plain = GenerationRequest(
            tier="draft",
            prompt="a red fox",
            width=args.side,
            height=args.side,
            seeds=tuple(range(args.n)),
        )
        styled = GenerationRequest(**{**plain.__dict__, "loras": (lora,)})
        runner.generate(plain)  # warm-up: kernel selection
        runner.generate(styled)
        rounds: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            runner.generate(plain)
            middle = time.perf_counter()
            runner.generate(styled)
            rounds.append((middle - started, time.perf_counter() - middle))
    plain_s = statistics.median(r[0] for r in rounds)
    lora_s = statistics.median(r[1] for r in rounds)
    print(f"tiny draft, {args.n} images at {args.side}², median of {args.repeat} paired rounds")
    print(f"  plain call      {plain_s * 1000:8.1f} ms")
    print(f"  with one LoRA   {lora_s * 1000:8.1f} ms  (load + set_adapters + call + unload)")
    print(f"  LoRA overhead   {(lora_s - plain_s) * 1000:8.1f} ms per job")


if __name__ == "__main__":
    main()
