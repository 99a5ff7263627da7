"""Bulk loads: a large import into a small store builds its secondary indexes once, at the end.

Kept up row by row, the record and mention tables' secondary indexes cost a first import of a
force more than everything else the database does (each new row lands at a random place in
each of them); built once from the loaded rows, by sorting, they cost a fraction of that. On
PostgreSQL the same holds for the foreign keys of those tables: checked row by row at each
commit, or once, by one join, when added back. This is what ``pg_restore`` does.

So an import that will at least double the store (``worth_deferring``) first drops those
indexes and foreign keys, writing the statement that puts each back into ``DeferredIndex`` in
the same transaction, and puts them back when it ends, however it ends. A killed import leaves
the rows behind, and the next ``vigil`` command (``restore_abandoned``, called before
anything else touches the store) puts the indexes back first, so nothing is ever left without
them for longer than a load. Unique indexes are never dropped: the importer's own look-ups and
``ON CONFLICT`` clauses need them while it loads.

Only the importer drops, and only one bulk load runs at a time (imports themselves run one at
a time, ``records.locks``); a command starting while one runs leaves it alone (on PostgreSQL
building its indexes then could deadlock with its writes).
Restoring is idempotent and serialised (PostgreSQL: an advisory lock; SQLite: its single
writer), so two commands restoring at once cannot trip over each other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection, connections, transaction

from vigil.audit.dbroles import owner_alias
from vigil.records.models import (
    DeferredIndex,
    ImportBatch,
    PersonMention,
    Record,
    RecordLink,
    RecordObject,
)
from vigil.records.sqlite import set_pragma

TABLES = [m._meta.db_table for m in (Record, PersonMention, RecordObject, RecordLink)]
# An import is a bulk load when its files could hold at least as many records as the store
# does (and a good many): records run to about 1 KB each, so 2 KB a record errs on the side of
# keeping the indexes.
BYTES_PER_RECORD = 2048
MIN_RECORDS = int(os.environ.get("VIGIL_BULK_LOAD_MIN_RECORDS", "10000"))
# PostgreSQL advisory locks: LOCK_KEY (per transaction) serialises dropping and restoring;
# LOAD_KEY (per session) is held by the import whose bulk load is under way, so a command
# starting meanwhile leaves its indexes alone, and is freed by the server if that import dies.
LOCK_KEY = 0x76696769
LOAD_KEY = LOCK_KEY + 1


def _owner() -> Any:
    """The connection that drops and builds: the tables' owner (``VIGIL_DATABASE_OWNER_URL``
    on PostgreSQL, vigil.audit.dbroles), since the application's role may not change them."""
    return connections[owner_alias()]


def worth_deferring(file_bytes: int) -> bool:
    """Whether an import of this many bytes would at least double the records held."""
    incoming = file_bytes // BYTES_PER_RECORD
    if incoming < max(MIN_RECORDS, 1):
        return False
    # The highest id, not a count: one index probe whatever the store's size.
    held = Record.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return incoming >= held


def _lock() -> None:
    if connection.vendor == "postgresql":
        with _owner().cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _secondary_indexes() -> list[tuple[str, str, str]]:
    """(name, table, CREATE statement) of every non-unique index on the bulk tables."""
    marks = ", ".join(["%s"] * len(TABLES))
    with _owner().cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i "
                "JOIN pg_class c ON c.relname = i.indexname "
                "JOIN pg_index x ON x.indexrelid = c.oid "
                f"WHERE i.schemaname = current_schema() AND i.tablename IN ({marks}) "
                "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.indexname",
                TABLES,
            )
        else:
            # Unique constraints' indexes have no SQL of their own (sqlite_autoindex_*).
            cursor.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND sql IS NOT NULL AND tbl_name IN ({marks}) "
                "AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                TABLES,
            )
        return [(name, table, sql) for name, table, sql in cursor.fetchall()]


def _foreign_keys() -> list[tuple[str, str, str]]:
    """(name, table, ADD CONSTRAINT statement) of the bulk tables' own foreign keys.

    PostgreSQL only: SQLite cannot drop a constraint without rebuilding the table, and checks
    a deferred key by a cheap counter anyway.
    """
    if connection.vendor != "postgresql":
        return []
    marks = ", ".join(["%s"] * len(TABLES))
    with _owner().cursor() as cursor:
        cursor.execute(
            "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            f"WHERE c.contype = 'f' AND t.relname IN ({marks}) "
            "AND t.relnamespace = current_schema()::regnamespace ORDER BY c.conname",
            TABLES,
        )
        return [
            (name, table, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for name, table, definition in cursor.fetchall()
        ]


def _try_load_lock() -> bool:
    with _owner().cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOAD_KEY])
        return bool(cursor.fetchone()[0])


def _unlock_load() -> None:
    with _owner().cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOAD_KEY])


def begin(batch: ImportBatch) -> int:
    """Drop the bulk tables' secondary indexes and foreign keys; say how many were dropped.

    On PostgreSQL the caller then holds the bulk-load lock until ``finish``; if another
    import holds it, this one drops nothing and writes into the indexes as they stand.
    """
    postgresql = connection.vendor == "postgresql"
    if postgresql and not _try_load_lock():
        return 0
    try:
        dropped = _drop(batch)
    except BaseException:
        if postgresql:
            _unlock_load()
        raise
    if postgresql and not dropped:
        _unlock_load()
    return dropped


def finish() -> int:
    """The bulk load is over: build what it dropped and free the lock ``begin`` took."""
    try:
        return restore()
    finally:
        if connection.vendor == "postgresql":
            _unlock_load()


