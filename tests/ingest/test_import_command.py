"""`vigil import`, run in process as the ingest app's command."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import EXAMPLES, write_ndjson
from tests.factories import call
from vigil.alerts.models import Alert
from vigil.identity.models import MentionLink
from vigil.ingest import pipeline

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_takes_files_through_the_pipeline_unless_told_not_to(tmp_path: Path) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*/records.ndjson"))
    summary = orjson.loads(run("import", *files, "--json", "--no-assess"))
    assert summary["imported"] == 15 and summary["quarantined"] == 0
    assert not MentionLink.objects.exists() and not Alert.objects.exists()
    extra = write_ndjson(tmp_path / "extra.ndjson", [call("X-1")])
    text = run("import", str(extra))
    assert text.startswith("1 file(s): 1 records received, 1 imported, 0 unchanged")
    # The import links and assesses: the mentions left unlinked before are linked too.
    assert MentionLink.objects.count() > 0 and Alert.objects.exists()


def test_import_of_an_unreadable_file_exits_2_after_printing_the_summary(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", str(tmp_path / "nope.ndjson"), "--json", stdout=out, stderr=err)
    assert exit_.value.code == 2
    assert orjson.loads(out.getvalue())["errors"][0]["reasons"] == ["no such file"]
    assert err.getvalue() == f"vigil import: {tmp_path / 'nope.ndjson'}: no such file\n"


def test_import_failing_after_the_records_are_stored_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Amy Stone")  # a value: never to be shown

    monkeypatch.setattr(pipeline, "link_new", broken)
    with pytest.raises(CommandError) as failure:
        run("import", str(write_ndjson(tmp_path / "one.ndjson", [call("X-1")])))
    assert failure.value.returncode == 1
    assert str(failure.value).startswith(
        "the records were imported, but linking or assessing "
        "them failed: an internal error (RuntimeError)"
    )
    assert "Amy" not in str(failure.value)
