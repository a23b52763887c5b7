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


class StoreBusy(Exception):
    """A bounded write (``Store.write(timeout=…)``) could not get the write lock in time."""


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
    def write(self, timeout: float | None = None) -> Iterator[Database]:
        """A write transaction: all or nothing, and no other writer in this process meanwhile.

        ``timeout``: give up after that many seconds waiting for the write lock (this process's
        or SQLite's, held by another process) with StoreBusy, rather than the default 30 s —
        for writes made before a Slack ack, which must go out within 3 s."""
        started = time.monotonic()
        if timeout is None:
            timeout = getattr(self._local, "bound", None)
        if timeout is None:
            self._write_lock.acquire()
        elif not self._write_lock.acquire(timeout=timeout):
            raise StoreBusy("another write held the database")
        else:
            timeout = max(0.01, timeout - (time.monotonic() - started))
        try:
            db = self.db
            if db.conn.in_transaction:
                with db.atomic():
                    yield db
                return
            self._begin(db, timeout)
            try:
                yield db
            except BaseException:
                db.conn.rollback()
                raise
            else:
                db.conn.commit()
        finally:
            self._write_lock.release()

    @contextmanager
    def bounded(self, timeout: float) -> Iterator[None]:
        """Every write this thread makes inside waits at most ``timeout`` s for the lock (see
        ``write``): a listener's work before its ack, made of writes deep in other modules."""
        before = getattr(self._local, "bound", None)
        self._local.bound = timeout
        try:
            yield
        finally:
            self._local.bound = before

    @staticmethod
    def _begin(db: Database, timeout: float | None) -> None:
        if timeout is None:
            db.conn.execute("BEGIN IMMEDIATE")
            return
        db.conn.execute(f"PRAGMA busy_timeout={max(1, int(timeout * 1000))}")
        try:
            db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(str(exc)) from exc
            raise
        finally:
            db.conn.execute("PRAGMA busy_timeout=30000")

    def first_delivery(self, key: str, timeout: float | None = None) -> bool:
        """True the first time ``key`` is seen: de-duplicates Slack's redeliveries."""
        with self.write(timeout) as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO deliveries (key, seen_at) VALUES (?, ?)", [key, time.time()]
            )
            return cursor.rowcount == 1
