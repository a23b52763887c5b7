"""The playground without a browser: its state survives a restart, `dailies history` reads its
threads, and `dailies serve` with no Slack tokens serves it at the printed URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

from bot.config import Settings
from bot.playground.people import PEOPLE, START_CHANNELS
from handlers.cli import run_history
from tests.handlers.playground_helpers import start_playground

ROOT = Path(__file__).resolve().parents[2]
DESIGN = START_CHANNELS["design"]
BOB = PEOPLE[1].id


def _variants(playground):
    def found():
        for m in playground.slack.messages(DESIGN):
            if any(b.get("block_id") == "variant_1" for b in m.get("blocks") or []):
                return m
        return None

    return playground.slack.wait_for(found, timeout=120)


def test_a_restart_shows_the_same_conversation_and_history_reads_it(tmp_path, tiny_runner):
    home = tmp_path / "home"
    first = start_playground(tmp_path, tiny_runner, home=home)
    try:
        first.workspace.post(BOB, DESIGN, "/draft a blue kettle --n 1")
        variants = _variants(first)
        image_id = next(b for b in variants["blocks"] if b.get("block_id") == "variant_1")[
            "slack_file"
        ]["id"]
        first.workspace.create_channel("launch")
    finally:
        first.stop()
    before = first.slack.messages(DESIGN)

    again = start_playground(tmp_path, tiny_runner, home=home)
    try:
        after = again.slack.messages(DESIGN)
        assert [(m["ts"], m.get("text")) for m in after] == [
            (m["ts"], m.get("text")) for m in before
        ]
        assert again.slack.file_bytes(image_id)[:8] == b"\x89PNG\r\n\x1a\n"
        assert "launch" in again.workspace.page_state()["channels"]
        # The approver was set once, on the first start, not again.
        notes = [e for e in again.slack.ephemerals if "can promote" in e["text"]]
        assert len(notes) == 1
        root_ts = variants["thread_ts"]
        settings = Settings(home=home, models="tiny")
        lineage = run_history(settings, None, DESIGN, root_ts)
        assert "a blue kettle" in lineage
        # The bot still answers in the old thread: a reply after the restart is its v2.
        again.workspace.post(BOB, DESIGN, "make it night", thread_ts=root_ts)
        again.slack.wait_for(
            lambda: any(
                "v2" in (m.get("text") or "") and m.get("blocks")
                for m in again.slack.thread(DESIGN, root_ts)
                if any(b.get("block_id") == "variant_1" for b in m.get("blocks") or [])
            ),
            timeout=120,
        )
    finally:
        again.stop()


def test_serve_without_tokens_prints_the_playground_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DAILIES_"))}
    env.update(
        DAILIES_HOME=str(tmp_path / "home"),
        DAILIES_MODELS="tiny",
        OMP_NUM_THREADS="1",
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "handlers.cli", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # blocks until the playground is up (or the process ends)
        assert line.startswith("dailies playground: open http://127.0.0.1:"), (
            line + proc.stderr.read() if proc.poll() is not None else line
        )
        url = line.split("open ", 1)[1].split()[0]
        page = urlopen(url, timeout=30).read().decode()
        assert "Acting as" in page
        state = json.loads(urlopen(url + "api/state", timeout=30).read())
        assert state["family"] == "tiny" and "noise from random weights" in state["banner"]
        assert [c["name"] for c in state["channels"]] == ["design", "social"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "model family tiny" in err
    assert "torchvision" not in err and "Warning" not in err  # no third-party noise
