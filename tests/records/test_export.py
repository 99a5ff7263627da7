"""`vigil export` (CLI.md v1.1): the records held, the latest version of each exactly as
received, one a line; importing the output into an empty store gives the same records."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import EXAMPLES, VIGIL, vigil_env, write_ndjson
from tests.factories import call, person
from vigil.audit.models import AuditEntry
from vigil.records.models import ImportBatch, Record

pytestmark = pytest.mark.django_db


def export(*args: str) -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("export", *args, stdout=out, stderr=io.StringIO())
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def held() -> set[tuple[str, str, int | None, str]]:
    return set(Record.objects.values_list("source_system", "source_id", "version", "content_hash"))


def test_export_gives_each_record_as_received_and_is_logged(tmp_path: Path) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*/records.ndjson"))
    call_command("import", *files, "--no-assess", stdout=io.StringIO())
    newer = write_ndjson(tmp_path / "newer.ndjson", [call("EXP-1", version=1)])
    call_command("import", str(newer), "--no-assess", stdout=io.StringIO())
    replaced = write_ndjson(tmp_path / "v2.ndjson", [call("EXP-1", version=2, summary="v2")])
    call_command("import", str(replaced), "--no-assess", stdout=io.StringIO())

    lines = export()
    assert len(lines) == Record.objects.count()
    keys = {(r["source_system"], r["source_id"]) for r in lines}
    assert keys == set(Record.objects.values_list("source_system", "source_id"))
    [mine] = [r for r in lines if r["source_id"] == "EXP-1"]
    assert (mine["version"], mine["summary"]) == (2, "v2")  # the latest version only
    entry = AuditEntry.objects.filter(action="record.export").latest("id")
    assert entry.target == "stdout" and entry.detail["records"] == len(lines)

    out = tmp_path / "all.ndjson"
    call_command("export", "--out", str(out), stdout=io.StringIO())
    assert [orjson.loads(line) for line in out.read_bytes().splitlines()] == lines
    assert AuditEntry.objects.filter(action="record.export").latest("id").target == f"file:{out}"


def test_export_of_one_source_system_and_since_a_time(tmp_path: Path) -> None:
    first = write_ndjson(
        tmp_path / "a.ndjson", [call("OLD-1"), call("OTHER-1", source_system="niche")]
    )
    call_command("import", str(first), "--no-assess", stdout=io.StringIO())
    long_ago = timezone.now() - dt.timedelta(days=30)
    ImportBatch.objects.update(finished_at=long_ago)
    cut = timezone.now() - dt.timedelta(days=1)
    second = write_ndjson(tmp_path / "b.ndjson", [call("NEW-1")])
    call_command("import", str(second), "--no-assess", stdout=io.StringIO())

    assert {r["source_id"] for r in export("--source-system", "niche")} == {"OTHER-1"}
    assert {r["source_id"] for r in export("--since", cut.isoformat())} == {"NEW-1"}
    # A batch that stopped part way (no finish) is given, rather than risk leaving it out.
    ImportBatch.objects.filter(records__source_id="OLD-1").update(finished_at=None)
    assert {r["source_id"] for r in export("--since", cut.isoformat())} == {
        "NEW-1",
        "OLD-1",
        "OTHER-1",
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_importing_the_export_into_an_empty_store_gives_the_same_records(
    tmp_path: Path, new_database: Callable[[], str]
) -> None:
    first, second = (vigil_env(new_database(), tmp_path / n) for n in ("one", "two"))

    def vigil(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run([str(VIGIL), *args], env=env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()
        return done

    files = sorted(str(p) for p in EXAMPLES.glob("*/records.ndjson"))
    vigil(first, "import", *files, "--no-assess")
    exported = vigil(first, "export").stdout
    out = tmp_path / "export.ndjson"
    out.write_bytes(exported)
    summary = orjson.loads(vigil(second, "import", str(out), "--no-assess", "--json").stdout)
    assert summary["imported"] == len(exported.splitlines()) and summary["quarantined"] == 0
    assert vigil(second, "export").stdout == exported


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_export_of_what_was_written_in_vigil_since_a_time_round_trips_into_an_empty_store(
    tmp_path: Path, new_database: Callable[[], str]
) -> None:
    """Issue 13: `vigil export --source-system vigil --since T` gives other systems everything
    written in Vigil since T (amendments, records of its own, the latest version of each, and an
    amendment still waiting for its target), and importing it into an empty store holds the
    same records: the same payloads, exported again byte for byte."""
    first, second = (vigil_env(new_database(), tmp_path / n) for n in ("one", "two"))

    def vigil(env: dict[str, str], *args: str) -> bytes:
        done = subprocess.run([str(VIGIL), *args], env=env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout

    def amendment(source_id: str, target: tuple[str, str], **fields: object) -> dict[str, object]:
        return {
            "record_type": fields.pop("record_type", "police_protection"),
            "source_system": "vigil",
            "source_id": source_id,
            "occurred_at": "2025-03-07T23:30:00+00:00",
            "recorded_at": "2025-03-07T23:35:00+00:00",
            "people": [],
            "links": [{"source_system": target[0], "source_id": target[1], "relation": "amends"}],
            **fields,
        }

    protection = {
        "record_type": "police_protection",
        "source_system": "niche",
        "source_id": "PP-1",
        "occurred_at": "2025-03-07T22:10:00+00:00",
        "people": [person("c1", "subject")],
        "started_at": "2025-03-07T22:10:00+00:00",
    }
    before = amendment("VGL-OLD", ("niche", "PP-1"), designated_officer="Insp 4410")
    vigil(
        first,
        "import",
        str(write_ndjson(tmp_path / "a.ndjson", [protection, before])),
        "--no-assess",
    )
    since = dt.datetime.now(dt.UTC)

    informed = amendment(
        "VGL-PP-1",
        ("niche", "PP-1"),
        version=1,
        local_authority_informed_at="2025-03-07T23:05:00+00:00",
    )
    ended = {**informed, "version": 2, "ended_at": "2025-03-09T09:30:00+00:00"}
    held_at = "2025-03-10T10:00:00+00:00"
    action = {
        "description": "Joint visit",
        "owner": "police",
        "due_at": "2025-03-12T10:00:00+00:00",
    }
    discussion = {
        "record_type": "strategy_discussion",
        "source_system": "vigil",
        "source_id": "VGL-SD-1",
        "version": 1,
        "occurred_at": held_at,
        "recorded_at": held_at,
        "people": [person("c1", "subject")],
        "held_at": held_at,
        "actions": [action],
    }
    done = {
        **discussion,
        "version": 2,
        "recorded_at": "2025-03-11T16:00:00+00:00",
        "actions": [{**action, "done_at": "2025-03-11T15:00:00+00:00"}],
    }
    waiting = amendment(
        "VGL-INV-9",
        ("niche", "INV-9"),
        record_type="investigation",
        supervisory_reviews=[{"at": "2025-03-11T09:00:00+00:00", "by": "DS Hall"}],
    )
    other = call("CAD-9")
    later = write_ndjson(tmp_path / "b.ndjson", [informed, ended, discussion, done, waiting, other])
    vigil(first, "import", str(later), "--no-assess")

    exported = vigil(first, "export", "--source-system", "vigil", "--since", since.isoformat())
    lines = [orjson.loads(line) for line in exported.splitlines()]
    assert lines == [ended, done, waiting]  # the latest version of each, exactly as received
    everything = [orjson.loads(line) for line in vigil(first, "export").splitlines()]
    assert before in everything and protection in everything and other in everything

    out = tmp_path / "vigil.ndjson"
    out.write_bytes(exported)
    summary = orjson.loads(vigil(second, "import", str(out), "--no-assess", "--json"))
    assert (summary["imported"], summary["quarantined"]) == (3, 0)
    assert vigil(second, "export") == exported
    assert vigil(second, "export", "--source-system", "vigil") == exported
