"""Issue 11, items 1 and 2: a hostile file costs no good record on either database.

One file mixes every trigger the probe found (a NUL character in any string, a raw NUL byte,
every field longer than its column, versions beyond the integer column, times the store cannot
hold once in UTC) with good records, some at the very limits. Every good record is held and
every bad line quarantined with its reason naming the field and the limit, identically on
SQLite and PostgreSQL: the suite runs this on both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import write_ndjson
from tests.factories import call
from vigil.records.importer import import_files
from vigil.records.models import PersonMention, QuarantinedRecord, Record

pytestmark = pytest.mark.django_db


def person(**fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "mention_id": "c1",
            "role": "child_present",
            "forename": "Amy",
            "surname": "Stone",
            **fields,
        }
    ]


def too_long(path: str, length: int, limit: int) -> str:
    return f"{path}: too long ({length} characters; the limit is {limit})"


NUL = "\u0000"
NUL_BYTE_LINE = orjson.dumps(call("N-1")).replace(b'"Amy"', b'"A\x00my"')

# (line, reasons): a reason list of None marks a good record, which must be held.
LINES: list[tuple[Any, list[str] | None]] = [
    (call("G-1"), None),
    # Raw NUL bytes early in the file: the line is quarantined, not the file refused as UTF-16.
    (
        NUL_BYTE_LINE,
        [
            f"holds a NUL byte at column {NUL_BYTE_LINE.index(0) + 1}, which no line of NDJSON may hold (kept here with each "
            "NUL byte written as \\x00)"
        ],
    ),
    (
        b"\x00\x00\x00\x00",
        [
            "holds a NUL byte at column 1, which no line of NDJSON may hold (kept "
            "here with each NUL byte written as \\x00)"
        ],
    ),
    # A NUL character (JSON's \u0000) in any string, or in a field name.
    (
        call("N-2", summary=f"before{NUL}after"),
        ["summary: holds a NUL character (\\u0000), which no text may hold"],
    ),
    (
        call("N-3", people=person(forename=f"A{NUL}", identifiers={"pnc": f"{NUL}"})),
        [
            "people[0].forename: holds a NUL character (\\u0000), which no text may hold",
            "people[0].identifiers.pnc: holds a NUL character (\\u0000), which no text may hold",
        ],
    ),
    (
        call("N-4", **{f"extra{NUL}": 1}),
        ["the record: a field name holds a NUL character (\\u0000), which no text may hold"],
    ),
    (
        call("N-5", objects=[{"object_type": "phone", "identifier": f"0770{NUL}"}]),
        ["objects[0].identifier: holds a NUL character (\\u0000), which no text may hold"],
    ),
    # NUL in the identity: quarantined, and the row keeps no identity it cannot hold.
    (call(f"N-6{NUL}"), ["source_id: holds a NUL character (\\u0000), which no text may hold"]),
    # Every field longer than its column.
    (
        call("L-1", people=person(forename="F" * 201, middle_names="M" * 201, surname="S" * 201)),
        [
            too_long("people[0].forename", 201, 200),
            too_long("people[0].middle_names", 201, 200),
            too_long("people[0].surname", 201, 200),
        ],
    ),
    (
        call("L-2", people=[{"mention_id": "m" * 101, "role": "victim"}]),
        [too_long("people[0].mention_id", 101, 100)],
    ),
    (call("S" * 201), [too_long("source_id", 201, 200)]),
    (call("L-3", source_system="s" * 65), [too_long("source_system", 65, 64)]),
    (
        call("L-4", people=person(postcode="P" * 17, phone="0" * 33)),
        [too_long("people[0].postcode", 17, 16), too_long("people[0].phone", 33, 32)],
    ),
    (
        call("L-5", people=person(identifiers={"pnc": "1" * 33, "NHS": "2" * 40})),
        [
            "people[0].identifiers.pnc: too long (33 characters once normalised; the limit is 32)",
            "people[0].identifiers.nhs: too long (40 characters once normalised; the limit is 32)",
        ],
    ),
    (
        call("L-6", objects=[{"object_type": "vehicle", "identifier": "V" * 201}]),
        [too_long("objects[0].identifier", 201, 200)],
    ),
    (
        call(
            "L-7", links=[{"source_system": "n" * 65, "source_id": "i" * 201, "relation": "about"}]
        ),
        [too_long("links[0].source_system", 65, 64), too_long("links[0].source_id", 201, 200)],
    ),
    (call("L-8", location={"address": "a" * 501}), [too_long("location.address", 501, 500)]),
    # Within the limits as sent, beyond them once normalised (upper case of ß is SS).
    (
        call("L-9", people=person(postcode="ß" * 16)),
        ["people[0].postcode: too long (32 characters once normalised; the limit is 16)"],
    ),
    # A dwelling key longer than its column is shortened with a digest, not refused.
    (call("G-L10", location={"address": "1 " + "b" * 400 + " Street, Leeds"}), None),
    # Versions beyond the integer column, and none below 1.
    (
        call("V-1", version=2**31),
        ["version: 2147483648 is out of range (input should be less than or equal to 2147483647)"],
    ),
    (
        call("V-2", version=2**63),
        [
            "version: 9223372036854775808 is out of range (input should be less than or equal to "
            "2147483647)"
        ],
    ),
    (
        call("V-3", version=0),
        ["version: 0 is out of range (input should be greater than or equal to 1)"],
    ),
    # Times outside the years a date-time holds once converted to UTC.
    (
        call("T-1", occurred_at="0001-01-01T00:30:00+01:00"),
        [
            "occurred_at: '0001-01-01T00:30:00+01:00' is outside the times the store can hold "
            "(0001-01-01 to 9999-12-31, in UTC)"
        ],
    ),
    (
        call("T-2", recorded_at="9999-12-31T23:30:00-01:00"),
        [
            "recorded_at: '9999-12-31T23:30:00-01:00' is outside the times the store can hold "
            "(0001-01-01 to 9999-12-31, in UTC)"
        ],
    ),
    # Good records at the very limits are held.
    (
        call(
            "G-2",
            version=2**31 - 1,
            source_system="s" * 64,
            people=person(
                forename="F" * 200,
                surname="S" * 200,
                postcode="P" * 16,
                phone="0" * 32,
                identifiers={"pnc": "1" * 32},
                flags=["rso", "rso", "cse_risk", "rso"],
            ),
            objects=[{"object_type": "vehicle", "identifier": "V" * 200}],
        ),
        None,
    ),
    (
        call(
            "G-3", occurred_at="0001-01-01T01:00:00+01:00", recorded_at="9999-12-31T23:00:00+00:00"
        ),
        None,
    ),
    # A backslash followed by "u0000" is text, not a NUL.
    (call("G-4", summary="\\u0000 is how JSON writes a NUL"), None),
    (call("S" * 200), None),
]


def test_a_hostile_file_costs_no_good_record_and_quarantines_each_bad_line_with_its_reason(
    tmp_path: Path,
) -> None:
    path = write_ndjson(tmp_path / "hostile.ndjson", [line for line, _ in LINES])
    summary = import_files([path])

    good = [line for line, reasons in LINES if reasons is None]
    bad = {number: reasons for number, (_, reasons) in enumerate(LINES, start=1) if reasons}
    assert (summary.received, summary.imported, summary.quarantined) == (
        len(LINES),
        len(good),
        len(bad),
    )
    assert summary.unreadable == []
    assert {e["line"]: e["reasons"] for e in summary.errors} == bad

    held = {(r.source_system, r.source_id): r for r in Record.objects.all()}
    assert sorted(held) == sorted((g["source_system"], g["source_id"]) for g in good)
    for line in good:
        assert held[(line["source_system"], line["source_id"])].payload == line
    mention = PersonMention.objects.get(record__source_id="G-2")
    assert (mention.forename, mention.postcode, mention.pnc, mention.flags) == (
        "F" * 200,
        "P" * 16,
        "1" * 32,
        "rso cse_risk",
    )
    assert Record.objects.get(source_id="G-2").version == 2**31 - 1
    long_key = Record.objects.get(source_id="G-L10").location.key
    assert len(long_key) == 300 and long_key.startswith("|1 " + "b" * 100)

    kept = {q.line: q for q in QuarantinedRecord.objects.all()}
    assert {n: q.reasons for n, q in kept.items()} == bad
    # The raw NUL bytes are kept written as \x00, as their reason says.
    assert kept[2].raw == orjson.dumps(call("N-1")).decode().replace('"Amy"', '"A\\x00my"')
    assert kept[3].raw == "\\x00" * 4
    # The identity of a quarantined line is kept only where its row can hold it.
    assert (kept[8].source_system, kept[8].source_id) == ("storm", "")
    assert (kept[11].source_id, kept[12].source_system) == ("", "")
    assert (kept[12].source_id, kept[7].source_id) == ("L-3", "N-5")

    # Importing the file again changes nothing and quarantines nothing twice.
    again = import_files([path])
    assert (again.imported, again.unchanged, again.quarantined) == (0, len(good), len(bad))
    assert QuarantinedRecord.objects.count() == len(bad)


def test_a_raw_nul_byte_early_in_a_file_is_not_taken_for_utf16(tmp_path: Path) -> None:
    """Issue 11 item 2: 3,105 good records were lost to one NUL byte in the first 64 KiB."""
    lines: list[Any] = [call(f"C-{i}") for i in range(200)]
    lines.insert(3, b'{"record_type": "call", "source_id": "X\x00"}')
    path = write_ndjson(tmp_path / "one_nul.ndjson", lines)
    summary = import_files([path])
    assert summary.unreadable == []
    assert (summary.imported, summary.quarantined) == (200, 1)
    assert summary.errors[0]["line"] == 4
    assert summary.errors[0]["reasons"][0].startswith("holds a NUL byte at column 40,")


def test_a_run_of_nul_bytes_in_a_small_file_is_quarantined_not_taken_for_utf16(
    tmp_path: Path,
) -> None:
    """A block of zeros, as a crash can leave in a file, is not the pattern UTF-16 leaves."""
    path = write_ndjson(tmp_path / "zeros.ndjson", [call("C-1"), b"\x00" * 4096, call("C-2")])
    summary = import_files([path])
    assert summary.unreadable == []
    assert (summary.imported, summary.quarantined) == (2, 1)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_still_refused_whole_with_or_without_a_byte_order_mark(
    tmp_path: Path,
    encoding: str,
) -> None:
    path = tmp_path / "wide.ndjson"
    path.write_bytes(
        "".join(orjson.dumps(call(f"C-{i}")).decode() + "\n" for i in range(3)).encode(encoding)
    )
    summary = import_files([path])
    assert summary.received == 0 and len(summary.unreadable) == 1
    assert "looks like UTF-16 or UTF-32" in summary.unreadable[0]
