"""Stats as words and as CSV: the same figures for the CLI, the Slack answer and a spreadsheet.

The CSV has one row for the whole window (group ``all``) and one per group of the split, with
raw numbers (no units, no rounding beyond what floats carry) so it reads back exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bot.quality.flag_words import FLAG_WORDS
from bot.quality.stats import Stats, Tally

CSV_FIELDS = [
    "group",
    "generated",
    "usable",
    "rejected",
    "useful_yield",
    "waste_ratio",
    "device_s",
    "device_s_per_usable",
    "cost",
    "cost_per_usable",
]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def threads(count: int) -> str:
    return f"{count} thread{'s' if count != 1 else ''}"


def money(value: float | None, currency: str) -> str:
    return (
        "—"
        if value is None
        else f"{currency}{value:,.4f}"
        if value < 1
        else f"{currency}{value:,.2f}"
    )


def tally_line(tally: Tally, stats: Stats, currency: str = "$") -> str:
    """generated · usable · rejected · yield · waste · device-s (· cost) in one line."""
    parts = [
        f"{tally.generated} generated",
        f"{tally.usable} usable",
        f"{tally.rejected} rejected",
        f"yield {percent(tally.useful_yield)}",
        f"waste-to-asset {number(tally.waste_ratio)}",
        f"{number(tally.device_s)} device-s",
        f"{number(tally.device_s_per_usable, 2)} device-s per usable",
    ]
    if stats.priced:
        parts.append(f"{money(tally.cost_per_usable, currency)} per usable")
    return " · ".join(parts)


def signal_line(stats: Stats) -> str:
    counted = [f"{name} {n}" for name, n in stats.signals.items() if n is not None]
    missing = [name for name, n in stats.signals.items() if n is None]
    line = "usable because: " + " · ".join(counted)
    if missing:
        line += f" (not counted here: {', '.join(missing)})"
    return line


def flag_lines(stats: Stats) -> list[str]:
    return [
        f"{FLAG_WORDS.get(f.flag, f.flag)}: {f.flagged} flagged, {f.judged} judged by people, "
        f"{f.rejected} rejected → precision {percent(f.precision)}"
        for f in stats.flags.values()
    ]


def stats_text(stats: Stats, scope: str, currency: str = "$") -> str:
    """The plain-text answer (the CLI prints it)."""
    lines = [
        f"dailies stats · {scope} · {stats.query.period}",
        tally_line(stats.total, stats, currency),
        signal_line(stats),
        f"median time from a thread's first draft to its first approved final: "
        f"{duration(stats.median_to_final_s)} ({threads(stats.finals_threads)})",
    ]
    if stats.priced:
        lines.append(f"cost: {money(stats.total.cost, currency)} in all")
    if stats.groups:
        lines.append(f"by {stats.query.by}:")
        lines += [f"  {name}: {tally_line(t, stats, currency)}" for name, t in stats.groups.items()]
    flags = flag_lines(stats)
    if flags:
        lines.append("automatic QC flags vs people's marks:")
        lines += [f"  {line}" for line in flags]
    return "\n".join(lines)


def stats_rows(stats: Stats) -> Iterator[dict[str, object]]:
    for name, tally in [("all", stats.total), *stats.groups.items()]:
        yield {
            "group": name,
            "generated": tally.generated,
            "usable": tally.usable,
            "rejected": tally.rejected,
            "useful_yield": tally.useful_yield,
            "waste_ratio": tally.waste_ratio,
            "device_s": tally.device_s,
            "device_s_per_usable": tally.device_s_per_usable,
            "cost": tally.cost if stats.priced else None,
            "cost_per_usable": tally.cost_per_usable if stats.priced else None,
        }


def stats_csv(stats: Stats) -> str:
    """CSV text; an empty cell is a figure that does not exist (nothing usable, no price)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in stats_rows(stats):
        writer.writerow(
            {k: "" if v is None else repr(v) if isinstance(v, float) else v for k, v in row.items()}
        )
    return buffer.getvalue()


def read_stats_csv(text: str) -> list[dict[str, object]]:
    """The rows of ``stats_csv`` back as numbers (None for empty cells)."""
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        parsed: dict[str, object] = {"group": row["group"]}
        for key in CSV_FIELDS[1:]:
            cell = row[key]
            parsed[key] = (
                None
                if cell == ""
                else int(cell)
                if key in ("generated", "usable", "rejected")
                else float(cell)
            )
        rows.append(parsed)
    return rows
