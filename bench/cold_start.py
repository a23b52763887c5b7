"""Cold start of the playground: seconds from `dailies serve` to the first variant on the page.

What a newcomer waits for after the README's first command, with the tiny family (no GPU, no
download): the process starts, prints its URL, a `/draft` is typed, and the first variant's
image is served to the page. Measured over fresh processes and fresh DAILIES_HOMEs, side by side
with `dailies --help` (what a CLI call costs before any model is imported).

Run: python bench/cold_start.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[1]


def _env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DAILIES_"))}
    env.update(DAILIES_HOME=home, DAILIES_MODELS="tiny", HF_HUB_OFFLINE="1")
    return env


def _first_variant(url: str) -> str | None:
    state = json.loads(urlopen(url + "api/state?user=U0BOB", timeout=30).read())
    for message in state["messages"]:
        for block in message["blocks"]:
            if block.get("block_id") == "variant_1":
                return state["files"][block["slack_file"]["id"]]
    return None


def one_round() -> tuple[float, float, float]:
    """(seconds to the printed URL, seconds from /draft to the first variant, total)."""
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "handlers.cli", "serve", "--port", "0"],
            cwd=ROOT,
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            line = proc.stdout.readline()
            if "open http" not in line:
                raise SystemExit(f"dailies serve did not start: {line!r}")
            url = line.split("open ", 1)[1].split()[0]
            up = time.perf_counter()
            body = json.dumps(
                {"user": "U0BOB", "channel": "C0DESIGN", "text": "/draft a red sneaker --n 4"}
            ).encode()
            urlopen(Request(url + "api/post", data=body, method="POST"), timeout=60).read()
            while (image := _first_variant(url)) is None:
                time.sleep(0.05)
            urlopen(url.rstrip("/") + image, timeout=30).read()
            done = time.perf_counter()
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        return up - started, done - up, done - started


def help_seconds() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "handlers.cli", "--help"],
        cwd=ROOT,
        env=_env(tempfile.gettempdir()),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rounds = [one_round() for _ in range(args.rounds)]
    helps = [help_seconds() for _ in range(args.rounds)]
    med = [statistics.median(column) for column in zip(*rounds, strict=True)]
    print(f"cold start, tiny family, median of {args.rounds} fresh processes and homes:")
    print(f"  dailies --help                      {statistics.median(helps):6.2f} s")
    print(f"  dailies serve → URL printed         {med[0]:6.2f} s")
    print(f"  /draft --n 4 → first variant served {med[1]:6.2f} s")
    print(f"  dailies serve → first variant       {med[2]:6.2f} s")


if __name__ == "__main__":
    main()
