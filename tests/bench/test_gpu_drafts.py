"""bench/gpu_drafts.py's --cpu-smoke mode: the GPU benchmark's code path, with tiny shapes."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_gpu_benchmark_runs_both_paths_end_to_end_on_tiny_shapes(tmp_path):
    out = tmp_path / "figures.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "bench/gpu_drafts.py",
            "--cpu-smoke",
            "--rounds",
            "1",
            "--people",
            "4",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "project / naive images/s" in done.stdout
    figures = json.loads(out.read_text())
    # Real counts from the architecture (not zero), and both paths measured in both scenarios.
    assert figures["flops"]["vae_decode"] > figures["flops"]["taesd_decode"] > 0
    assert set(figures["scenarios"]) == {"1 request x 4 variants", "4 requests x 1 variant"}
    for paths in figures["scenarios"].values():
        assert set(paths) == {"naive", "project"}
        assert all(p["images_per_s"] > 0 and p["p95_ms"] >= p["p50_ms"] > 0 for p in paths.values())


def test_the_vendored_configs_are_sdxl_turbos_published_architecture():
    configs = ROOT / "bench" / "configs"
    unet = json.loads((configs / "sdxl_turbo_unet.json").read_text())
    assert unet["block_out_channels"] == [320, 640, 1280]
    assert unet["transformer_layers_per_block"] == [1, 2, 10]
    assert (unet["cross_attention_dim"], unet["addition_embed_type"]) == (2048, "text_time")
    vae = json.loads((configs / "sdxl_vae.json").read_text())
    assert (vae["block_out_channels"], vae["scaling_factor"]) == ([128, 256, 512, 512], 0.13025)
