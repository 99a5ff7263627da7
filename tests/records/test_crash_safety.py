"""Killing an import part-way (SIGKILL) and importing again ends exactly as one clean import."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tests.conftest import VIGIL, query, vigil_env, write_ndjson
from tests.factories import call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # subprocesses

RECORDS = 6000

# What the store holds, without the bookkeeping of which run wrote it (batch ids, row ids).
STATE_QUERIES = {
    "records": "SELECT source_system, source_id, record_type, version, content_hash, summary "
    "FROM records_record ORDER BY source_system, source_id",
    "mentions": "SELECT r.source_system, r.source_id, m.mention_id, m.role, m.forename, m.surname, "
    "m.date_of_birth, m.postcode, l.key FROM records_personmention m "
    "JOIN records_record r ON r.id = m.record_id "
    "LEFT JOIN records_location l ON l.id = m.location_id "
    "ORDER BY r.source_system, r.source_id, m.mention_id",
    "objects": "SELECT r.source_id, o.object_type, o.identifier FROM records_recordobject o "
    "JOIN records_record r ON r.id = o.record_id ORDER BY r.source_id, o.identifier",
    "links": "SELECT r.source_id, k.target_system, k.target_id, k.relation FROM records_recordlink k "
    "JOIN records_record r ON r.id = k.record_id ORDER BY r.source_id, k.target_id",
    "versions": "SELECT r.source_id, v.version, v.content_hash FROM records_recordversion v "
    "JOIN records_record r ON r.id = v.record_id ORDER BY r.source_id, v.version",
    "locations": "SELECT key, postcode FROM records_location ORDER BY key",
    "quarantine": "SELECT raw_hash, line, source_id, reasons, resolved_by_batch_id IS NULL "
    "FROM records_quarantinedrecord ORDER BY raw_hash",
}


SCHEMA_QUERIES = {
    "sqlite": {
        "indexes": "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name",
        "deferred": "SELECT name FROM records_deferredindex",
    },
    "postgresql": {
        "indexes": "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() ORDER BY indexname",
        "foreign keys": "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' ORDER BY conname",
        "deferred": "SELECT name FROM records_deferredindex",
    },
}


def state(url: str) -> dict[str, list[tuple[object, ...]]]:
    """The rows held, and the schema: a killed bulk load must leave no index unbuilt."""
    schema = SCHEMA_QUERIES["sqlite" if url.startswith("sqlite") else "postgresql"]
    return {name: query(url, sql) for name, sql in {**STATE_QUERIES, **schema}.items()}


def big_file(path: Path) -> Path:
    lines: list[object] = []
    for i in range(RECORDS):
        record = call(
            f"C-{i}",
            summary=f"call {i}",
            people=[
                {
                    "mention_id": "c",
                    "role": "child_present",
                    "forename": f"Child{i % 97}",
                    "surname": f"Family{i % 501}",
                    "date_of_birth": f"20{i % 10:02d}-0{1 + i % 9}-1{i % 9}",
                    "address": f"{i % 300} Long Lane, Leeds",
                    "postcode": f"LS{i % 20} {i % 9}AB",
                },
                {
                    "mention_id": "a",
                    "role": "parent_carer",
                    "forename": "Pat",
                    "surname": f"Family{i % 501}",
                },
            ],
            objects=[{"object_type": "phone", "identifier": f"07700 9{i:05d}"}],
            links=[{"source_system": "niche", "source_id": f"CR-{i}", "relation": "follows_from"}],
        )
        lines.append(record)
        if i % 500 == 7:
            lines.append(b'{"record_type": "call", "broken": ')
        if i % 1000 == 11:
            lines.append(call(f"C-{i - 5}", version=9, summary="a later version"))
    return write_ndjson(path, lines)


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found.update(int(c) for c in (task / "children").read_text().split())
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize(
    ("workers", "bulk"),
    [(False, False), (True, False), (True, True)],
    ids=["one process", "worker processes", "bulk load"],
)
def test_sigkill_mid_import_then_reimport_equals_one_clean_import(
    tmp_path: Path, new_database: Callable[[], str], workers: bool, bulk: bool
) -> None:
    scratch_database_url = new_database()
    data = big_file(tmp_path / "force.ndjson")
    env = vigil_env(scratch_database_url, tmp_path)
    env["VIGIL_IMPORT_BATCH_SIZE"] = "100"
    # The file is too small to count as a bulk load (records.bulkload) unless told otherwise.
    env["VIGIL_BULK_LOAD_MIN_RECORDS"] = "0" if bulk else str(1 << 40)
    # The file is below the size at which workers start unless told otherwise.
    env["VIGIL_IMPORT_POOL_BYTES"] = "0" if workers else str(1 << 40)
    subprocess.run(
        [str(VIGIL), "quarantine", "list", "--json"], env=env, check=True, capture_output=True
    )  # creates the schema before timing the kill

    proc = subprocess.Popen(
        [str(VIGIL), "import", str(data), "--json", "--no-assess"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    held = 0
    helpers: set[int] = set()
    while time.monotonic() < deadline:
        helpers |= children_of(proc.pid)
        held = query(scratch_database_url, "SELECT count(*) FROM records_record")[0][0]
        if held >= 500:
            break
        time.sleep(0.01)
    helpers |= children_of(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < held < RECORDS, "the kill must land part-way through the import"
    if workers:
        assert len(helpers) >= 2, "the import was to run with worker processes"
    # Workers whose importer was killed do not linger (they would hold memory, and on SQLite
    # nothing else, since only the importer writes).
    linger = time.monotonic() + 30
    while any(alive(pid) for pid in helpers) and time.monotonic() < linger:
        time.sleep(0.1)
    assert not [pid for pid in helpers if alive(pid)], "worker processes outlived the import"
    partial = query(scratch_database_url, "SELECT count(*) FROM records_record")[0][0]
    assert partial < RECORDS
    deferred = query(scratch_database_url, "SELECT count(*) FROM records_deferredindex")[0][0]
    if bulk:
        assert deferred > 0, "the kill was to land while the bulk load's indexes were dropped"
    else:
        assert deferred == 0

    again = subprocess.run(
        [str(VIGIL), "import", str(data), "--json", "--no-assess"],
        env=env,
        capture_output=True,
        check=True,
    )
    summary = orjson.loads(again.stdout)
    assert (
        summary["imported"] + summary["unchanged"] + summary["replaced"] + summary["quarantined"]
        == summary["received"]
    )

    # The reference: one clean import into a second, fresh database.
    clean_url = new_database()
    clean_env = vigil_env(clean_url, tmp_path / "clean")
    clean_env["VIGIL_IMPORT_BATCH_SIZE"] = "100"
    clean_env["VIGIL_IMPORT_POOL_BYTES"] = str(1 << 40)
    clean_env["VIGIL_BULK_LOAD_MIN_RECORDS"] = str(1 << 40)
    subprocess.run(
        [str(VIGIL), "import", str(data), "--json", "--no-assess"],
        env=clean_env,
        capture_output=True,
        check=True,
    )
    recovered, reference = state(scratch_database_url), state(clean_url)
    assert len(reference["records"]) == RECORDS
    assert len(reference["quarantine"]) == RECORDS // 500
    for name in STATE_QUERIES:
        assert recovered[name] == reference[name], f"{name} differ after crash and re-import"
