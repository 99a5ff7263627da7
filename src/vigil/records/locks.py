"""Store-wide locks that make one `vigil` command wait for another instead of colliding.

Two are used: ``MIGRATING`` while a command brings the schema up to date (two commands on an
empty database would otherwise both create the tables, and one die), and ``IMPORTING`` for the
whole of an import (two at once deadlocked: one's bulk load rebuilding indexes against the
other's writes). A second command waits for the first to finish.

PostgreSQL: a session advisory lock, which the server frees if the process holding it dies.
SQLite: an exclusive ``flock`` on a file beside the database, which the kernel frees likewise.
An in-memory SQLite database has one process only, and needs neither.

The locks are re-entrant within a thread: an import inside ``vigil import`` takes the lock the
command already holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path

from django.db import DatabaseError, connection

from vigil.records.bulkload import LOCK_KEY

# PostgreSQL advisory lock keys, next to the bulk load's (records.bulkload).
MIGRATING = ("migrate", LOCK_KEY + 2)
IMPORTING = ("import", LOCK_KEY + 3)

_held = threading.local()


def _sqlite_file() -> Path | None:
    name = str(connection.settings_dict["NAME"] or "")
    if not name or name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        return None
    return Path(name)


@contextlib.contextmanager
def exclusive(lock: tuple[str, int]) -> Iterator[None]:
    """Hold ``lock`` for the block, waiting for any other process that holds it."""
    name, key = lock
    counts: dict[str, int] = _held.__dict__.setdefault("counts", {})
    if counts.get(name):
        counts[name] += 1
        try:
            yield
        finally:
            counts[name] -= 1
        return
    with _acquired(name, key):
        counts[name] = 1
        try:
            yield
        finally:
            counts[name] = 0


@contextlib.contextmanager
def _acquired(name: str, key: int) -> Iterator[None]:
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Inside a caller's transaction (a test, a web request) everything commits at its end:
        # the lock is held until then and freed with it, even if the transaction fails.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            # A connection that was cut off has lost the lock with its session already.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    database = _sqlite_file() if connection.vendor == "sqlite" else None
    if database is None:
        yield
        return
    with open(database.with_name(f"{database.name}.{name}.lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
