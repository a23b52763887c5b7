"""Drafts on a GPU, on the real SDXL-Turbo architecture: naive vs this project's path, side by side.

The UNet, VAE, TAESD and both text encoders are built from their published configs (vendored in
bench/configs/*.json) with random weights — no download; compute does not depend on the weights'
values, so the timings are honest. Both paths run through the real engine (job rows, fair claim,
pipeline, decode, PNG + file + asset row):
- naive: batch 1 (one pipeline call per image), full VAE, no compile, one job at a time;
- project: all of a job's seeds in one call, compatible jobs merged (cross-request batching),
  TAESD decoder, optionally torch.compile / channels_last.
Scenarios: one request of 4 variants at 512², 1 step; 16 people's 1-variant requests at once.
Prints images/s, p50/p95 latency claimed → PNGs saved (and queued → saved), and the fraction of
the FLOP floor (FLOPs counted on the architecture with torch's FlopCounterMode; peak from the
device spec table below).
Run on a GPU:  python bench/gpu_drafts.py [--rounds 10] [--compile] [--channels-last] [--out F]
In CI:         python bench/gpu_drafts.py --cpu-smoke   (the same code path with tiny shapes)
Goals (H100/H200): project ≥ 3× naive images/s; one 4-variant request ≤ 150 ms p50; ≥ 30 % of
the FLOP floor.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from diffusers import (
    AutoencoderKL,
    AutoencoderTiny,
    EulerAncestralDiscreteScheduler,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from torch.utils.flop_counter import FlopCounterMode
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

from bench.engine_runs import Run, repeat, run_requests
from models import runner as runners
from models.presets import DRAFT, get_family
from models.speed import attention_backends
from models.tiny import build_tokenizer

CONFIGS = Path(__file__).resolve().parent / "configs"
TAESD_ID = "madebyollin/taesdxl (architecture, random weights)"
# Dense BF16 tensor-core peaks from the vendors' datasheets (TFLOP/s); first match wins.
PEAK_TFLOPS = (
    ("H200", 989.0),
    ("H100 PCIe", 756.0),
    ("H100 NVL", 835.0),
    ("H100", 989.0),  # SXM
    ("A100", 312.0),
    ("L40S", 362.0),
    ("L4", 121.0),
)
SCHEDULE = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "steps_offset": 1,
}


def config(name: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    values = json.loads((CONFIGS / f"{name}.json").read_text())
    values = {k: v for k, v in values.items() if not k.startswith("_")}
    return {**values, **(overrides or {})}


@dataclasses.dataclass
class Parts:
    pipe: StableDiffusionXLPipeline
    taesd: AutoencoderTiny


def build(device: str, dtype: torch.dtype, smoke: bool) -> Parts:
    """SDXL-Turbo's modules from their configs, initialised on the device (seconds on a GPU)."""
    shrink = json.loads((CONFIGS / "cpu_smoke.json").read_text()) if smoke else {}
    torch.manual_seed(0)
    with torch.device(device):
        unet = UNet2DConditionModel(**config("sdxl_turbo_unet", shrink.get("unet")))
        vae = AutoencoderKL(**config("sdxl_vae", shrink.get("vae")))
        taesd = AutoencoderTiny(**config("taesdxl", shrink.get("taesd")))
        encoders = [
            cls(CLIPTextConfig(**config(f"sdxl_{name}", shrink.get(name))))
            for cls, name in (
                (CLIPTextModel, "text_encoder"),
                (CLIPTextModelWithProjection, "text_encoder_2"),
            )
        ]
    if dtype == torch.bfloat16:
        vae.register_to_config(force_upcast=False)  # bf16 has fp32's range
    tokenizer = build_tokenizer()  # byte-level; its ids fit the real 49408-entry vocabulary
    pipe = StableDiffusionXLPipeline(
        vae=vae,
        text_encoder=encoders[0],
        text_encoder_2=encoders[1],
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=unet,
        scheduler=EulerAncestralDiscreteScheduler(**SCHEDULE, timestep_spacing="trailing"),
        add_watermarker=False,
    )
    quiet = logging.getLogger("diffusers.models.modeling_utils")
    quiet.setLevel(logging.ERROR)  # "modules that should be kept in float32: []" on every cast
    pipe.to(device, dtype)
    pipe.set_progress_bar_config(disable=True)
    return Parts(pipe, taesd.to(device, dtype))


