"""The stats chart is a real, drawn PNG; the CSV reads back to the same figures; the text says
the seeded numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bot.quality.plots import stats_chart
from bot.quality.report import read_stats_csv, stats_csv, stats_rows, stats_text
from bot.quality.stats import compute_stats
from bot.quality.stats_query import parse_stats_words
from bot.store.database import Store
from tests.bot.quality.seeded import NOW, seed


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    seed(store)
    return store


@pytest.mark.parametrize("words", ["by recipe", "", "all 60d by user"])
def test_the_chart_is_a_png_of_sensible_size_with_something_drawn(store, words):
    stats = compute_stats(store, parse_stats_words(words, "C1", now=NOW))
    png = stats_chart(stats, "dailies · #design · last 7 days")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (800, 650)
    grey = np.asarray(image.convert("L"), float)
    assert grey.var() > 100, "not blank"
    # The bar chart's colour is drawn in the lower half.
    rgb = np.asarray(image.convert("RGB"), int)[325:]
    amber = (abs(rgb[..., 0] - 0xF9) < 8) & (abs(rgb[..., 1] - 0xA8) < 8) & (rgb[..., 2] < 60)
    assert amber.sum() > 500


def test_the_csv_round_trips(store):
    stats = compute_stats(store, parse_stats_words("by recipe", "C1", now=NOW), gpu_rate=3.6)
    rows = read_stats_csv(stats_csv(stats))
    assert rows == list(stats_rows(stats))
    assert [r["group"] for r in rows] == ["all", "(none)", "hero"]
    assert rows[0]["usable"] == 5 and rows[0]["cost_per_usable"] == pytest.approx(0.004)
    unpriced = read_stats_csv(stats_csv(compute_stats(store, parse_stats_words("", "C1", now=NOW))))
    assert unpriced[0]["cost"] is None and unpriced[0]["useful_yield"] == 0.5


def test_the_text_says_the_seeded_numbers(store):
    stats = compute_stats(store, parse_stats_words("by recipe", "C1", now=NOW))
    text = stats_text(stats, "#design")
    assert text.splitlines()[:4] == [
        "dailies stats · #design · last 7 days",
        "10 generated · 5 usable · 1 rejected · yield 50% · waste-to-asset 1.0 · 20.0 device-s · "
        "4.00 device-s per usable",
        "usable because: marked usable 1 · voted 2 · promoted 1 · approved 1 · tagged 0 · "
        "exported 0",
        "median time from a thread's first draft to its first approved final: 10 min (1 thread)",
    ]
    assert "  hero: 5 generated · 4 usable · 1 rejected · yield 80%" in text
    assert "flat: 2 flagged, 1 judged by people, 1 rejected → precision 100%" in text
