"""SIGTERM (what every container and systemd stop sends) drains instead of killing: `dailies
serve` stops taking requests, lets the running job reach a step boundary, flushes its Slack
calls and exits 0; the job left over resumes at the next start and is posted once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

from bot.jobs import rows as jobs
from bot.playground.slack_api import SlackSender
from bot.store.database import Store
from tests.handlers.conftest import SIGNING_SECRET, start_bot
from tests.handlers.test_cli import ROOT


def test_sigterm_drains_exits_0_and_the_job_left_resumes(tmp_path, slack, tiny_runner):
    home = tmp_path / "home"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DAILIES_"))}
    environ.update(
        {
            "DAILIES_HOME": str(home),
            "DAILIES_MODELS": "tiny",
            "HF_HUB_OFFLINE": "1",
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "DAILIES_SHUTDOWN_GRACE": "20",
            "DAILIES_DRAFT_SIDE": "512",  # slow enough to be mid-job at SIGTERM
        }
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "handlers.cli",
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        cwd=ROOT,
        env=environ,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    port = None
    while port is None:
        line = proc.stderr.readline()
        assert line, f"serve ended before listening: {''.join(lines)}"
        lines.append(line)
        if found := re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line):
            port = int(found.group(1))
    rest: list[str] = []
    reader = threading.Thread(target=lambda: rest.extend(proc.stderr), daemon=True)
    reader.start()
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, imitation=slack)
    sent = sender.command("/draft", "a slow lighthouse --n 8 --steps 8")
    assert sent.status == 200 and not sent.body, sent.body
    root = slack.wait_for(
        lambda: (
            [
                m
                for m in slack.messages("C1", top_level_only=True)
                if "Rendering · step" in str(m.get("blocks"))
            ]
            or None
        ),
        timeout=60,
    )[0]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    reader.join(5)
    log = "".join(lines + rest)
    assert "Traceback" not in log, log
    assert "SIGTERM received: stopping" in log
    job = jobs.get_job(Store(home / "dailies.db"), 1)
    if job.status == jobs.QUEUED:  # it stopped at a step boundary: it resumes, not restarts count
        assert job.resumes == 0
        assert "1 job(s) will resume" in log
        again = start_bot(tmp_path, slack, lambda device: tiny_runner)
        try:
            again.wait_for_variants("C1", root["ts"], timeout=180)
            slack.wait_for(lambda: "Done" in str(slack.message("C1", root["ts"])["blocks"]))
        finally:
            again.stop()
    else:  # it finished inside the grace period: the outbox was flushed before exit
        assert job.status == jobs.DONE and job.reported_at is not None
    variants = [
        m
        for m in slack.thread("C1", root["ts"])
        if any(str(b.get("block_id", "")).startswith("variant_") for b in m.get("blocks") or [])
    ]
    assert len(variants) == 1