def flops(parts: Parts, side: int, device: str) -> dict[str, float]:
    """FLOPs of one image's UNet step, each decoder, and one prompt's encoding."""
    pipe, unet = parts.pipe, parts.pipe.unet
    cfg = unet.config
    latent = torch.randn(1, 4, side // 8, side // 8, device=device, dtype=unet.dtype)
    pooled = cfg.projection_class_embeddings_input_dim - 6 * cfg.addition_time_embed_dim

    def count(fn: Any) -> float:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            fn()
        return float(counter.get_total_flops())

    return {
        "unet_step": count(
            lambda: unet(
                latent,
                torch.tensor([999], device=device),
                encoder_hidden_states=torch.randn(
                    1, 77, cfg.cross_attention_dim, device=device, dtype=unet.dtype
                ),
                added_cond_kwargs={
                    "text_embeds": torch.randn(1, pooled, device=device, dtype=unet.dtype),
                    "time_ids": torch.zeros(1, 6, device=device, dtype=unet.dtype),
                },
            )
        ),
        "vae_decode": count(lambda: pipe.vae.decode(latent)),
        "taesd_decode": count(lambda: parts.taesd.decode(latent)),
        "text": count(
            lambda: pipe.encode_prompt(
                "a red sneaker", device=torch.device(device), do_classifier_free_guidance=False
            )
        ),
    }


def peak_flops(device: str) -> tuple[str, float | None]:
    if not device.startswith("cuda"):
        return "CPU", None
    name = torch.cuda.get_device_name(device)
    for key, tflops in PEAK_TFLOPS:
        if key in name:
            return name, tflops * 1e12
    return name, None


def runner_for(parts: Parts, side: int, device: str, dtype: torch.dtype, **options: Any) -> Any:
    sdxl = get_family("sdxl")
    tier = dataclasses.replace(
        sdxl.tiers[DRAFT], native_side=side, model_id="bench/sdxl-turbo-architecture"
    )
    family = dataclasses.replace(sdxl, tiers={DRAFT: tier})
    # This process only: the sdxl family's loader hands out the modules built from configs.
    runners.LOADERS["sdxl"] = lambda *args, **kwargs: {DRAFT: parts.pipe}
    runner = runners.ModelRunner(family, device=device, dtype=dtype, **options)
    runner.use_fast_decoder(parts.taesd, TAESD_ID)
    runner.warm()
    return runner


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny shapes on the CPU")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--side", type=int, default=0, help="default 512 (64 with --cpu-smoke)")
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--max-batch", type=int, default=16)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.cpu_smoke:
        device, dtype, side = "cpu", torch.float32, args.side or 64
        torch.set_num_threads(1)
    else:
        if not torch.cuda.is_available():
            parser.error("needs a CUDA GPU; --cpu-smoke runs the same code path on the CPU")
        device, dtype, side = "cuda", torch.bfloat16, args.side or 512
    parts = build(device, dtype, args.cpu_smoke)
    counted = flops(parts, side, device)
    device_name, peak = peak_flops(device)
    paths = {
        "naive": ({"max_batch": 1, "draft_decoder": "vae", "slice_decode": True}, False),
        "project": (
            {
                "max_batch": args.max_batch,
                "draft_decoder": "taesd",
                "compile": args.compile,
                "channels_last": args.channels_last,
            },
            True,
        ),
    }
    scenarios = {
        "1 request x 4 variants": [("U0", 4)],
        f"{args.people} requests x 1 variant": [(f"U{n}", 1) for n in range(args.people)],
    }
    results: dict[str, Any] = {
        "device": device_name,
        "dtype": str(dtype).removeprefix("torch."),
        "side": side,
        "steps": args.steps,
        "flops": counted,
        "peak_flops": peak,
        "attention": sorted(attention_backends(parts.pipe.unet)),
        "scenarios": {},
    }
    for name, (options, cross) in paths.items():  # naive first: compile changes modules in place
        runner = runner_for(parts, side, device, dtype, **options)
        decoder = counted["taesd_decode" if options["draft_decoder"] == "taesd" else "vae_decode"]
        for scenario, requests in scenarios.items():
            per_prompt = len(requests) / sum(v for _, v in requests)
            per_image = counted["unet_step"] * args.steps + decoder + counted["text"] * per_prompt

            def once(
                requests: list[tuple[str, int]] = requests,
                cross: bool = cross,
                runner: Any = runner,
            ) -> Run:
                return run_requests(
                    runner, requests, side=side, steps=args.steps, cross_batch=cross
                )

            once()  # warm-up: allocator, cuDNN autotune, compile for this batch size
            run = repeat(args.rounds, once)
            achieved = run.images_per_s * per_image
            results["scenarios"].setdefault(scenario, {})[name] = {
                "images_per_s": run.images_per_s,
                "p50_ms": run.percentile(50) * 1000,
                "p95_ms": run.percentile(95) * 1000,
                "queued_p50_ms": run.percentile(50, run.waits_s) * 1000,
                "flops_per_image": per_image,
                "fraction_of_peak": achieved / peak if peak else None,
            }
    report(results, args)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    return results


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    f = results["flops"]
    print(
        f"{results['device']}, {results['dtype']}, {results['side']}², {results['steps']} step(s),"
        f" attention {'/'.join(results['attention'])}, compile {'on' if args.compile else 'off'},"
        f" channels_last {'on' if args.channels_last else 'off'}, max batch {args.max_batch}"
    )
    print(
        f"GFLOP per image: UNet step {f['unet_step'] / 1e9:.1f}, VAE decode "
        f"{f['vae_decode'] / 1e9:.1f}, TAESD decode {f['taesd_decode'] / 1e9:.1f}, "
        f"prompt {f['text'] / 1e9:.1f}; peak "
        + (f"{results['peak_flops'] / 1e12:.0f} TFLOP/s" if results["peak_flops"] else "n/a")
    )
    print(
        f"{'scenario':<26}{'path':<9}{'images/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'queued p50':>12}{'% of peak':>11}"
    )
    for scenario, paths in results["scenarios"].items():
        for name, r in paths.items():
            share = f"{r['fraction_of_peak'] * 100:.1f}" if r["fraction_of_peak"] else "n/a"
            print(
                f"{scenario:<26}{name:<9}{r['images_per_s']:>10.2f}{r['p50_ms']:>9.1f}"
                f"{r['p95_ms']:>9.1f}{r['queued_p50_ms']:>12.1f}{share:>11}"
            )
        gain = paths["project"]["images_per_s"] / paths["naive"]["images_per_s"]
        print(f"{'':<26}project / naive images/s: {gain:.2f}x (goal >= 3x)")
    if results["peak_flops"]:
        floor = 4 * results["scenarios"]["1 request x 4 variants"]["project"]["flops_per_image"]
        print(
            f"FLOP floor of one 4-variant request (project path): "
            f"{floor / results['peak_flops'] * 1000:.1f} ms (goal: p50 <= 150 ms)"
        )


if __name__ == "__main__":
    main()
