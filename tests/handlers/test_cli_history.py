"""``dailies history``: the ways to name a thread, and clear errors with exit status 2."""

from __future__ import annotations

import pytest

from bot.store.database import Store
from handlers.cli import main
from tests.bot.review_rows import draft_job

TS = "1732271234.000100"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAILIES_HOME", str(tmp_path))
    v1, (_, a2) = draft_job(Store(tmp_path / "dailies.db"), thread=TS)
    draft_job(Store(tmp_path / "dailies.db"), iteration=2, parent=v1.id, init=a2, thread=TS)
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "--channel", "C1", "--thread", TS],
        ["history", "https://acme.slack.com/archives/C1/p1732271234000100"],
        ["history", TS],
    ],
)
def test_history_prints_the_tree(home, capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"thread C1 {TS}"
    assert out[2].startswith("├─ v1 · job 1")
    assert out[5].startswith("└─ v2 from v1 #2 · job 2")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["history"], "name a thread"),
        (["history", "soon"], "neither a thread timestamp"),
        (["history", "--channel", "C2", "--thread", TS], f"no dailies thread at C2 {TS}"),
        (["history", TS, "--thread", TS], "give the thread once"),
    ],
)
def test_bad_input_goes_to_stderr_with_status_2(home, capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_no_database_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAILIES_HOME", str(tmp_path / "nowhere"))
    assert main(["history", TS]) == 2
    assert "no dailies database at" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists(), "nothing is written"
