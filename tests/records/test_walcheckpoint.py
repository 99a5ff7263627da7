"""The WAL checkpointed by a thread of its own while an import writes (SQLite)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from vigil.records.walcheckpoint import checkpointed_aside

ROW = b"x" * 4000


def writer_for(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE t (v BLOB)")
    return db


def write(db: sqlite3.Connection, commits: int) -> None:
    for _ in range(commits):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO t VALUES (?)", [(ROW,)] * 10)
        db.execute("COMMIT")


def test_the_thread_checkpoints_while_the_writer_does_not(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = writer_for(path)
    written = 200 * 10 * len(ROW)  # 8 MB: twice SQLite's own checkpoint interval
    with checkpointed_aside(db, str(path), interval=0.01):
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        write(db, 200)
        # The writer never checkpointed, so only the thread can bring the rows into the file.
        deadline = time.monotonic() + 10
        while os.path.getsize(path) < written and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.path.getsize(path) >= written
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 2000


def test_the_writer_checkpoints_again_after_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = writer_for(path)
    db.execute("PRAGMA wal_autocheckpoint = 500")
    with pytest.raises(RuntimeError), checkpointed_aside(db, str(path), interval=0.01):
        raise RuntimeError("the import failed")
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 500


def test_a_database_without_a_log_is_left_as_it_is() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("PRAGMA wal_autocheckpoint = 700")
    with checkpointed_aside(db, ":memory:"):
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 700
