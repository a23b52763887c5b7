"""`dailies draft` runs the same engine without Slack; `dailies serve` explains missing tokens."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from bot.media.png_params import parse_parameters

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DAILIES_"))}
    environ.update({"DAILIES_HOME": str(home), "DAILIES_MODELS": "tiny", "HF_HUB_OFFLINE": "1"})
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_draft_writes_pngs_and_a_contact_sheet_reproducibly(tmp_path):
    out = tmp_path / "out"
    done = run_cli(
        "draft",
        "a red sneaker on wet marble",
        "--n",
        "3",
        "--ar",
        "3:2",
        "--seed",
        "42",
        "--out",
        str(out),
        home=tmp_path / "home",
    )
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.split()]
    assert [p.name for p in paths] == [
        "dailies-1-1-seed42.png",
        "dailies-1-2-seed43.png",
        "dailies-1-3-seed44.png",
        "dailies-1-contact-sheet.png",
    ]
    with Image.open(paths[0]) as first:
        assert first.width > first.height
        params = parse_parameters(first.text["parameters"])
    assert (params.seed, params.prompt) == (42, "a red sneaker on wet marble")
    with Image.open(paths[-1]) as sheet:
        assert sheet.width > 3 * first.width

    again = run_cli(
        "draft",
        "a red sneaker on wet marble",
        "--n",
        "1",
        "--ar",
        "3:2",
        "--seed",
        "43",
        "--out",
        str(tmp_path / "again"),
        home=tmp_path / "home2",
    )
    assert again.returncode == 0, again.stderr
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
    assert digest(again.stdout.split()[0]) == digest(paths[1]), "same seed, same bytes"


def test_bad_input_goes_to_stderr_and_writes_nothing(tmp_path):
    done = run_cli("draft", "a cat", "--n", "20", "--out", str(tmp_path / "out"), home=tmp_path)
    assert done.returncode == 2
    assert "between 1 and 8, got 20" in done.stderr
    assert done.stdout == "" and not (tmp_path / "out").exists()
    a_file = tmp_path / "taken.png"
    a_file.write_bytes(b"x")
    done = run_cli("draft", "a cat", "--out", str(a_file), home=tmp_path / "home")
    assert done.returncode == 2 and "is a file, not a folder" in done.stderr
    done = run_cli("draft", "a cat", "--out", str(a_file / "sub"), home=tmp_path / "home")
    assert done.returncode == 2 and f"{a_file} is a file, not a folder" in done.stderr
    assert not (tmp_path / "home" / "assets").exists() or not any(
        (tmp_path / "home" / "assets").rglob("*.png")
    ), "nothing was rendered"


def test_serve_with_half_the_tokens_says_which_are_missing(tmp_path):
    # No tokens at all is the playground (tests/handlers/test_playground.py); half a set is a
    # mistake worth naming.
    done = run_cli("serve", home=tmp_path, SLACK_BOT_TOKEN="xoxb-1")
    assert done.returncode == 2
    assert "set SLACK_APP_TOKEN" in done.stderr
    done = run_cli("serve", "--http", home=tmp_path)
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in done.stderr
    done = run_cli("serve", "--http", home=tmp_path, SLACK_BOT_TOKEN="xoxb-1")
    assert "SLACK_SIGNING_SECRET" in done.stderr


def test_serve_says_when_slack_cannot_be_reached_or_refuses_the_token(tmp_path):
    from bot.playground.slack_api import SlackImitation

    done = run_cli(
        "serve",
        home=tmp_path,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_APP_TOKEN="xapp-1",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    assert done.returncode == 2
    assert "cannot reach Slack at http://127.0.0.1:9/api/" in done.stderr
    with SlackImitation() as slack:
        done = run_cli(
            "serve",
            home=tmp_path,
            SLACK_BOT_TOKEN="xoxb-wrong",
            SLACK_APP_TOKEN="xapp-1",
            SLACK_API_URL=slack.base_url,
        )
    assert done.returncode == 2 and "Slack refused the bot token" in done.stderr
    assert "invalid_auth" in done.stderr


def _queued_cli_job(home: Path, prompt: str, pid: int) -> None:
    """A job left behind by a `dailies draft` process that is gone (Ctrl-C, kill -9)."""
    from bot.jobs import rows as jobs
    from bot.store.database import Store

    store = Store(home / "dailies.db")
    params = {"prompt": prompt, "seeds": [1, 2, 3, 4, 5, 6, 7, 8], "width": 64, "height": 64}
    params.update({"tier": "draft", "steps": 1, "cli_pid": pid})
    jobs.create_job(store, "draft", params, user_id=None, channel_id=None, source="cli")


def test_a_draft_after_an_interrupted_one_gets_its_own_images(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    ).stdout.strip()
    _queued_cli_job(home, "x", int(gone))
    done = run_cli("draft", "y", "--n", "1", "--seed", "7", "--out", str(tmp_path / "o"), home=home)
    assert done.returncode == 0, done.stderr
    names = [Path(line).name for line in done.stdout.split()]
    assert names == ["dailies-2-1-seed7.png", "dailies-2-contact-sheet.png"], "its own job, 1 image"
    with Image.open(tmp_path / "o" / names[0]) as image:
        assert parse_parameters(image.text["parameters"]).prompt == "y"
    assert "cancelled 1 interrupted draft" in done.stderr
    again = run_cli("draft", "z", "--n", "1", "--out", str(tmp_path / "p"), home=home)
    assert Path(again.stdout.split()[0]).name.startswith("dailies-3-1-")


def test_ctrl_c_during_a_draft_ends_in_one_line_and_cancels_its_job(tmp_path):
    import signal

    home = tmp_path / "home"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DAILIES_"))}
    environ.update({"DAILIES_HOME": str(home), "DAILIES_MODELS": "tiny", "HF_HUB_OFFLINE": "1"})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "handlers.cli",
            "draft",
            "x",
            "--n",
            "8",
            "--tier",
            "final",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=ROOT,
        env=environ,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = ""
    while "rendering: step" not in seen:  # the job is running: the CLI waits on it
        char = proc.stderr.read(1)
        assert char, f"the CLI ended before rendering: {seen}"
        seen += char
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 2
    assert "Traceback" not in seen + rest
    assert rest.strip().splitlines()[-1].startswith("dailies: interrupted; job 1 cancelled")
    done = run_cli("draft", "y", "--n", "1", "--out", str(tmp_path / "p"), home=home)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.split()[0]).name.startswith("dailies-2-1-")


def test_an_unusable_home_is_one_line_and_exit_2(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    done = run_cli("draft", "a cat", "--out", str(tmp_path / "o"), home=a_file / "home")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"dailies: DAILIES_HOME {a_file / 'home'}: {a_file} is a file, not a folder"
    )
    done = run_cli("draft", "a cat", "--out", str(tmp_path / "o"), home=Path("/proc/dailies"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("dailies: ")
