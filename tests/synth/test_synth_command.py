"""`vigil synth` as CLI.md says, run in process as the synth app's command."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def synth(out: Path, *extra: str) -> str:
    shown = io.StringIO()
    call_command("synth", "--people", "400", *extra, "--out", str(out), stdout=shown)
    return shown.getvalue()


def contents(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_synth_as_cli_md_says(tmp_path: Path) -> None:
    """`vigil synth --people N [--seed S] [--start DATE] [--days D] --out DIR` (no database)."""
    window = ("--start", "2014-02-01", "--days", "300")
    shown = synth(tmp_path / "a", "--seed", "5", *window)
    assert (
        shown.startswith("Wrote a synthetic force of 400 people (") and str(tmp_path / "a") in shown
    )
    synth(tmp_path / "b", "--seed", "5", *window)
    synth(tmp_path / "c", "--seed", "6", *window)
    written = contents(tmp_path / "a")
    assert {"truth/persons.csv", "truth/alerts.ndjson", "truth/summary.json"} <= set(written)
    records = [
        orjson.loads(line)
        for name, data in written.items()
        if name.startswith("records/")
        for line in data.splitlines()
    ]
    assert records and all("2014-02-01" <= r["occurred_at"][:10] <= "2014-11-28" for r in records)
    assert orjson.loads(written["truth/summary.json"])["as_of"].startswith("2014-11-28T12:00")
    assert contents(tmp_path / "b") == written, "the same seed and arguments give the same force"
    assert contents(tmp_path / "c")["truth/persons.csv"] != written["truth/persons.csv"]


@pytest.mark.django_db
def test_what_synth_writes_import_takes_whole(tmp_path: Path) -> None:
    synth(tmp_path / "force", "--seed", "2", "--days", "200")
    files = sorted(str(p) for p in (tmp_path / "force" / "records").glob("*.ndjson"))
    records = sum(len(Path(f).read_bytes().splitlines()) for f in files)
    out = io.StringIO()
    call_command("import", *files, "--json", "--no-assess", stdout=out)
    summary = orjson.loads(out.getvalue())
    assert (summary["received"], summary["imported"], summary["quarantined"]) == (
        records,
        records,
        0,
    )


def test_synth_refuses_nonsense_with_exit_status_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        synth(tmp_path / "x", "--days", "0")
    assert refused.value.returncode == 2
    assert "people and days must be at least 1" in str(refused.value)
