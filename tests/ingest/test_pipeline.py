"""The ingestion pipeline: every entry's records go through import, identity and assessment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest

from tests.conftest import EXAMPLES, write_ndjson
from tests.factories import call
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.identity.models import MentionLink
from vigil.ingest import pipeline
from vigil.ingest.pipeline import failed_after_import, ingest_files, ingest_records
from vigil.records.contract import parse_record_json
from vigil.records.models import PersonMention, Record

pytestmark = pytest.mark.django_db

SCENARIO = EXAMPLES / "repeat_missing"
AS_OF = dt.datetime.fromisoformat(orjson.loads((SCENARIO / "expect.json").read_bytes())["as_of"])


def _codes() -> set[str]:
    return set(Alert.objects.values_list("code", flat=True))


def test_files_are_imported_linked_and_assessed() -> None:
    result = ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    assert result.imported.imported == 4
    assert result.linked is not None and result.linked.mode == "full"
    assert result.assessed == "everyone"
    assert MentionLink.objects.count() == PersonMention.objects.count() > 0
    # What the contract scenario must raise, stored as alerts.
    assert {"REPEAT_MISSING", "MISSING_EXPLOITATION_RISK"} <= _codes()
    assert {f.code for f in result.found} == _codes() and result.findings == len(result.found)
    assert set(result.seconds) == {"import", "link", "assess"}


def test_new_records_are_assessed_incrementally_and_a_replaced_one_for_everyone(
    tmp_path: Path,
) -> None:
    ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    one = write_ndjson(
        tmp_path / "one.ndjson", [call("C-NEW", occurred_at="2014-07-01T10:00:00+00:00")]
    )
    added = ingest_files([one], actor="test", as_of=AS_OF)
    assert added.imported.imported == 1
    assert added.linked is not None and added.linked.mode == "incremental"
    assert added.assessed == "touched"
    assert added.incremental is not None and added.incremental.affected >= 1
    # A replaced version may have dropped people or links the store no longer shows, so the
    # incremental argument no longer holds: everyone is assessed.
    again = write_ndjson(
        tmp_path / "again.ndjson",
        [call("C-NEW", summary="corrected", occurred_at="2014-07-01T10:00:00+00:00")],
    )
    replaced = ingest_files([again], actor="test", as_of=AS_OF)
    assert replaced.imported.replaced == 1
    assert replaced.assessed == "everyone"


def test_nothing_new_means_nothing_to_do() -> None:
    ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    again = ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    assert again.imported.unchanged == 4
    assert again.linked is None and again.assessed is None


def test_records_imported_without_assessment_are_caught_up_by_the_next_ingestion() -> None:
    skipped = ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF, assess=False)
    assert skipped.linked is None and skipped.assessed is None
    assert not MentionLink.objects.exists() and not Alert.objects.exists()
    # Nothing new arrives, but the mentions left unlinked are linked and their people assessed.
    later = ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    assert later.imported.imported == 0
    assert later.assessed == "everyone"
    assert MentionLink.objects.count() == PersonMention.objects.count()
    assert "REPEAT_MISSING" in _codes()


def test_records_in_memory_take_the_same_road_as_files() -> None:
    lines = (SCENARIO / "records.ndjson").read_bytes().splitlines()
    records = [
        parse_record_json(lines[0]),
        *(orjson.loads(line) for line in lines[1:]),
        call("BAD-1", occurred_at="2014-01-01"),
    ]
    result = ingest_records(records, actor="form:ann", label="form", as_of=AS_OF)
    assert (result.imported.imported, result.imported.quarantined) == (4, 1)
    [error] = result.imported.errors
    assert Path(error["file"]).name == "form.ndjson" and error["source_id"] == "BAD-1"
    assert not Path(error["file"]).exists(), "the records' file is not left behind"
    assert error["reasons"] == [
        "occurred_at: '2014-01-01' is a date without a time; a date-time is required"
    ]
    assert "REPEAT_MISSING" in _codes()
    assert AuditEntry.objects.filter(action="record.import", actor="form:ann").count() == 1


@pytest.mark.parametrize("label", ["../escape", "", "a/b", ".hidden"])
def test_records_in_memory_are_labelled_with_a_plain_file_name(label: str) -> None:
    with pytest.raises(ValueError, match="not a plain file name"):
        ingest_records([call("X-1")], actor="test", label=label)
    assert not Record.objects.exists()


def test_a_failure_after_the_import_says_the_records_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("linker down")

    monkeypatch.setattr(pipeline, "link_new", broken)
    with pytest.raises(RuntimeError) as failure:
        ingest_files([SCENARIO / "records.ndjson"], actor="test", as_of=AS_OF)
    assert failed_after_import(failure.value)
    assert Record.objects.count() == 4


def test_an_import_failure_is_not_mistaken_for_one_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(pipeline, "import_and_log", broken)
    with pytest.raises(OSError) as failure:
        ingest_files([SCENARIO / "records.ndjson"], actor="test")
    assert not failed_after_import(failure.value)
