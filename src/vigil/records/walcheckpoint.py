"""SQLite: checkpoint the write-ahead log from a thread of its own while an import writes.

A checkpoint copies committed pages from the WAL into the database file and syncs both. SQLite
runs one in the committing connection every 1,000 pages by default, so a long import stopped
to wait for a disk sync every few batches (about a tenth of a first import's time on this
machine). Another connection may checkpoint at the same time as the writer: a PASSIVE
checkpoint copies what is committed and never blocks it. So for the import the writer's own
checkpoints are turned off and a thread does them, with the same syncs, so durability is
unchanged (``synchronous=NORMAL``: a power cut can lose the last commits, never corrupt).

Per connection: a killed importer leaves no setting behind, and the next connection to
checkpoint takes up whatever the WAL still holds.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

INTERVAL_SECONDS = 0.25


@contextlib.contextmanager
def checkpointed_aside(
    writer: sqlite3.Connection, path: str, interval: float = INTERVAL_SECONDS
) -> Iterator[None]:
    """While inside, ``writer`` does not checkpoint; a thread checkpoints ``path`` instead.

    Does nothing unless ``writer`` is in WAL mode on a file (an in-memory database has no log).
    """
    mode = writer.execute("PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() != "wal" or not path or path == ":memory:":
        yield
        return
    before = int(writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    stop = threading.Event()
    thread = threading.Thread(
        target=_checkpoint_until,
        args=(path, stop, interval),
        name="vigil-wal-checkpoint",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        writer.execute(f"PRAGMA wal_autocheckpoint = {before}")


def _checkpoint_until(path: str, stop: threading.Event, interval: float) -> None:
    try:
        reader = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        while not stop.wait(interval):
            # Busy (another checkpoint, or a reader on an old snapshot) only means "next time".
            reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        # The writer's own checkpoints come back when the import ends; until then the log
        # only grows, which loses nothing.
        pass
    finally:
        reader.close()
