"""The SQLite store: one database file, a connection per thread, one writer at a time.

sqlite3 connections may not cross threads, and the bot writes from Bolt's listener threads and
from engine workers at once; a per-thread connection plus a process-wide write lock keeps every
write transaction serialised without SQLITE_BUSY surprises, while reads run in parallel (WAL).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from bot.store.migrations import migrations


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        with self._write_lock:
            self.db.execute("PRAGMA journal_mode=WAL")
            migrations.apply(self.db)

    @property
    def db(self) -> Database:
        """This thread's connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(str(self.path), timeout=30)
            conn.execute("PRAGMA foreign_keys=ON")
            # WAL + NORMAL: commits survive an application crash; only a power cut can lose the
            # last few, and each commit skips an fsync on the render path.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            db = Database(conn)
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction: all or nothing, and no other writer in this process meanwhile."""
        with self._write_lock:
            db = self.db
            if db.conn.in_transaction:
                with db.atomic():
                    yield db
                return
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.conn.rollback()
                raise
            else:
                db.conn.commit()

    def first_delivery(self, key: str) -> bool:
        """True the first time ``key`` is seen: de-duplicates Slack's redeliveries."""
        with self.write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO deliveries (key, seen_at) VALUES (?, ?)", [key, time.time()]
            )
            return cursor.rowcount == 1
