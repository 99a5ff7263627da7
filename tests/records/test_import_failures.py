"""Issue 11 item 4 and the end of item 11: an import that fails says so in one line, marks its
batch failed, and neither the batch nor standard error ever quotes a record's values."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import DataError, connection

from tests.conftest import VIGIL, query, vigil_env, write_ndjson
from tests.factories import call
from vigil.records.importer import describe_failure, failure_of, import_files
from vigil.records.models import ImportBatch
from vigil.records.store import BatchWriter

SECRET = "Zebedee Quartermaine"


@pytest.mark.django_db(transaction=True)
def test_a_batch_the_database_refuses_is_marked_failed_without_its_values(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Injected deterministically: the database's message quotes the refused value."""

    def refuse(self: BatchWriter, items: Any) -> Any:
        raise DataError(f'value too long for type character varying(200)\nDETAIL: "{SECRET}"')

    monkeypatch.setattr(BatchWriter, "write", refuse)
    path = write_ndjson(tmp_path / "a.ndjson", [call(f"C-{i}", summary=SECRET) for i in range(3)])
    with pytest.raises(DataError) as raised:
        import_files([path])
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error == f"the database refused a batch (DataError) while writing {path} lines 1-3"
    assert failure_of(raised.value) == (batch.pk, batch.error)


def test_failures_are_described_by_kind_and_place_only() -> None:
    class AdminShutdown(Exception):
        sqlstate = "57P01"

    from django.db import OperationalError

    lost = OperationalError(f"terminating connection: {SECRET}")
    lost.__cause__ = AdminShutdown(SECRET)
    where = ("f.ndjson", 5001, 10000)
    assert describe_failure(lost, where) == (
        "the connection to the database was lost (57P01) while writing f.ndjson lines 5001-10000"
    )
    assert describe_failure(ValueError(SECRET), None) == "an internal error (ValueError)"
    assert describe_failure(KeyboardInterrupt(), where).startswith("interrupted while writing")


@pytest.mark.django_db(transaction=True)
def test_standard_error_names_a_refused_file_without_quoting_it(
    tmp_path: Path,
    new_database: Any,
) -> None:
    path = tmp_path / "export.ndjson"
    path.write_text(f"forename,surname\n{SECRET.replace(' ', ',')}\n")
    done = subprocess.run(
        [str(VIGIL), "import", "--json", "--no-assess", str(path)],
        env=vigil_env(new_database(), tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"vigil import: {path}: not NDJSON: expected one JSON object per "
        "line, but the file is not JSON\n"
    )


def _terminate_imports(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def _records(url: str) -> int:
    try:
        return int(query(url, "SELECT count(*) FROM records_record")[0][0])
    except Exception:  # not migrated yet
        return 0


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_connection_is_terminated_ends_in_one_line_with_its_batch_failed(
    tmp_path: Path,
    new_database: Any,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    url = new_database()
    path = write_ndjson(
        tmp_path / "big.ndjson", [call(f"C-{i}", summary=f"{SECRET} {i}") for i in range(20000)]
    )
    env = dict(
        vigil_env(url, tmp_path), VIGIL_IMPORT_BATCH_SIZE="200", VIGIL_BULK_LOAD_MIN_RECORDS="100"
    )
    importer = subprocess.Popen(
        [str(VIGIL), "import", "--json", "--no-assess", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while _records(url) < 400 and importer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert importer.poll() is None, "the import ended before it could be cut off"
        # As the owner, when there are two roles: the import's bulk-load work runs as the owner,
        # whose connections the application's role may not end.
        assert _terminate_imports(env.get("VIGIL_DATABASE_OWNER_URL", url)) >= 1
        _, stderr = importer.communicate(timeout=300)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 1
    assert stderr.count("\n") == 1 and "Traceback" not in stderr and SECRET not in stderr
    assert re.fullmatch(
        r"vigil import: failed: the connection to the database was lost( \(57P01\))? while "
        rf"writing {re.escape(str(path))} lines \d+-\d+; import batch 1 is marked failed \(the "
        r"batches before it are kept: import the same files again to carry on\)\n",
        stderr,
    )
    [(status, error)] = query(url, "SELECT status, error FROM records_importbatch")
    assert status == "failed" and error.startswith("the connection to the database was lost")
    # What its bulk load dropped was built again by the import itself, before it ended.
    assert query(url, "SELECT name FROM records_deferredindex") == []
    fresh = new_database()
    subprocess.run(
        [str(VIGIL), "quarantine", "list"],
        env=vigil_env(fresh, tmp_path),
        capture_output=True,
        check=True,
        timeout=300,
    )
    indexes = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' ORDER BY 1"
    )
    assert query(url, indexes) == query(fresh, indexes)
