"""Stats on a seeded database with a known answer (worked out by hand in seeded.py)."""

from __future__ import annotations

import pytest

from bot.quality.stats import compute_stats
from bot.quality.stats_query import StatsQueryError, cli_query, parse_stats_words
from bot.store.database import Store
from tests.bot.quality.seeded import NOW, seed


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    seed(store)
    return store


def test_usable_and_rejected_follow_the_rules_and_each_signal_is_counted(store):
    stats = compute_stats(store, parse_stats_words("", "C1", now=NOW))
    total = stats.total
    assert (total.generated, total.usable, total.rejected) == (10, 5, 1)
    assert total.useful_yield == pytest.approx(0.5)
    assert total.waste_ratio == pytest.approx(1.0)
    assert total.device_s == pytest.approx(20.0)
    assert total.device_s_per_usable == pytest.approx(4.0)
    assert stats.signals == {
        "marked usable": 1,
        "voted": 2,
        "promoted": 1,
        "approved": 1,
        "tagged": 0,  # the library's tags column exists; nothing is tagged here
        "exported": 0,  # the exports table exists; nothing was exported here
    }
    assert stats.median_to_final_s == pytest.approx(600.0) and stats.finals_threads == 1
    assert not stats.priced


def test_flag_precision_against_marks(store):
    flags = compute_stats(store, parse_stats_words("", "C1", now=NOW)).flags
    flat, duplicate = flags["flat"], flags["near_duplicate"]
    assert (flat.flagged, flat.judged, flat.rejected, flat.precision) == (2, 1, 1, 1.0)
    assert (duplicate.flagged, duplicate.judged, duplicate.precision) == (1, 1, 0.0)


def test_scope_window_split_and_price(store):
    everywhere = compute_stats(store, parse_stats_words("all", "C1", now=NOW))
    assert everywhere.total.generated == 11
    month = compute_stats(store, parse_stats_words("<#C1|design> 60d by recipe", None, now=NOW))
    assert month.total.generated == 11
    hero, none = month.groups["hero"], month.groups["(none)"]
    assert (hero.generated, hero.usable, hero.rejected) == (6, 4, 1)  # + the old #2
    assert (none.generated, none.usable) == (5, 1)
    by_user = compute_stats(store, parse_stats_words("by user", "C1", now=NOW)).groups
    assert {name: t.usable for name, t in by_user.items()} == {"U1": 2, "U2": 3}
    priced = compute_stats(store, parse_stats_words("", "C1", now=NOW), gpu_rate=3.6)
    assert priced.priced and priced.total.cost == pytest.approx(0.02)
    assert priced.total.cost_per_usable == pytest.approx(0.004)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("#design", "pick it from the # list"),
        ("7 days", "I don't understand `7`"),
        ("since", "`since` needs a date"),
        ("since yesterday", "`yesterday` is not a window"),
        ("by colour", "`by colour` is not a split"),
        ("0d", "at least 1 day"),
    ],
)
def test_bad_words_say_what_would_work(words, message):
    with pytest.raises(StatsQueryError, match=message):
        parse_stats_words(words, "C1", now=NOW)


def test_cli_query_reads_flags():
    query = cli_query("all", "2026-11-01", "tier", now=NOW)
    assert query.channel_id is None and query.by == "tier" and query.period == "since 2026-11-01"
    with pytest.raises(StatsQueryError, match="channel id"):
        cli_query("#design", "7d", None, now=NOW)


def test_tags_count_as_a_signal_once_assets_have_them(store):
    with store.write() as db:
        if "tags" not in db["assets"].columns_dict:
            db["assets"].add_column("tags", str, not_null_default="")
        db.execute("UPDATE assets SET tags = 'hero' WHERE variant IN (7, 8)")
    stats = compute_stats(store, parse_stats_words("", "C1", now=NOW))
    assert stats.signals["tagged"] == 2 and stats.signals["exported"] == 0
    assert (stats.total.usable, stats.total.rejected) == (7, 1)
