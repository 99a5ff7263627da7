"""A full assessment streamed in chunks of persons gives exactly what one casebook gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest

from tests.conftest import EXAMPLES, write_ndjson
from vigil.alerts.engine import (
    FullEvaluation,
    _Lighter,
    assess,
    evaluate_everyone,
    identity_map,
    load_records,
)
from vigil.alerts.models import Alert
from vigil.identity.store import person_map, relink_all
from vigil.records.contract import parse_record_json
from vigil.records.importer import import_files
from vigil.rules import RecordKey
from vigil.synth.generate import generate

pytestmark = pytest.mark.django_db


def _lonely_investigation(as_of: dt.datetime) -> dict[str, object]:
    """An investigation naming no one, with a device waiting for examination: no chunk of
    persons covers it, yet a full evaluation raises DIGITAL_BACKLOG about it."""
    opened = (as_of - dt.timedelta(days=80)).isoformat()
    return {
        "record_type": "investigation",
        "source_system": "niche",
        "source_id": "INV-LONELY",
        "occurred_at": opened,
        "people": [],
        "opened_at": opened,
        "devices": [
            {"device_id": "phone 1", "submitted_at": (as_of - dt.timedelta(days=60)).isoformat()}
        ],
    }


def _as_json(findings: list) -> list[bytes]:  # type: ignore[type-arg]
    return [orjson.dumps(f.as_json()) for f in findings]


@pytest.mark.slow
def test_chunked_full_evaluation_equals_one_casebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    force = tmp_path / "force"
    summary = generate(force, people=1500, seed=11, workers=1)
    as_of = dt.datetime.fromisoformat(summary["as_of"])
    files = sorted((force / "records").glob("*.ndjson"))
    files.append(write_ndjson(tmp_path / "lonely.ndjson", [_lonely_investigation(as_of)]))
    import_files(files, started_by="test")
    relink_all(actor="test")
    assert identity_map() == person_map()  # the streamed identity of a full evaluation

    whole_stats, chunked_stats = FullEvaluation(), FullEvaluation()
    whole = evaluate_everyone(as_of, chunk=0, stats=whole_stats)
    chunked = evaluate_everyone(as_of, chunk=97, stats=chunked_stats)
    assert whole_stats.chunks == 1
    assert chunked_stats.chunks >= 5
    # Each chunk's casebook holds only part of the store (on this small, dense force most of it).
    assert chunked_stats.largest_chunk_records < whole_stats.records_loaded
    codes = {f.code for f in whole}
    assert len(codes) >= 15, codes  # enough kinds of finding for the comparison to mean something
    assert any(
        f.code == "DIGITAL_BACKLOG" and f.record == RecordKey("niche", "INV-LONELY") for f in whole
    )
    assert _as_json(chunked) == _as_json(whole)

    # assess() (what `vigil assess` runs) stores the same alerts whichever way it evaluates.
    monkeypatch.setenv("VIGIL_ASSESS_CHUNK", "97")
    findings, outcome = assess(as_of)
    assert outcome.raised == len(whole) and _as_json(findings) == _as_json(whole)
    monkeypatch.setenv("VIGIL_ASSESS_CHUNK", "0")
    _, again = assess(as_of)
    assert (again.raised, again.updated, again.reopened, again.resolved) == (0, 0, 0, 0)
    assert again.unchanged == Alert.objects.count() == len(whole)


def test_lightened_records_read_exactly_as_parsed(tmp_path: Path) -> None:
    generate(tmp_path / "force", people=300, seed=3, workers=1)
    lines = [
        line
        for f in sorted((tmp_path / "force" / "records").glob("*.ndjson"))
        for line in f.read_bytes().splitlines()
        if line.strip()
    ]
    lines += [
        line
        for f in sorted(EXAMPLES.glob("*/records.ndjson"))
        for line in f.read_bytes().splitlines()
        if line.strip()
    ]
    extra = orjson.loads(lines[0])
    extra["people"][0]["nickname"] = "Bex"  # fields beyond the contract are kept
    extra["force_ref"] = "X-1"
    lines.append(orjson.dumps(extra))
    lighter = _Lighter()
    for line in lines:
        fresh, light = parse_record_json(line), parse_record_json(line)
        lighter(light)
        assert light.model_dump() == fresh.model_dump()
        assert light.model_fields_set == fresh.model_fields_set
        assert light.extra == fresh.extra
        assert [m.extra for m in light.people] == [m.extra for m in fresh.people]
        assert getattr(light, "risk_assessment", None) == getattr(fresh, "risk_assessment", None)
    assert light.extra == {"force_ref": "X-1"} and light.people[0].extra == {"nickname": "Bex"}
    # Sharing the fields-given sets is what saves the memory: far fewer sets than records
    # (each of which has several models: the record, its location, mentions, entries).
    assert len(lighter._sets) < len(lines) / 2


def test_load_records_gives_the_stored_records(tmp_path: Path) -> None:
    files = sorted(EXAMPLES.glob("*/records.ndjson"))
    import_files(files, started_by="test")
    expected = sorted(
        (
            parse_record_json(line).model_dump()
            for f in files
            for line in f.read_bytes().splitlines()
            if line.strip()
        ),
        key=lambda r: (r["source_system"], r["source_id"]),
    )
    loaded = sorted(
        (r.model_dump() for r in load_records()), key=lambda r: (r["source_system"], r["source_id"])
    )
    assert loaded == expected
