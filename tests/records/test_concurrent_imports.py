"""Issue 11 item 3: two `vigil` commands at once neither deadlock nor die migrating.

Real `vigil import` processes against a scratch database of the kind the suite runs on. The
second import waits for the first (PostgreSQL: an advisory lock held for the whole command;
SQLite: a lock file beside the database), so a bulk load's index restore never meets the other
import's writes, and no index is left dropped.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VIGIL, query, vigil_env, write_ndjson
from tests.factories import call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # subprocesses

SCHEMA = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name",
    "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
    "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE contype = 'f' ORDER BY 1",
}


def schema(url: str) -> list[tuple[Any, ...]]:
    return query(url, SCHEMA["sqlite" if url.startswith("sqlite") else "postgresql"])


def records(url: str) -> int:
    try:
        return int(query(url, "SELECT count(*) FROM records_record")[0][0])
    except Exception:  # not migrated yet
        return 0


def people_file(path: Path, prefix: str, count: int) -> Path:
    return write_ndjson(
        path,
        [
            call(
                f"{prefix}-{i}",
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
                    }
                ],
                objects=[{"object_type": "phone", "identifier": f"07700 9{i:05d}"}],
                links=[
                    {"source_system": "niche", "source_id": f"CR-{i}", "relation": "follows_from"}
                ],
            )
            for i in range(count)
        ],
    )


def start(paths: list[Path], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(VIGIL), "import", "--json", "--no-assess", *map(str, paths)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=400)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, stderr


def test_two_imports_started_seconds_apart_both_finish_and_leave_every_index(
    tmp_path: Path,
    new_database: Any,
) -> None:
    url = new_database()
    env = dict(
        vigil_env(url, tmp_path), VIGIL_BULK_LOAD_MIN_RECORDS="100", VIGIL_IMPORT_BATCH_SIZE="500"
    )
    subprocess.run(
        [str(VIGIL), "quarantine", "list"], env=env, capture_output=True, check=True, timeout=300
    )
    migrated = schema(url)
    first = start([people_file(tmp_path / "a.ndjson", "A", 8000)], env)
    second_file = people_file(tmp_path / "b.ndjson", "B", 8000)
    deadline = time.monotonic() + 300
    # The second starts while the first is part-way through its bulk load.
    while records(url) < 1000 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = start([second_file], env)
    assert finish(first) == (0, "")
    assert finish(second) == (0, "")
    assert records(url) == 16000
    assert query(url, "SELECT status FROM records_importbatch") == [("completed",)] * 2
    assert query(url, "SELECT name FROM records_deferredindex") == []
    assert schema(url) == migrated


def test_two_commands_started_together_on_an_empty_database_both_migrate(
    tmp_path: Path,
    new_database: Any,
) -> None:
    url = new_database()
    env = vigil_env(url, tmp_path)
    both = [
        start([write_ndjson(tmp_path / f"{n}.ndjson", [call(f"{n}-1")])], env) for n in ("A", "B")
    ]
    assert [finish(process) for process in both] == [(0, ""), (0, "")]
    assert records(url) == 2