def _drop(batch: ImportBatch) -> int:
    with transaction.atomic(using=owner_alias()):
        _lock()
        dropped = 0
        for kind, found in (
            (DeferredIndex.Kind.INDEX, _secondary_indexes()),
            (DeferredIndex.Kind.FOREIGN_KEY, _foreign_keys()),
        ):
            for name, table, statement in found:
                DeferredIndex.objects.using(owner_alias()).create(
                    name=name, table=table, kind=kind, statement=statement, batch_id=batch.pk
                )
                with _owner().cursor() as cursor:
                    if kind == DeferredIndex.Kind.INDEX:
                        cursor.execute(f'DROP INDEX "{name}"')
                    else:
                        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                dropped += 1
    return dropped


def _present() -> set[tuple[str, str]]:
    """(kind, name) of every index and foreign key the bulk tables have now: one query."""
    marks = ", ".join(["%s"] * len(TABLES))
    with _owner().cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT %s, indexname FROM pg_indexes WHERE schemaname = current_schema() "
                f"AND tablename IN ({marks}) "
                "UNION ALL SELECT %s, c.conname FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' "
                f"AND t.relnamespace = current_schema()::regnamespace AND t.relname IN ({marks})",
                [DeferredIndex.Kind.INDEX, *TABLES, DeferredIndex.Kind.FOREIGN_KEY, *TABLES],
            )
        else:
            cursor.execute(
                f"SELECT %s, name FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name IN ({marks})",
                [DeferredIndex.Kind.INDEX, *TABLES],
            )
        return {(kind, name) for kind, name in cursor.fetchall()}


def _check_statement(item: DeferredIndex) -> None:
    """Only what ``begin`` writes is run: an index or foreign key on one of the bulk tables.

    The statements come from a table; anyone able to write it could already change the
    database, but a row that is not one of ours is refused rather than run.
    """
    statement = item.statement.lstrip()
    expected = (
        ("CREATE INDEX ",)
        if item.kind == DeferredIndex.Kind.INDEX
        else (f'ALTER TABLE "{item.table}" ADD CONSTRAINT "{item.name}" FOREIGN KEY ',)
    )
    if item.table not in TABLES or not statement.startswith(expected) or ";" in statement:
        raise ValueError(
            f"records_deferredindex row {item.pk} ({item.name}) is not an index "
            f"or foreign key a bulk load dropped; refusing to run it"
        )


def _anything_deferred() -> bool:
    try:
        return DeferredIndex.objects.using(owner_alias()).exists()
    except DatabaseError:
        return False  # not migrated yet: nothing can have been deferred


def restore() -> int:
    """Put back every index and foreign key a bulk load dropped; say how many were missing.

    All in one transaction, so a restore cut short leaves the list to the next one. Indexes
    first: each foreign key is then checked, in one query, against indexed tables.
    """
    if not _anything_deferred():
        return 0
    with _sqlite_sorting():
        return _build()


# The page cache while SQLite builds indexes after a bulk load: see _sqlite_sorting.
SORT_CACHE_KIB = 2048


@contextmanager
def _sqlite_sorting() -> Iterator[None]:
    """SQLite: each new index sorted on the machine's other core too (the import is done with it).

    SQLite's sorter hands sorted runs to helper threads (``PRAGMA threads``) only when the keys
    outgrow its memory, the page cache: with the importer's 128 MiB every index was sorted in
    one run on one core. With a small cache it sorts in runs, in parallel: 3.2-3.7 s against
    4.1-4.6 s for the thirteen indexes at 100,000 people. Both settings are put back after.
    """
    if connection.vendor != "sqlite":
        yield
        return
    threads = set_pragma("threads", min(os.cpu_count() or 1, 4))
    cache = set_pragma("cache_size", -SORT_CACHE_KIB)
    try:
        yield
    finally:
        set_pragma("cache_size", cache)
        set_pragma("threads", threads)


def _build() -> int:
    restored = 0
    with transaction.atomic(using=owner_alias()):
        _lock()
        if connection.vendor == "postgresql":
            with _owner().cursor() as cursor:
                # Each index sorted in memory rather than in runs spilled to disk.
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        pending = sorted(
            DeferredIndex.objects.using(owner_alias()).all(),
            key=lambda d: (d.kind != DeferredIndex.Kind.INDEX, d.name),
        )
        present = _present()
        for item in pending:
            _check_statement(item)
            if (item.kind, item.name) not in present:
                with _owner().cursor() as cursor:
                    cursor.execute(item.statement)
                restored += 1
        DeferredIndex.objects.using(owner_alias()).filter(pk__in=[d.pk for d in pending]).delete()
        if connection.vendor == "postgresql" and restored:
            with _owner().cursor() as cursor:
                # Freshly built indexes and a table that grew from nothing: plans need numbers.
                for table in TABLES:
                    cursor.execute(f'ANALYZE "{table}"')
    return restored


def restore_abandoned() -> int:
    """At a command's start: build what a killed bulk load left, unless one is still running.

    PostgreSQL: a running bulk load holds LOAD_KEY (the server frees it when its importer
    dies). SQLite, on one machine: a load is running while its batch is marked running and its
    importer's process is alive.
    """
    if not _anything_deferred():
        return 0
    if connection.vendor == "postgresql":
        if not _try_load_lock():
            return 0
        try:
            return restore()
        finally:
            _unlock_load()
    loading = ImportBatch.objects.filter(
        pk__in=list(DeferredIndex.objects.values_list("batch", flat=True))
    )
    if any(batch.is_running() for batch in loading):
        return 0
    return restore()


@contextmanager
def deferred(batch: ImportBatch, file_bytes: int) -> Iterator[int]:
    """Within the block, the bulk tables carry no secondary indexes if the load is worth it."""
    dropped = begin(batch) if worth_deferring(file_bytes) else 0
    try:
        yield dropped
    finally:
        if dropped:
            finish()
