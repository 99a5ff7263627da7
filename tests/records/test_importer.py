"""The importer: every kind of bad input gets its own clear message, and nothing held is lost."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import EXAMPLES, write_ndjson
from tests.factories import call
from vigil.records.importer import import_files
from vigil.records.models import (
    ImportBatch,
    Location,
    PersonMention,
    QuarantinedRecord,
    Record,
    RecordLink,
    RecordObject,
    RecordVersion,
)

pytestmark = pytest.mark.django_db


def held() -> list[tuple[str, str, str]]:
    return sorted(Record.objects.values_list("source_system", "source_id", "content_hash"))


def test_contract_examples_import_completely() -> None:
    files = sorted(EXAMPLES.glob("*/records.ndjson"))
    lines = sum(len(f.read_text().splitlines()) for f in files)
    summary = import_files(files)
    assert summary.as_contract() == {
        "files": len(files),
        "received": lines,
        "imported": lines,
        "unchanged": 0,
        "replaced": 0,
        "quarantined": 0,
        "errors": [],
    }
    assert Record.objects.count() == lines
    collins = Record.objects.get(source_system="storm", source_id="CAD-1001")
    assert collins.record_type == "call"
    assert collins.mentions.count() == 4
    kayleigh = collins.mentions.get(mention_id="k")
    assert (kayleigh.forename, kayleigh.postcode, str(kayleigh.date_of_birth)) == (
        "Kayleigh",
        "B12 9QD",
        "2008-05-06",
    )
    assert kayleigh.payload["demeanour"] is None and kayleigh.payload["spoken_to"] is False
    assert kayleigh.flags == ""
    assert collins.location is not None and collins.location.postcode == "B12 9QD"
    # The household's address is one location however often it is named.
    assert Location.objects.filter(postcode="B12 9QD").count() == 1


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "a.ndjson", [call("C-1"), call("C-2"), b"{not json}"])
    first = import_files([path])
    before = (held(), PersonMention.objects.count(), QuarantinedRecord.objects.count())
    second = import_files([path])
    assert (first.imported, first.quarantined) == (2, 1)
    assert (second.imported, second.unchanged, second.replaced, second.quarantined) == (0, 2, 0, 1)
    assert (held(), PersonMention.objects.count(), QuarantinedRecord.objects.count()) == before


def test_key_order_does_not_make_a_record_different(tmp_path: Path) -> None:
    record = call("C-1")
    shuffled = dict(reversed(list(record.items())))
    import_files([write_ndjson(tmp_path / "a.ndjson", [record])])
    summary = import_files([write_ndjson(tmp_path / "b.ndjson", [shuffled])])
    assert summary.unchanged == 1


def test_higher_version_replaces_and_keeps_history(tmp_path: Path) -> None:
    v1 = call("C-1", version=1, summary="first")
    v2 = call("C-1", version=2, summary="second")
    v2["people"].append({"mention_id": "m", "role": "parent_carer", "forename": "Jo"})
    import_files([write_ndjson(tmp_path / "1.ndjson", [v1])])
    mention_pk = PersonMention.objects.get(mention_id="c1").pk
    summary = import_files([write_ndjson(tmp_path / "2.ndjson", [v2])])
    assert summary.replaced == 1
    record = Record.objects.get()
    assert (record.version, record.summary) == (2, "second")
    history = RecordVersion.objects.get()
    assert history.payload["summary"] == "first" and history.version == 1
    # A kept mention keeps its row (identity decisions hang on it); a new one is added.
    assert PersonMention.objects.get(mention_id="c1").pk == mention_pk
    assert sorted(record.mentions.values_list("mention_id", flat=True)) == ["c1", "m"]
    # An equal or lower version is reported as unchanged and changes nothing.
    stale = import_files(
        [write_ndjson(tmp_path / "3.ndjson", [call("C-1", version=1, summary="old")])]
    )
    assert (stale.unchanged, stale.replaced) == (1, 0)
    assert Record.objects.get().summary == "second"


def test_without_versions_a_different_record_replaces(tmp_path: Path) -> None:
    import_files([write_ndjson(tmp_path / "1.ndjson", [call("C-1", summary="a")])])
    summary = import_files([write_ndjson(tmp_path / "2.ndjson", [call("C-1", summary="b")])])
    assert summary.replaced == 1
    assert Record.objects.get().summary == "b"
    assert RecordVersion.objects.get().payload["summary"] == "a"


def test_two_versions_in_one_file_apply_in_order(tmp_path: Path) -> None:
    path = write_ndjson(
        tmp_path / "a.ndjson",
        [call("C-1", version=1), call("C-1", version=3), call("C-1", version=2)],
    )
    summary = import_files([path])
    assert (summary.imported, summary.replaced, summary.unchanged) == (1, 1, 1)
    assert Record.objects.get().version == 3


def test_fields_beyond_the_contract_are_kept(tmp_path: Path) -> None:
    record = call(
        "C-1",
        force_code="WM",
        people=[{"mention_id": "c1", "role": "victim", "forename": "Amy", "ethnicity": "W1"}],
    )
    import_files([write_ndjson(tmp_path / "a.ndjson", [record])])
    stored = Record.objects.get()
    assert stored.payload["force_code"] == "WM"
    assert stored.mentions.get().payload["ethnicity"] == "W1"


def test_objects_and_links_are_stored(tmp_path: Path) -> None:
    record = call(
        "C-1",
        objects=[{"object_type": "vehicle", "identifier": "ab12 cde"}],
        links=[{"source_system": "niche", "source_id": "CR-1", "relation": "follows_from"}],
    )
    import_files([write_ndjson(tmp_path / "a.ndjson", [record])])
    assert list(RecordObject.objects.values_list("object_type", "identifier")) == [
        ("vehicle", "AB12CDE")
    ]
    assert list(RecordLink.objects.values_list("target_system", "target_id", "relation")) == [
        ("niche", "CR-1", "follows_from")
    ]


BAD_LINES = [
    (
        call("B-1", people=[{"mention_id": "p", "role": "victim", "date_of_birth": "2014-13-01"}]),
        ["people[0].date_of_birth: '2014-13-01' is not a date"],
    ),
    (
        {k: v for k, v in call("B-2").items() if k != "occurred_at"},
        ["occurred_at: required field missing"],
    ),
    (
        call("B-3", record_type="burglary"),
        [
            "record_type: 'burglary' is not a known record type (expected one of call, crime, "
            "concern, missing, custody, police_protection, referral, strategy_discussion, "
            "investigation, intelligence, rso, marac, cp_plan)"
        ],
    ),
    (
        call("B-4", occurred_at="2014-03-01"),
        ["occurred_at: '2014-03-01' is a date without a time; a date-time is required"],
    ),
    (
        call("B-5", occurred_at="2014-03-01T10:00:00"),
        ["occurred_at: '2014-03-01T10:00:00' has no UTC offset; occurred_at needs one"],
    ),
    (
        call(
            "B-5b", occurred_at="2014-03-01T10:00:00+19:00", recorded_at="2014-03-01T10:00:00-13:00"
        ),
        [
            "occurred_at: '2014-03-01T10:00:00+19:00' has a UTC offset no time zone uses "
            "(they run from -12:00 to +14:00)",
            "recorded_at: '2014-03-01T10:00:00-13:00' has a UTC offset no time zone uses "
            "(they run from -12:00 to +14:00)",
        ],
    ),
    (
        call("B-6", people=[{"mention_id": "p", "role": "bystander", "spoken_to": "yes"}]),
        [
            "people[0].role: 'bystander' is not allowed (expected 'victim', 'suspect', 'offender', "
            "'witness', 'reporting_person', 'child_present', 'subject', 'missing_person', "
            "'detainee', 'parent_carer', 'household_member', 'associate' or 'professional')",
            "people[0].spoken_to: 'yes' is not true, false or null",
        ],
    ),
    (
        call(
            "B-7",
            people=[{"mention_id": "p", "role": "victim"}, {"mention_id": "p", "role": "suspect"}],
        ),
        ["people[1].mention_id: 'p' repeats people[0]; mention ids are unique within a record"],
    ),
    (
        {"record_type": "call", "source_system": "storm", "occurred_at": "2014-03-01T10:00:00Z"},
        ["source_id: required field missing", "people: required field missing"],
    ),
    (
        call("B-9", people=[{"role": "victim", "age_estimate": "twelve"}]),
        [
            "people[0].mention_id: required field missing",
            "people[0].age_estimate: 'twelve' is not a whole number",
        ],
    ),
]


def test_every_bad_record_is_quarantined_with_every_reason(tmp_path: Path) -> None:
    good = call("G-1")
    path = write_ndjson(tmp_path / "mixed.ndjson", [good] + [line for line, _ in BAD_LINES])
    summary = import_files([path])
    assert (summary.received, summary.imported, summary.quarantined) == (
        1 + len(BAD_LINES),
        1,
        len(BAD_LINES),
    )
    for number, (line, reasons) in enumerate(BAD_LINES, start=2):
        error = summary.errors[number - 2]
        assert error == {
            "file": str(path),
            "line": number,
            "source_id": line.get("source_id"),
            "reasons": reasons,
        }
        entry = QuarantinedRecord.objects.get(line=number)
        assert entry.reasons == reasons
        assert orjson.loads(entry.raw) == line  # kept whole, so it can be fixed at source
    assert held() == [("storm", "G-1", Record.objects.get().content_hash)]


def test_line_level_damage_gets_specific_messages(tmp_path: Path) -> None:
    path = tmp_path / "damaged.ndjson"
    good = orjson.dumps(call("G-1"))
    path.write_bytes(
        good
        + b"\n"
        + b'{"record_type": "call", "source_id": "X"\n'  # broken JSON mid-file
        + b'["a", "list"]\n'  # JSON, but not an object
        + orjson.dumps(call("L-1", summary="caf\u00e9")).replace(b"caf\xc3\xa9", b"caf\xe9")
        + b"\n"
        + b"\n   \n"  # blank lines are not records
        + b'{"record_type": "call", "source_sys'  # truncated last line
    )
    summary = import_files([path])
    reasons = {e["line"]: e["reasons"][0] for e in summary.errors}
    assert summary.imported == 1 and summary.received == 5
    assert reasons[2].startswith("not valid JSON: ")
    assert reasons[3] == "each line must be one JSON object; this line is a JSON array"
    assert reasons[4].startswith("not valid UTF-8: byte 0xe9 at column ")
    assert reasons[4].endswith(
        "NDJSON must be UTF-8 (was the file saved as Latin-1 or Windows-1252?)"
    )
    assert reasons[7].startswith("truncated: the last line ends without a newline")


def test_a_complete_last_line_without_newline_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_bytes(orjson.dumps(call("C-1")))
    assert import_files([path]).imported == 1


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ndjson"
    path.write_bytes(b"\xef\xbb\xbf" + orjson.dumps(call("C-1")) + b"\n")
    assert import_files([path]).imported == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (
            orjson.dumps([call(), call("C-2")], option=orjson.OPT_INDENT_2).decode(),
            "not NDJSON: expected one JSON object per line, but the file is a JSON document spread over "
            "several lines (a pretty-printed object or array) (line 1 starts '[')",
        ),
        (
            "[" + orjson.dumps(call()).decode() + "]\n",
            "not NDJSON: expected one JSON object per line, but the file is a JSON array, not one object "
            'per line (line 1 starts \'[{"record_type":"call","source_system":"\')',
        ),
        (
            "record_type,source_system\ncall,storm\n",
            "not NDJSON: expected one JSON object per line, but the file is not JSON "
            "(line 1 starts 'record_type,source_system')",
        ),
        (
            orjson.dumps(call()).decode().encode("utf-16"),
            "wrong encoding: the file looks like UTF-16 or UTF-32 (it holds NUL bytes); NDJSON must be UTF-8",
        ),
    ],
)
def test_unreadable_files_are_refused_whole_and_lose_nothing(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    import_files([write_ndjson(tmp_path / "good.ndjson", [call("C-1")])])
    before = held()
    path = tmp_path / "bad.ndjson"
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    summary = import_files([path])
    assert summary.unreadable == [f"{path}: {message}"]
    assert summary.errors == [
        {"file": str(path), "line": None, "source_id": None, "reasons": [message]}
    ]
    assert summary.received == 0
    assert held() == before


def test_empty_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(b"")
    summary = import_files([path])
    assert summary.unreadable == []
    assert summary.errors == [
        {
            "file": str(path),
            "line": None,
            "source_id": None,
            "reasons": ["file is empty: it holds no records"],
        }
    ]


def test_one_unreadable_file_does_not_stop_the_others(tmp_path: Path) -> None:
    good = write_ndjson(tmp_path / "good.ndjson", [call("C-1")])
    summary = import_files([tmp_path / "missing.ndjson", good])
    assert summary.imported == 1 and len(summary.unreadable) == 1


def test_a_fixed_record_clears_its_quarantine_entry(tmp_path: Path) -> None:
    broken = call("C-1", occurred_at="2014-03-01")
    import_files([write_ndjson(tmp_path / "a.ndjson", [broken])])
    entry = QuarantinedRecord.objects.get()
    assert (entry.source_system, entry.source_id, entry.resolved_by_batch) == ("storm", "C-1", None)
    summary = import_files([write_ndjson(tmp_path / "a.ndjson", [call("C-1")])])
    assert summary.imported == 1
    entry.refresh_from_db()
    assert entry.resolved_by_batch_id == summary.batch_id


def test_batches_are_recorded_with_their_counts(tmp_path: Path) -> None:
    summary = import_files(
        [write_ndjson(tmp_path / "a.ndjson", [call("C-1"), b"nope"])], started_by="cli:tester"
    )
    batch = ImportBatch.objects.get(pk=summary.batch_id)
    assert (batch.status, batch.started_by, batch.received, batch.imported, batch.quarantined) == (
        "completed",
        "cli:tester",
        2,
        1,
        1,
    )
    assert Record.objects.get().batch_id == batch.pk


def test_small_batches_give_the_same_result(tmp_path: Path) -> None:
    records = [call(f"C-{i}", version=1) for i in range(25)] + [call("C-3", version=2)]
    summary = import_files([write_ndjson(tmp_path / "a.ndjson", records)], batch_size=4)
    assert (summary.imported, summary.replaced) == (25, 1)
    assert Record.objects.count() == 25
    assert Record.objects.get(source_id="C-3").version == 2


def test_a_line_fixed_at_source_clears_when_the_file_is_reread(tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "a.ndjson", [call("C-1"), b"{broken", b"{broken"])
    first = import_files([path])
    assert QuarantinedRecord.objects.filter(resolved_by_batch__isnull=True).count() == 2
    assert sorted(QuarantinedRecord.objects.values_list("line", flat=True)) == [2, 3]
    write_ndjson(path, [call("C-1"), call("C-2"), b"{broken"])
    second = import_files([path])
    open_lines = QuarantinedRecord.objects.filter(resolved_by_batch__isnull=True)
    assert list(open_lines.values_list("line", flat=True)) == [3]
    assert QuarantinedRecord.objects.get(line=2).resolved_by_batch_id == second.batch_id
    assert first.batch_id != second.batch_id


def test_an_old_state_sent_again_does_not_roll_back(tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "a.ndjson", [call("C-1", summary="a"), call("C-1", summary="b")])
    import_files([path])
    again = import_files([path])
    assert (again.unchanged, again.replaced) == (2, 0)
    assert Record.objects.get().summary == "b"
    assert list(RecordVersion.objects.values_list("payload__summary", flat=True)) == ["a"]


def test_an_unversioned_copy_never_replaces_a_versioned_record(tmp_path: Path) -> None:
    import_files([write_ndjson(tmp_path / "a.ndjson", [call("C-1", version=4, summary="v4")])])
    summary = import_files([write_ndjson(tmp_path / "b.ndjson", [call("C-1", summary="none")])])
    assert summary.unchanged == 1 and Record.objects.get().summary == "v4"
    summary = import_files(
        [write_ndjson(tmp_path / "c.ndjson", [call("C-1", version=5, summary="v5")])]
    )
    assert summary.replaced == 1 and Record.objects.get().summary == "v5"


def test_worker_processes_prepare_lines_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.records import importer

    monkeypatch.setattr(importer, "POOL_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(importer, "CHUNK_BYTES", 3000)  # some 7 records a block
    if importer.WORKERS < 2:
        monkeypatch.setattr(importer, "WORKERS", 2)
    lines: list[object] = []
    for i in range(120):
        lines.append(call(f"C-{i}", version=1))
        if i % 25 == 3:
            lines.append(b"{broken")
    lines.append(call("C-5", version=2, summary="later"))
    path = write_ndjson(tmp_path / "a.ndjson", lines)
    assert importer._pool_for([path]) is not None
    summary = import_files([path], batch_size=10)
    assert (summary.received, summary.imported, summary.replaced, summary.quarantined) == (
        126,
        120,
        1,
        5,
    )
    assert [e["line"] for e in summary.errors] == [5, 31, 57, 83, 109]
    assert Record.objects.get(source_id="C-5").summary == "later"


def store_state() -> dict[str, list[tuple[object, ...]]]:
    """Everything the store holds about records, as comparable rows."""
    return {
        "records": sorted(
            Record.objects.values_list(
                "source_system", "source_id", "version", "content_hash", "summary", "batch_id"
            )
        ),
        "mentions": sorted(
            PersonMention.objects.values_list(
                "pk", "record__source_id", "mention_id", "forename", "surname", "date_of_birth"
            )
        ),
        "versions": sorted(
            RecordVersion.objects.values_list(
                "record__source_id", "version", "content_hash", "payload__summary"
            )
        ),
        "objects": sorted(RecordObject.objects.values_list("record__source_id", "identifier")),
        "links": sorted(RecordLink.objects.values_list("record__source_id", "target_id")),
        "locations": sorted(Location.objects.values_list("pk", "key")),
    }


def test_malformed_inputs_of_every_kind_get_exact_errors_and_nothing_held_is_lost(
    tmp_path: Path,
) -> None:
    """Issue 2's list: not NDJSON at all, truncated last line, empty file, wrong encoding,
    unknown record type, missing required field; each with its own exact message."""
    held_file = write_ndjson(
        tmp_path / "held.ndjson",
        [
            call(
                "C-1",
                version=1,
                summary="first",
                objects=[{"object_type": "phone", "identifier": "07700 900001"}],
                links=[{"source_system": "niche", "source_id": "CR-1", "relation": "about"}],
            ),
            call("C-1", version=2, summary="second"),
            call("C-2", summary="held"),
        ],
    )
    first = import_files([held_file])
    assert (first.imported, first.replaced, first.quarantined) == (1 + 1, 1, 0)
    before = store_state()
    assert len(before["versions"]) == 1

    def write(name: str, content: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    pretty = write("pretty.ndjson", orjson.dumps([call("C-9")], option=orjson.OPT_INDENT_2))
    csv = write("export.ndjson", b"record_type,source_system,source_id\ncall,storm,C-9\n")
    utf16 = write("utf16.ndjson", (orjson.dumps(call("C-9")).decode() + "\n").encode("utf-16"))
    empty = write("empty.ndjson", b"")
    blank = write("blank.ndjson", b"\n  \n\n")
    latin1_line = orjson.dumps(call("C-1", version=3, summary="caf\u00e9")).replace(
        "caf\u00e9".encode(), b"caf\xe9"
    )
    unknown_type = orjson.dumps(call("C-1", version=4, record_type="burglary"))
    no_people = orjson.dumps(
        {k: v for k, v in call("C-2", summary="changed").items() if k != "people"}
    )
    no_mention_role = orjson.dumps(call("C-3", people=[{"mention_id": "p", "forename": "Al"}]))
    truncated = b'{"record_type": "call", "source_sys'
    lines = write(
        "lines.ndjson",
        b"\n".join(
            [
                orjson.dumps(call("C-4", summary="a valid new record")),
                latin1_line,
                unknown_type,
                no_people,
                no_mention_role,
                truncated,
            ]
        ),
    )

    summary = import_files([pretty, csv, utf16, empty, blank, lines])

    def refused(path: Path, message: str) -> dict[str, object]:
        return {"file": str(path), "line": None, "source_id": None, "reasons": [message]}

    not_ndjson = "not NDJSON: expected one JSON object per line, but the file is "
    assert summary.errors == [
        refused(
            pretty,
            not_ndjson + "a JSON document spread over several lines (a "
            "pretty-printed object or array) (line 1 starts '[')",
        ),
        refused(csv, not_ndjson + "not JSON (line 1 starts 'record_type,source_system,source_id')"),
        refused(
            utf16,
            "wrong encoding: the file looks like UTF-16 or UTF-32 (it holds NUL "
            "bytes); NDJSON must be UTF-8",
        ),
        refused(empty, "file is empty: it holds no records"),
        refused(blank, "file is empty: it holds no records"),
        {
            "file": str(lines),
            "line": 2,
            "source_id": None,
            "reasons": [
                f"not valid UTF-8: byte 0xe9 at column {latin1_line.index(b'caf') + 4}; NDJSON must "
                "be UTF-8 (was the file saved as Latin-1 or Windows-1252?)"
            ],
        },
        {
            "file": str(lines),
            "line": 3,
            "source_id": "C-1",
            "reasons": [
                "record_type: 'burglary' is not a known record type (expected one of call, crime, "
                "concern, missing, custody, police_protection, referral, strategy_discussion, "
                "investigation, intelligence, rso, marac, cp_plan)"
            ],
        },
        {
            "file": str(lines),
            "line": 4,
            "source_id": "C-2",
            "reasons": ["people: required field missing"],
        },
        {
            "file": str(lines),
            "line": 5,
            "source_id": "C-3",
            "reasons": ["people[0].role: required field missing"],
        },
        {
            "file": str(lines),
            "line": 6,
            "source_id": None,
            "reasons": [
                "truncated: the last line ends without a newline and is not complete JSON "
                "(unexpected end of data: line 1 column 36 (char 35)); was the file cut off?"
            ],
        },
    ]
    # Files that cannot be read at all are refused whole (exit status 2 at the command line).
    assert [u.split(": ", 1)[0] for u in summary.unreadable] == [str(pretty), str(csv), str(utf16)]
    assert (summary.received, summary.imported, summary.quarantined) == (6, 1, 5)

    # Nothing held is lost or changed: bad versions of C-1 and C-2 left them as they were.
    after = store_state()
    assert {k: [row for row in v if "C-4" not in row] for k, v in after.items()} == before
    assert Record.objects.get(source_id="C-1").summary == "second"
    assert Record.objects.get(source_id="C-2").summary == "held"
    # And every bad line is kept whole, byte for byte, where it was found.
    kept = {q.line: q for q in QuarantinedRecord.objects.filter(file=str(lines.resolve()))}
    assert sorted(kept) == [2, 3, 4, 5, 6]
    assert kept[2].raw == latin1_line.decode("utf-8", errors="backslashreplace")
    assert [kept[n].raw.encode() for n in (3, 4, 5, 6)] == [
        unknown_type,
        no_people,
        no_mention_role,
        truncated,
    ]
    assert all(q.resolved_by_batch_id is None for q in kept.values())


def test_collector_pace_is_the_imports_only_while_importing(tmp_path: Path) -> None:
    import gc

    from vigil.records.prepare import IMPORT_GC_THRESHOLD

    path = write_ndjson(tmp_path / "a.ndjson", [call("C-1"), b"{broken"])
    before = gc.get_threshold()
    during: list[tuple[int, ...]] = []
    import_files([path], progress=lambda done, summary: during.append(gc.get_threshold()))
    assert during and set(during) == {IMPORT_GC_THRESHOLD}
    assert gc.get_threshold() == before

    def interrupted(done: int, summary: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_files([path], progress=interrupted)
    assert gc.get_threshold() == before


def test_blocks_split_into_numbered_lines_as_a_file_read_line_by_line() -> None:
    from vigil.records.prepare import block_lines

    data = b'\xef\xbb\xbf{"a": 1}\r\n\n   \n{"b": 2}\r\r\n{"c": 3}'
    assert block_lines(data, 1) == [
        (1, b'{"a": 1}', True),
        (4, b'{"b": 2}', True),
        (5, b'{"c": 3}', False),
    ]
    # A later block keeps its line numbers and any byte order mark (only the file's first
    # line may open with one).
    assert block_lines(b'\xef\xbb\xbf{"d": 4}\n', 40) == [(40, b'\xef\xbb\xbf{"d": 4}', True)]


def test_a_file_read_in_many_blocks_imports_as_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.records import importer

    lines: list[object] = [call(f"C-{i}") for i in range(40)]
    lines[17] = b"{broken"
    path = write_ndjson(tmp_path / "a.ndjson", lines)
    monkeypatch.setattr(importer, "CHUNK_BYTES", 1)  # every line a block of its own
    summary = import_files([path])
    assert (summary.received, summary.imported, summary.quarantined) == (40, 39, 1)
    assert [e["line"] for e in summary.errors] == [18]


@pytest.fixture
def writer_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files imported as large ones are on PostgreSQL: workers, and a writer thread."""
    from django.db import connection

    from vigil.records import importer

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes inline (its work holds the interpreter lock)")
    monkeypatch.setattr(importer, "POOL_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(importer, "CHUNK_BYTES", 2000)
    if importer.WORKERS < 2:
        monkeypatch.setattr(importer, "WORKERS", 2)


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_thread_of_its_own_writes_the_batches_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer_thread: None
) -> None:
    import threading

    from vigil.records.store import BatchWriter

    writers: set[str] = set()
    write = BatchWriter.write

    def spy(self: BatchWriter, items: object) -> object:
        writers.add(threading.current_thread().name)
        return write(self, items)  # type: ignore[arg-type]

    monkeypatch.setattr(BatchWriter, "write", spy)
    first = [call(f"C-{i}", version=1) for i in range(60)]
    first[9] = b"{broken"  # type: ignore[call-overload]
    first.append(call("C-3", version=2, summary="later"))
    empty = tmp_path / "b.ndjson"
    empty.write_bytes(b"")
    second = write_ndjson(tmp_path / "c.ndjson", [b"{also broken", call("D-1")])
    summary = import_files(
        [write_ndjson(tmp_path / "a.ndjson", first), empty, second], batch_size=7
    )
    assert writers == {"vigil-import-writer"}
    assert (summary.received, summary.imported, summary.replaced, summary.quarantined) == (
        63,
        60,
        1,
        2,
    )
    assert [(Path(e["file"]).name, e["line"]) for e in summary.errors] == [
        ("a.ndjson", 10),
        ("b.ndjson", None),
        ("c.ndjson", 1),
    ]
    assert Record.objects.get(source_id="C-3").summary == "later"


