"""``dailies stats``: the seeded numbers on stdout, a PNG and a CSV that read back, errors."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.quality.report import read_stats_csv
from bot.store.database import Store
from handlers.cli import main
from tests.bot.quality.seeded import seed


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAILIES_HOME", str(tmp_path))
    seed(Store(tmp_path / "dailies.db"))
    return tmp_path


def test_stats_prints_the_figures_and_writes_chart_and_csv(home, capsys):
    png, table = home / "out.png", home / "out.csv"
    argv = ["stats", "--channel", "C1", "--by", "recipe", "--png", str(png), "--csv", str(table)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "dailies stats · C1 · last 7 days"
    assert lines[1].startswith("10 generated · 5 usable · 1 rejected · yield 50% · waste-to-asset")
    assert "  hero: 5 generated · 4 usable" in captured.out
    assert f"chart: {png}" in captured.err and f"table: {table}" in captured.err
    assert Image.open(io.BytesIO(png.read_bytes())).size == (800, 650)
    rows = read_stats_csv(table.read_text())
    assert [(r["group"], r["generated"], r["usable"]) for r in rows] == [
        ("all", 10, 5),
        ("(none)", 5, 1),
        ("hero", 5, 4),
    ]


def test_stats_over_every_channel_since_a_date(home, capsys):
    assert main(["stats", "--since", "2020-01-01"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("12 generated")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stats", "--since", "last week"], "is not a window"),
        (["stats", "--by", "colour"], "`by colour` is not a split"),
        (["stats", "--channel", "#design"], "--channel wants a channel id"),
        (["stats", "--png", "/nonexistent/dir/x.png"], "is not a folder"),
    ],
)
def test_bad_stats_input_is_one_line_on_stderr_with_status_2(home, capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
