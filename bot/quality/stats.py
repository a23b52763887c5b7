"""Useful yield and what a usable asset costs, from the rows the bot already keeps.

An asset is *usable* when any signal says a person wanted it; each signal is counted on its own
so a team sees which one it relies on. It is *rejected* when someone marked it Reject and no
signal made it usable. Signals are SQL ``EXISTS`` tests listed in ``SIGNALS``; one whose table
does not exist in this database (tags and exports arrive with the library features) is left out
and shown as not counted, so adding a signal is one line here.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bot.quality.stats_query import StatsQuery
from bot.store.database import Store

# signal → (SQL that is true for a usable asset ``a``, the table or table.column it needs).
SIGNALS: dict[str, tuple[str, str]] = {
    "marked usable": (
        "EXISTS (SELECT 1 FROM qc_marks m WHERE m.asset_id = a.id AND m.mark = 'usable')",
        "qc_marks",
    ),
    "voted": ("EXISTS (SELECT 1 FROM votes v WHERE v.asset_id = a.id)", "votes"),
    "promoted": (
        "EXISTS (SELECT 1 FROM assets f WHERE f.parent_id = a.id AND f.tier = 'final')",
        "assets",
    ),
    "approved": ("a.approved = 1", "assets"),
    # Tags are a space-separated column on assets (the library's migration adds it).
    "tagged": ("coalesce(a.tags, '') != ''", "assets.tags"),
    "exported": ("EXISTS (SELECT 1 FROM exports e WHERE e.asset_id = a.id)", "exports"),
}
REJECTED_SQL = "EXISTS (SELECT 1 FROM qc_marks r WHERE r.asset_id = a.id AND r.mark = 'reject')"
GROUP_SQL = {
    "user": "a.user_id",
    "recipe": "(SELECT name FROM recipes r WHERE r.id = a.recipe_id)",
    "anchor": "(SELECT name FROM anchors n WHERE n.id = a.anchor_id)",
    "model": "a.model_id",
    "tier": "a.tier",
}
NONE_GROUP = "(none)"


@dataclass
class Tally:
    """Counts and seconds for one slice (everything, one group, one day)."""

    generated: int = 0
    usable: int = 0
    rejected: int = 0
    device_s: float = 0.0
    cost: float = 0.0

    @property
    def useful_yield(self) -> float | None:
        return self.usable / self.generated if self.generated else None

    @property
    def waste_ratio(self) -> float | None:
        """Assets not used per usable asset (None when nothing was usable)."""
        return (self.generated - self.usable) / self.usable if self.usable else None

    @property
    def device_s_per_usable(self) -> float | None:
        return self.device_s / self.usable if self.usable else None

    @property
    def cost_per_usable(self) -> float | None:
        return self.cost / self.usable if self.usable else None


@dataclass
class FlagPrecision:
    """How often an automatic flag agreed with people: of the flagged assets people judged
    (marked, or made usable), the share they rejected."""

    flag: str
    flagged: int = 0
    judged: int = 0
    rejected: int = 0

    @property
    def precision(self) -> float | None:
        return self.rejected / self.judged if self.judged else None


@dataclass
class Stats:
    query: StatsQuery
    total: Tally
    signals: dict[str, int | None]  # None: the signal's table does not exist here
    groups: dict[str, Tally] = field(default_factory=dict)
    days: dict[str, Tally] = field(default_factory=dict)  # UTC date → tally
    flags: dict[str, FlagPrecision] = field(default_factory=dict)
    median_to_final_s: float | None = None
    finals_threads: int = 0
    priced: bool = False  # a price per device-hour is set


def _available(store: Store) -> dict[str, str]:
    """The signals this database can answer: those whose table (and column) exist."""
    tables = set(store.db.table_names())
    live = {}
    for name, (sql, need) in SIGNALS.items():
        table, _, column = need.partition(".")
        if table in tables and (not column or column in store.db[table].columns_dict):
            live[name] = sql
    return live


def _window(query: StatsQuery) -> tuple[str, list[Any]]:
    """The WHERE of a window. The unary ``+`` keeps SQLite off the created_at and channel
    indexes: a window is a large share of the table, and one sequential scan beats an index
    walk with a random row lookup per asset (measured ~10x at 100 000 assets, bench/quality.py)."""
    where = "+a.created_at >= ? AND +a.created_at < ?"
    args: list[Any] = [query.since, query.until]
    if query.channel_id is not None:
        where += " AND +a.channel_id = ?"
        args.append(query.channel_id)
    return where, args


def compute_stats(
    store: Store, query: StatsQuery, gpu_rate: float = 0.0, cpu_rate: float = 0.0
) -> Stats:
    """Every figure of one stats answer. SQLite does the counting (grouped by UTC day and the
    split), so Python only sees a few hundred rows however many assets the window holds."""
    live = _available(store)
    names = list(live)
    where, args = _window(query)
    signal_columns = "".join(f", {sql} AS s{i}" for i, sql in enumerate(live.values()))
    any_signal = " OR ".join(f"s{i}" for i in range(len(names))) or "0"
    group_sql = GROUP_SQL[query.by] if query.by else "NULL"
    sql = (
        "WITH per AS MATERIALIZED (SELECT date(a.created_at, 'unixepoch') AS day, "
        f"{group_sql} AS grp, coalesce(a.device_s, 0) AS seconds, "
        "CASE WHEN coalesce(a.device_kind, 'cpu') = 'cpu' THEN ? ELSE ? END AS rate, "
        f"{REJECTED_SQL} AS rej{signal_columns} FROM assets a WHERE {where}) "
        f"SELECT day, grp, count(*), sum(CASE WHEN {any_signal} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN rej AND NOT ({any_signal}) THEN 1 ELSE 0 END), sum(seconds), "
        "sum(seconds * rate) / 3600.0"
        + "".join(f", sum(s{i})" for i in range(len(names)))
        + " FROM per GROUP BY day, grp"
    )
    total = Tally()
    signals: dict[str, int | None] = {name: None for name in SIGNALS}
    signals.update(dict.fromkeys(live, 0))
    groups: dict[str, Tally] = defaultdict(Tally)
    days: dict[str, Tally] = defaultdict(Tally)
    for row in store.db.execute(sql, [cpu_rate, gpu_rate, *args]).fetchall():
        day, grp, generated, usable, rejected, seconds, cost = row[:7]
        slices = [total, days[day]]
        if query.by:
            slices.append(groups[str(grp) if grp is not None else NONE_GROUP])
        for tally in slices:
            tally.generated += generated
            tally.usable += usable
            tally.rejected += rejected
            tally.device_s += seconds
            tally.cost += cost
        for name, hits in zip(names, row[7:], strict=True):
            signals[name] += hits  # type: ignore[operator]
    waits = _waits_to_final(store, where, args)
    return Stats(
        query=query,
        total=total,
        signals=signals,
        groups=dict(sorted(groups.items(), key=lambda item: (-item[1].generated, item[0]))),
        days=dict(sorted(days.items())),
        flags=_flag_precision(store, where, args, list(live.values())),
        median_to_final_s=statistics.median(waits) if waits else None,
        finals_threads=len(waits),
        priced=bool(gpu_rate or cpu_rate),
    )


def _waits_to_final(store: Store, where: str, args: list[Any]) -> list[float]:
    """Per thread of the window with an approved final: seconds from its first asset to it."""
    sql = (
        "SELECT min(a.created_at), min(CASE WHEN a.approved = 1 THEN a.approved_at END) "
        f"FROM assets a WHERE {where} AND a.thread_ts IS NOT NULL "
        "GROUP BY a.channel_id, a.thread_ts"
    )
    return [final - first for first, final in store.db.execute(sql, args) if final is not None]


def _flag_precision(
    store: Store, where: str, args: list[Any], signal_sql: list[str]
) -> dict[str, FlagPrecision]:
    """Each flag against what people did with the flagged assets (only those rows are read)."""
    usable = " OR ".join(signal_sql) or "0"
    sql = (
        f"SELECT f.flag, ({usable}) AS usable, {REJECTED_SQL} AS rej FROM qc_flags f "
        f"JOIN assets a ON a.id = f.asset_id WHERE {where}"
    )
    found: dict[str, FlagPrecision] = {}
    for flag, is_usable, rejected_mark in store.db.execute(sql, args).fetchall():
        entry = found.setdefault(flag, FlagPrecision(flag))
        entry.flagged += 1
        if is_usable or rejected_mark:
            entry.judged += 1
            entry.rejected += bool(rejected_mark) and not is_usable
    return dict(sorted(found.items()))
