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
from tests.factories import call
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
