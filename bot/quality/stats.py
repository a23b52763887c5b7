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
from datetime import UTC, datetime
from typing import Any

from bot.quality.stats_query import StatsQuery
from bot.store.database import Store

# signal → (SQL that is true for a usable asset ``a``, the table it needs).
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
    "tagged": ("EXISTS (SELECT 1 FROM asset_tags t WHERE t.asset_id = a.id)", "asset_tags"),
    "exported": ("EXISTS (SELECT 1 FROM exports e WHERE e.asset_id = a.id)", "exports"),
}
REJECTED_SQL = "EXISTS (SELECT 1 FROM qc_marks r WHERE r.asset_id = a.id AND r.mark = 'reject')"
GROUP_SQL = {
    "user": "a.user_id",
    "recipe": "(SELECT name FROM recipes WHERE recipes.id = a.recipe_id)",
    "anchor": "(SELECT name FROM anchors WHERE anchors.id = a.anchor_id)",
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

    def add(self, usable: bool, rejected: bool, device_s: float, cost: float) -> None:
        self.generated += 1
        self.usable += usable
        self.rejected += rejected
        self.device_s += device_s
        self.cost += cost

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


def _tables(store: Store) -> set[str]:
    return set(store.db.table_names())


def _rate(kind: str | None, gpu_rate: float, cpu_rate: float) -> float:
    return cpu_rate if (kind or "cpu") == "cpu" else gpu_rate


def compute_stats(
    store: Store, query: StatsQuery, gpu_rate: float = 0.0, cpu_rate: float = 0.0
) -> Stats:
    """Every figure of one stats answer, in one pass over the window's assets."""
    tables = _tables(store)
    live = {name: sql for name, (sql, table) in SIGNALS.items() if table in tables}
    columns = [f"{sql} AS s{i}" for i, sql in enumerate(live.values())]
    group_sql = GROUP_SQL[query.by] if query.by else "NULL"
    where = "a.created_at >= ? AND a.created_at < ?"
    args: list[Any] = [query.since, query.until]
    if query.channel_id is not None:
        where += " AND a.channel_id = ?"
        args.append(query.channel_id)
    sql = (
        f"SELECT a.id, a.created_at, a.device_s, a.device_kind, a.channel_id, a.thread_ts, "
        f"a.approved, a.approved_at, {group_sql} AS grp, {REJECTED_SQL} AS rej"
        f"{''.join(', ' + c for c in columns)} FROM assets a WHERE {where}"
    )
    total = Tally()
    signals: dict[str, int | None] = {name: None for name in SIGNALS}
    signals.update(dict.fromkeys(live, 0))
    names = list(live)
    groups: dict[str, Tally] = defaultdict(Tally)
    days: dict[str, Tally] = defaultdict(Tally)
    verdicts: dict[int, tuple[bool, bool]] = {}
    threads: dict[tuple[str, str], list[float | None]] = {}
    for row in store.db.execute(sql, args).fetchall():
        asset_id, created, device_s, kind, channel, thread, approved, approved_at = row[:8]
        grp, rej, hits = row[8], row[9], row[10:]
        usable = any(hits)
        for name, hit in zip(names, hits, strict=True):
            if hit:
                signals[name] += 1  # type: ignore[operator]
        rejected = bool(rej) and not usable
        seconds = device_s or 0.0
        cost = seconds / 3600 * _rate(kind, gpu_rate, cpu_rate)
        total.add(usable, rejected, seconds, cost)
        day = datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%d")
        days[day].add(usable, rejected, seconds, cost)
        if query.by:
            groups[str(grp) if grp is not None else NONE_GROUP].add(usable, rejected, seconds, cost)
        verdicts[asset_id] = (usable, bool(rej))
        if thread:
            first = threads.setdefault((channel, thread), [created, None])
            first[0] = min(first[0], created)  # type: ignore[type-var]
            if approved and approved_at:
                first[1] = approved_at if first[1] is None else min(first[1], approved_at)
    waits = [final - first for first, final in threads.values() if final is not None]
    return Stats(
        query=query,
        total=total,
        signals=signals,
        groups=dict(sorted(groups.items(), key=lambda item: (-item[1].generated, item[0]))),
        days=dict(sorted(days.items())),
        flags=_flag_precision(store, where, args, verdicts),
        median_to_final_s=statistics.median(waits) if waits else None,
        finals_threads=len(waits),
        priced=bool(gpu_rate or cpu_rate),
    )


def _flag_precision(
    store: Store,
    where: str,
    args: list[Any],
    verdicts: dict[int, tuple[bool, bool]],
) -> dict[str, FlagPrecision]:
    found: dict[str, FlagPrecision] = {}
    sql = (
        "SELECT f.asset_id, f.flag FROM qc_flags f JOIN assets a ON a.id = f.asset_id "
        f"WHERE {where}"
    )
    for asset_id, flag in store.db.execute(sql, args).fetchall():
        entry = found.setdefault(flag, FlagPrecision(flag))
        usable, rejected_mark = verdicts.get(asset_id, (False, False))
        entry.flagged += 1
        if usable or rejected_mark:
            entry.judged += 1
            entry.rejected += rejected_mark and not usable
    return dict(sorted(found.items()))
