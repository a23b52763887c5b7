"""What a stats question asks: which channel (or all), since when, split by what.

Slack and the CLI say it differently (``/dailies stats #design 30d by recipe`` and
``dailies stats --channel C0… --since 30d --by recipe``); both end up here, so the same words
mean the same window everywhere. Bad words get a message that says what would work.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

DIMENSIONS = ("user", "recipe", "anchor", "model", "tier")
DEFAULT_DAYS = 7
USAGE = (
    "`/dailies stats [#channel | all] [7d | 30d | since YYYY-MM-DD] "
    "[by user|recipe|anchor|model|tier]`"
)
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")
_DAYS = re.compile(r"^(\d{1,4})d$")


class StatsQueryError(ValueError):
    """A stats question the bot cannot read; the message says what would work."""


@dataclass(frozen=True)
class StatsQuery:
    channel_id: str | None  # None: every channel
    since: float  # epoch seconds
    until: float
    by: str | None = None
    period: str = "last 7 days"  # how the window reads in answers

    @property
    def scope(self) -> str:
        return "all channels" if self.channel_id is None else f"<#{self.channel_id}>"


def parse_since(text: str, now: float | None = None) -> tuple[float, str]:
    """``7d`` / ``30d`` / ``2026-11-01`` → (epoch seconds, how it reads)."""
    now = time.time() if now is None else now
    text = text.strip().lower()
    days = _DAYS.match(text)
    if days:
        count = int(days.group(1))
        if count < 1:
            raise StatsQueryError("the window needs at least 1 day, e.g. `7d`")
        return now - count * 86400, f"last {count} day{'s' if count != 1 else ''}"
    try:
        start = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise StatsQueryError(
            f"`{text}` is not a window: say `7d`, `30d` or `since YYYY-MM-DD`"
        ) from None
    if start.timestamp() > now:
        raise StatsQueryError(f"{text} is in the future: nothing was made since then yet")
    return start.timestamp(), f"since {start:%Y-%m-%d}"


def check_dimension(word: str) -> str:
    word = word.strip().lower()
    if word not in DIMENSIONS:
        raise StatsQueryError(f"`by {word}` is not a split: use by {' | '.join(DIMENSIONS)}")
    return word


def parse_stats_words(text: str, channel_id: str | None, now: float | None = None) -> StatsQuery:
    """``/dailies stats`` arguments; the default scope is the channel where it was asked."""
    now = time.time() if now is None else now
    words = text.split()
    scope: str | None = channel_id
    since, period = parse_since(f"{DEFAULT_DAYS}d", now)
    by = None
    index = 0
    while index < len(words):
        word = words[index]
        lower = word.lower()
        following = words[index + 1] if index + 1 < len(words) else None
        if lower == "all":
            scope = None
        elif _CHANNEL.match(word):
            scope = _CHANNEL.match(word).group(1)  # type: ignore[union-attr]
        elif word.startswith("#"):
            raise StatsQueryError(
                f"I can't tell which channel `{word}` is: pick it from the # list so Slack "
                "links it, or say `all`"
            )
        elif lower == "since":
            if following is None:
                raise StatsQueryError("`since` needs a date: `since 2026-11-01`")
            since, period = parse_since(following, now)
            index += 1
        elif _DAYS.match(lower):
            since, period = parse_since(lower, now)
        elif lower == "by":
            if following is None:
                raise StatsQueryError(f"`by` needs a split: by {' | '.join(DIMENSIONS)}")
            by = check_dimension(following)
            index += 1
        else:
            raise StatsQueryError(f"I don't understand `{word}`. Try {USAGE}")
        index += 1
    return StatsQuery(scope, since, now, by, period)


def cli_query(
    channel: str | None, since: str, by: str | None, now: float | None = None
) -> StatsQuery:
    """``dailies stats`` flags: ``--channel`` (an id, or absent/``all`` for every channel)."""
    now = time.time() if now is None else now
    if channel is not None and channel.lower() != "all" and not _CHANNEL_ID.match(channel):
        raise StatsQueryError(
            f"--channel wants a channel id like C0123ABCD or `all`, not {channel!r}"
        )
    start, period = parse_since(since, now)
    return StatsQuery(
        None if channel is None or channel.lower() == "all" else channel,
        start,
        now,
        check_dimension(by) if by else None,
        period,
    )
