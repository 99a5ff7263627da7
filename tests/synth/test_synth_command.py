"""`vigil synth` as CLI.md says, run in process as the synth app's command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.synth.config import CASEWORK_SITUATIONS


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
    assert {
        "truth/persons.csv",
        "truth/alerts.ndjson",
        "truth/alerts_must_not.ndjson",
        "truth/summary.json",
        "records/vigil.ndjson",
    } <= set(written)
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
    lines = [orjson.loads(line) for f in files for line in Path(f).read_bytes().splitlines()]
    records = {(r["source_system"], r["source_id"]) for r in lines}  # a new version replaces
    out = io.StringIO()
    call_command("import", *files, "--json", "--no-assess", stdout=out)
    summary = orjson.loads(out.getvalue())
    assert (summary["received"], summary["imported"], summary["quarantined"]) == (
        len(lines),
        len(records),
        0,
    )
    assert summary["replaced"] == len(lines) - len(records) > 0  # casework written in Vigil


def test_synth_refuses_nonsense_with_exit_status_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        synth(tmp_path / "x", "--days", "0")
    assert refused.value.returncode == 2
    assert "people and days must be at least 1" in str(refused.value)


@pytest.mark.django_db
def test_casework_written_in_vigil_imports_whole_and_exports_back_as_written(
    tmp_path: Path,
) -> None:
    """Issue 13: the force's records written in Vigil pass `vigil import` without quarantine,
    even ahead of the records they amend (those wait), and `vigil export --source-system vigil`
    gives back exactly what was written: the latest version of each."""
    synth(tmp_path / "force", "--seed", "4", "--days", "200")
    folder = tmp_path / "force" / "records"
    written = [orjson.loads(line) for line in (folder / "vigil.ndjson").read_bytes().splitlines()]
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for record in sorted(written, key=lambda r: r.get("version", 0)):
        latest[(record["source_system"], record["source_id"])] = record
    amendments = [r for r in latest.values() if r.get("links")]
    assert amendments and len(latest) > len(amendments) and len(written) > len(latest)

    def imported(*files: Path) -> dict[str, int]:
        out = io.StringIO()
        call_command("import", *map(str, files), "--json", "--no-assess", stdout=out)
        summary: dict[str, int] = orjson.loads(out.getvalue())
        assert summary["quarantined"] == 0, summary
        return summary

    first = imported(folder / "vigil.ndjson")  # before any target is held: amendments wait
    assert (first["imported"], first["replaced"]) == (len(latest), len(written) - len(latest))
    rest = imported(*sorted(p for p in folder.glob("*.ndjson") if p.name != "vigil.ndjson"))
    assert rest["imported"] == rest["received"] > 0

    out = io.StringIO()
    call_command("export", "--source-system", "vigil", stdout=out, stderr=io.StringIO())
    exported = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert len(exported) == len(latest)
    assert {(r["source_system"], r["source_id"]): r for r in exported} == latest


def _matches(alert: dict[str, Any], exp: dict[str, Any]) -> bool:
    """As shared/contract/check_scenarios.py matches an expectation to an alert."""
    if alert["code"] != exp["code"]:
        return False
    subject = alert["subject"]
    if "mention" in exp:
        mentions = {
            (m["source_system"], m["source_id"], m["mention_id"]) for m in subject["mentions"]
        }
        return tuple(exp["mention"]) in mentions
    want = tuple(exp["record"])
    return (subject.get("source_system"), subject.get("source_id")) == want or want in {
        (e["source_system"], e["source_id"]) for e in alert["evidence"]
    }


@pytest.mark.django_db
def test_what_synth_plants_the_store_finds_through_vigil_import_and_alerts(
    tmp_path: Path,
) -> None:
    """The whole pipeline (import, identity resolution, assessment, `vigil alerts --as-of`) on a
    force with casework written in Vigil: every planted alert, saying what it must, and none of
    those that must not fire (the truth's must and must_not, as check_scenarios.py reads them)."""
    synth(tmp_path / "force", "--seed", "4", "--days", "200")
    force = tmp_path / "force"
    as_of = orjson.loads((force / "truth" / "summary.json").read_bytes())["as_of"]
    files = sorted(str(p) for p in (force / "records").glob("*.ndjson"))
    call_command("import", *files, "--json", stdout=io.StringIO())
    out = io.StringIO()
    call_command("alerts", "--as-of", as_of, "--json", stdout=out)
    alerts = orjson.loads(out.getvalue())
    truth = [
        orjson.loads(line) for line in (force / "truth" / "alerts.ndjson").read_bytes().splitlines()
    ]
    must_not = [
        orjson.loads(line)
        for line in (force / "truth" / "alerts_must_not.ndjson").read_bytes().splitlines()
    ]
    assert {e.get("casework") for e in truth + must_not} >= set(CASEWORK_SITUATIONS)
    missing = [
        exp
        for exp in truth
        if not any(_matches(a, exp) and exp.get("says", "") in a["explanation"] for a in alerts)
    ]
    assert not missing, missing[:5]
    fired = [exp for exp in must_not if any(_matches(a, exp) for a in alerts)]
    assert not fired, fired[:5]
