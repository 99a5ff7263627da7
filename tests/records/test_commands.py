"""`vigil quarantine list`, run in process as the records app's command."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command

from tests.conftest import write_ndjson
from tests.factories import call

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_quarantine_list(tmp_path: Path) -> None:
    bad = write_ndjson(tmp_path / "bad.ndjson", [b"{oops", call("Q-1", people="nobody")])
    run("import", str(bad), "--no-assess")
    listed = orjson.loads(run("quarantine", "list", "--json"))
    assert [(q["line"], q["source_id"]) for q in listed] == [(1, None), (2, "Q-1")]
    assert listed[1]["reasons"] == ["people: 'nobody' is not a list"]
    text = run("quarantine", "list")
    assert "line 2 storm/Q-1" in text and "people: 'nobody' is not a list" in text
    # Fixed and imported again: no longer waiting, but still listed with --all.
    write_ndjson(bad, [b"{oops", call("Q-1")])
    run("import", str(bad), "--no-assess")
    assert [q["source_id"] for q in orjson.loads(run("quarantine", "list", "--json"))] == [None]
    every = orjson.loads(run("quarantine", "list", "--all", "--json"))
    assert [(q["source_id"], q["resolved"]) for q in every if q["source_id"]] == [("Q-1", True)]