@pytest.mark.django_db(transaction=True)
def test_a_failing_writer_thread_stops_the_import_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer_thread: None
) -> None:
    from vigil.records.store import BatchWriter

    calls: list[int] = []
    write = BatchWriter.write

    def fail_third(self: BatchWriter, items: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return write(self, items)  # type: ignore[arg-type]

    monkeypatch.setattr(BatchWriter, "write", fail_third)
    path = write_ndjson(tmp_path / "a.ndjson", [call(f"C-{i}") for i in range(100)])
    with pytest.raises(RuntimeError, match="disk full"):
        import_files([path], batch_size=10)
    assert Record.objects.count() == 20, "the batches before the failure stay, whole"
    assert len(calls) == 3, "nothing is written after the failure"


def test_times_are_stored_as_text_each_backend_reads_as_it_is() -> None:
    import datetime as dt

    from vigil.records.prepare import when

    bst = dt.timezone(dt.timedelta(hours=1))
    assert when(dt.datetime(2024, 7, 1, 9, 30, tzinfo=dt.UTC), "sqlite") == "2024-07-01 09:30:00"
    assert when(dt.datetime(2024, 7, 1, 9, 30, tzinfo=bst), "sqlite") == "2024-07-01 08:30:00"
    assert when(dt.datetime(2024, 7, 1, 0, 15, 0, 250000, tzinfo=bst), "sqlite") == (
        "2024-06-30 23:15:00.250000"
    )
    assert when(dt.datetime(2024, 7, 1, 9, 30, tzinfo=bst), "postgresql") == (
        "2024-07-01 09:30:00+01:00"
    )
    assert when(None, "sqlite") is None and when(None, "postgresql") is None


@pytest.mark.parametrize("pooled", [False, True])
def test_times_keep_their_instant_in_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pooled: bool
) -> None:
    import datetime as dt

    from vigil.records import importer

    if pooled:  # prepared by workers, as a large file is
        monkeypatch.setattr(importer, "POOL_THRESHOLD_BYTES", 0)
        if importer.WORKERS < 2:
            monkeypatch.setattr(importer, "WORKERS", 2)
    people = [{"mention_id": "c1", "role": "child_present", "forename": "Amy"}]
    import_files(
        [
            write_ndjson(
                tmp_path / "a.ndjson",
                [
                    call(
                        "T-1",
                        occurred_at="2024-07-01T09:30:00+01:00",
                        people=people,
                        recorded_at="2024-07-01T10:00:00.250000Z",
                    ),
                    call("T-2", occurred_at="2024-01-05T23:15:00-05:00", people=people),
                    call(
                        "T-3",
                        occurred_at="2024-02-29T23:59:59Z",
                        people=people,
                        recorded_at="2024-03-01T00:00:01+00:00",
                    ),
                ],
            )
        ]
    )
    held = {r.source_id: r for r in Record.objects.all()}
    assert held["T-1"].occurred_at == dt.datetime(2024, 7, 1, 8, 30, tzinfo=dt.UTC)
    assert held["T-1"].recorded_at == dt.datetime(2024, 7, 1, 10, 0, 0, 250000, tzinfo=dt.UTC)
    assert held["T-2"].occurred_at == dt.datetime(2024, 1, 6, 4, 15, tzinfo=dt.UTC)
    assert held["T-3"].occurred_at == dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.UTC)
    assert held["T-3"].recorded_at == dt.datetime(2024, 3, 1, 0, 0, 1, tzinfo=dt.UTC)
    mention = PersonMention.objects.get(record=held["T-1"])
    assert mention.occurred_at == held["T-1"].occurred_at
