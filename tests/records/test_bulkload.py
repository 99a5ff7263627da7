"""A bulk load drops the bulk tables' secondary indexes (and PostgreSQL foreign keys) and builds
them again once at the end, however the import ends; a killed one is mended by the next command."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.conftest import write_ndjson
from tests.factories import call
from vigil.audit.dbroles import owner_alias
from vigil.records import bulkload
from vigil.records.importer import import_files
from vigil.records.models import DeferredIndex, ImportBatch, Record
from vigil.records.store import BatchWriter

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")  # bulk work: owner


def schema() -> set[tuple[str, str]]:
    """Every index and foreign key of the database, by name and definition."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            )
            found = set(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f'"
            )
            return found | set(cursor.fetchall())
        cursor.execute("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'")
        return set(cursor.fetchall())


def force(path: Path, count: int) -> Path:
    return write_ndjson(path, [call(f"C-{i}", summary=f"call {i}") for i in range(count)])


def owner() -> Any:
    """The connection bulk loads work on: the tables' owner (vigil.audit.dbroles)."""
    return connections[owner_alias()]


def release_load_lock() -> None:
    """What a killed importer's session ending does for it on PostgreSQL."""
    if connection.vendor == "postgresql":
        with owner().cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")


@pytest.fixture
def always_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any import counts as a bulk load unless the store holds more records than it brings."""
    monkeypatch.setattr(bulkload, "MIN_RECORDS", 1)
    monkeypatch.setattr(bulkload, "BYTES_PER_RECORD", 1)


def test_a_bulk_load_writes_without_secondary_indexes_and_builds_them_at_the_end(
    tmp_path: Path, always_bulk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema()
    during: list[set[tuple[str, str]]] = []
    write = BatchWriter.write

    def spy(self: BatchWriter, items: Any) -> Any:
        during.append(schema())
        return write(self, items)

    monkeypatch.setattr(BatchWriter, "write", spy)
    summary = import_files([force(tmp_path / "f.ndjson", 50)], batch_size=20)

    assert summary.imported == 50 and Record.objects.count() == 50
    assert summary.deferred_indexes > 0
    dropped = before - during[0]
    assert len(dropped) == summary.deferred_indexes
    names = {name for name, _ in dropped}
    assert "records_personmention_surname_a44d4dba" in names
    assert "record_identity" not in names, "unique indexes serve the load and stay"
    assert schema() == before
    assert not DeferredIndex.objects.exists()


def test_an_import_into_a_store_larger_than_it_keeps_its_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Records here run to some 400 bytes: at 100 bytes a record, a file of n records counts
    # as 4n coming in.
    monkeypatch.setattr(bulkload, "MIN_RECORDS", 1)
    monkeypatch.setattr(bulkload, "BYTES_PER_RECORD", 100)
    assert import_files([force(tmp_path / "first.ndjson", 30)]).deferred_indexes > 0
    before = schema()
    summary = import_files([write_ndjson(tmp_path / "small.ndjson", [call("NEW-1")])])
    assert summary.imported == 1
    assert summary.deferred_indexes == 0
    assert schema() == before


def test_a_failed_bulk_load_builds_its_indexes_before_it_fails(
    tmp_path: Path, always_bulk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema()

    def broken(self: BatchWriter, items: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(BatchWriter, "write", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        import_files([force(tmp_path / "f.ndjson", 5)])
    assert schema() == before
    assert not DeferredIndex.objects.exists()


def test_a_killed_bulk_load_is_mended_by_the_next_restore() -> None:
    before = schema()
    batch = ImportBatch.objects.create(started_at=timezone.now(), started_by="test")
    dropped = bulkload.begin(batch)  # and then the importer was killed
    assert dropped == DeferredIndex.objects.count() > 0
    assert len(before - schema()) == dropped

    # Another command got there first with one of them: restoring skips what exists.
    first = DeferredIndex.objects.filter(kind=DeferredIndex.Kind.INDEX).order_by("name").first()
    assert first is not None
    with owner().cursor() as cursor:
        cursor.execute(first.statement)
    assert bulkload.restore() == dropped - 1
    assert schema() == before
    assert not DeferredIndex.objects.exists()
    assert bulkload.restore() == 0
    release_load_lock()


def test_a_command_starting_during_a_bulk_load_leaves_its_indexes_alone() -> None:
    import os
    import threading

    batch = ImportBatch.objects.create(
        started_at=timezone.now(), started_by="test", pid=os.getpid()
    )
    dropped = bulkload.begin(batch)  # this process is the importer, still loading
    assert dropped > 0

    def elsewhere(call: Callable[[], int]) -> int:
        """``call`` on a connection of its own, as another process would have."""
        result: list[int] = []

        def run() -> None:
            try:
                result.append(call())
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return result[0]

    assert elsewhere(bulkload.restore_abandoned) == 0
    assert DeferredIndex.objects.count() == dropped
    if connection.vendor == "postgresql":
        # A second import meanwhile is no bulk load: it finds the lock taken.
        assert elsewhere(lambda: bulkload.begin(batch)) == 0
    assert bulkload.finish() == dropped
    assert not DeferredIndex.objects.exists()


def test_every_command_restores_before_it_starts(tmp_path: Path) -> None:
    """The CLI's set-up calls restore: a killed load's indexes are back before any work."""
    from vigil import cli

    before = schema()
    batch = ImportBatch.objects.create(started_at=timezone.now(), started_by="test")
    bulkload.begin(batch)
    cli._setup_django()
    assert schema() == before
    release_load_lock()


def test_small_imports_are_not_bulk_loads() -> None:
    assert not bulkload.worth_deferring(bulkload.BYTES_PER_RECORD * (bulkload.MIN_RECORDS - 1))
    assert bulkload.worth_deferring(bulkload.BYTES_PER_RECORD * bulkload.MIN_RECORDS)


def test_restore_refuses_a_statement_no_bulk_load_wrote() -> None:
    batch = ImportBatch.objects.create(started_at=timezone.now(), started_by="test")
    DeferredIndex.objects.create(
        name="x",
        table="records_record",
        kind=DeferredIndex.Kind.INDEX,
        statement="DROP TABLE records_record",
        batch=batch,
    )
    with pytest.raises(ValueError, match="refusing to run it"):
        bulkload.restore()
    assert Record.objects.count() == 0  # the table is still there to count
    DeferredIndex.objects.all().delete()


def test_sqlite_sorts_the_new_indexes_in_parallel_runs_and_puts_its_settings_back(
    tmp_path: Path, always_bulk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's sorter settings")

    def pragma(name: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name}")
            return int(cursor.fetchone()[0])

    seen: list[tuple[int, int]] = []
    build = bulkload._build

    def spy() -> int:
        seen.append((pragma("threads"), pragma("cache_size")))
        return build()

    monkeypatch.setattr(bulkload, "_build", spy)
    threads, cache = pragma("threads"), pragma("cache_size")
    import_files([force(tmp_path / "f.ndjson", 30)])
    assert seen == [(min(os.cpu_count() or 1, 4), -bulkload.SORT_CACHE_KIB)]
    assert (pragma("threads"), pragma("cache_size")) == (threads, cache)
