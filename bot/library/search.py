"""``/dailies find``: what a person remembers ("the teapot one Carol approved yesterday") →
the assets that match, best first.

Words go to the FTS5 index over prompts, iteration replies, recipe names and tags (see
``bot.store.migrations_library``), ranked by bm25 with the prompt weighted most; an asset whose
prompt is exactly the words comes first. Filters narrow the rows: ``by @user`` (made or approved
by), ``in #channel``, ``approved``, ``finals``, ``voted``, ``tag:NAME`` and ``since 3h|2d|
2026-11-30|yesterday``. Which channels may be searched is the caller's decision (see
``bot.library.access``): this module never widens it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.store.database import Store

MAX_HITS = 10
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")
_AGO = re.compile(r"^(\d{1,4})(m|min|h|d|w)$")
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MARKS = ("approved", "finals", "voted")
# Column weights for bm25, in the order of SEARCH_COLUMNS: prompt, change, recipe, tags.
_WEIGHTS = "10.0, 4.0, 3.0, 6.0"


class FindError(ValueError):
    """A query that cannot be searched; the message says what to type instead."""


@dataclass
class Query:
    words: str = ""
    user: str | None = None
    channel: str | None = None
    marks: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    since: float | None = None
    since_text: str | None = None

    def filters(self) -> list[str]:
        """Each filter as the person typed it (for "no match" and "drop …" hints)."""
        out = []
        if self.user:
            out.append(f"by <@{self.user}>")
        if self.channel:
            out.append(f"in <#{self.channel}>")
        out += self.marks + [f"tag:{t}" for t in self.tags]
        if self.since_text:
            out.append(f"since {self.since_text}")
        return out

    def describe(self) -> str:
        parts = [f"“{self.words}”"] if self.words else ["everything"]
        return " · ".join(parts + self.filters())


def check_tag(raw: str) -> str:
    name = raw.strip().lower().lstrip("#")
    if not _TAG.match(name):
        raise FindError(
            f"`{raw}` is not a tag name: use letters, digits, - or _ (up to 40), like `hero` "
            "or `q3-launch`."
        )
    return name


def parse_since(text: str, now: float | None = None) -> float:
    now = time.time() if now is None else now
    word = text.lower()
    if word in ("today", "yesterday"):
        start = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return (start - timedelta(days=1 if word == "yesterday" else 0)).timestamp()
    ago = _AGO.match(word)
    if ago:
        return now - int(ago.group(1)) * _UNITS[ago.group(2)]
    try:
        return datetime.strptime(word, "%Y-%m-%d").timestamp()
    except ValueError:
        raise FindError(
            f"`since {text}` is not a time I know: say `since 3h`, `since 2d`, `since 1w`, "
            "`since yesterday` or `since 2026-11-30`."
        ) from None


def parse_query(text: str, me: str | None = None, here: str | None = None) -> Query:
    """The words and filters of ``/dailies find``; FindError on a filter it cannot read."""
    query = Query()
    words: list[str] = []
    tokens = text.split()
    i = 0
    while i < len(tokens):
        token, low = tokens[i], tokens[i].lower()
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if low == "by" and following is not None:
            if following.lower() == "me" and me:
                query.user = me
            elif match := _USER.match(following):
                query.user = match.group(1)
            elif following.startswith("@"):
                raise FindError(
                    f"I can't tell who `{following}` is: pick them from Slack's @ list so the "
                    "name becomes a mention, e.g. `/dailies find teapot by @carol`."
                )
            else:
                words.append(token)
                i += 1
                continue
            i += 2
        elif (
            low == "in"
            and following is not None
            and (_CHANNEL.match(following) or following.startswith("#") or following == "here")
        ):
            if following == "here" and here:
                query.channel = here
            elif match := _CHANNEL.match(following):
                query.channel = match.group(1)
            else:
                raise FindError(
                    f"I can't tell which channel `{following}` is: pick it from Slack's # list "
                    "so it becomes a link, or say `in here`."
                )
            i += 2
        elif low == "since" and following is not None:
            query.since = parse_since(following)
            query.since_text = following
            i += 2
        elif low in MARKS:
            if low not in query.marks:
                query.marks.append(low)
            i += 1
        elif low.startswith("tag:"):
            query.tags.append(check_tag(token[4:]))
            i += 1
        else:
            words.append(token)
            i += 1
    query.words = " ".join(words)
    return query


def fts_match(words: str) -> str:
    """Every word must match (porter stems: teapots finds teapot); quoting keeps AND, OR, NOT,
    quotes and colons from being read as FTS5 syntax."""
    tokens = re.findall(r"[\w']+", words.lower())
    return " ".join('"' + t.replace('"', "") + '"' for t in tokens)


def search(
    store: Store, query: Query, channels: list[str] | None, limit: int = MAX_HITS
) -> list[dict[str, Any]]:
    """Matching assets, best first, only from ``channels`` (None: any channel, for the CLI and
    benches). Each row carries ``votes``."""
    where: list[str] = []
    args: list[Any] = []
    if channels is not None:
        if not channels:
            return []
        # unary + keeps the planner off the channel index, so filter-only searches walk the
        # created_at index newest first and stop at the 10th hit instead of sorting them all
        where.append(f"+a.channel_id IN ({', '.join('?' for _ in channels)})")
        args += channels
    if query.user:
        where.append("(a.user_id = ? OR a.approved_by = ?)")
        args += [query.user, query.user]
    if query.channel:
        where.append("a.channel_id = ?")
        args.append(query.channel)
    if "approved" in query.marks:
        where.append("a.approved = 1")
    if "finals" in query.marks:
        where.append("a.tier = 'final'")
    if "voted" in query.marks:
        where.append("EXISTS (SELECT 1 FROM votes v WHERE v.asset_id = a.id)")
    for tag in query.tags:
        where.append("(' ' || a.tags || ' ') LIKE ?")
        args.append(f"% {tag} %")
    if query.since is not None:
        # "approved since yesterday" means approved then, whenever the draft was made
        where.append("a.approved_at >= ?" if "approved" in query.marks else "a.created_at >= ?")
        args.append(query.since)
    votes = "(SELECT count(*) FROM votes v WHERE v.asset_id = a.id) AS votes"
    # tags are indexed too: the column filter finds the few tagged rows, LIKE confirms the name
    match = " ".join([fts_match(query.words)] + [f'tags : "{tag}"' for tag in query.tags]).strip()
    if match:
        where.insert(0, "asset_search_fts MATCH ?")
        args.insert(0, match)
        sql = (
            f"SELECT a.*, {votes} FROM asset_search_fts "
            "JOIN assets a ON a.id = asset_search_fts.rowid"
            f" WHERE {' AND '.join(where)}"
            f" ORDER BY lower(trim(a.prompt)) = ? DESC, bm25(asset_search_fts, {_WEIGHTS}),"
            " a.id DESC LIMIT ?"
        )
        args += [" ".join(query.words.lower().split()), limit]
    else:
        sql = (
            f"SELECT a.*, {votes} FROM assets a"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY a.created_at DESC, a.id DESC LIMIT ?"
        )
        args.append(limit)
    return [dict(r) for r in store.db.query(sql, args)]


def searched_channels(store: Store) -> list[str]:
    """Channels that hold assets: the bot made them there, so it is (or was) in each."""
    return [
        r["channel_id"]
        for r in store.db.query(
            "SELECT DISTINCT channel_id FROM assets WHERE channel_id IS NOT NULL"
        )
    ]
