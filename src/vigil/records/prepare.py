"""Turn one NDJSON line into the rows the store writes, or the reasons it cannot be a record.

This is the importer's CPU-heavy half (parse, validate, hash, normalise). It has no Django
imports so it can run in worker processes while the main process writes to the database; what
it returns is plain data that pickles cheaply.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import hashlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from vigil.records import normalise
from vigil.records.contract import parse_record_json
from vigil.records.reasons import reasons_from

UTC = dt.UTC
UTF8_BOM = b"\xef\xbb\xbf"
PR_SET_PDEATHSIG = 1
# Collector thresholds while importing. Preparing and writing allocate many small containers
# that live for a batch; at the default (700 allocations) the collector runs thousands of
# times a batch and rescans everything older each time, a fifth of the importer's CPU. Rows
# hold no cycles, so collecting less often only lets rare cyclic garbage wait a little longer.
IMPORT_GC_THRESHOLD = (50_000, 20, 20)


@dataclass(slots=True)
class QuarantineEntry:
    file: str
    line: int
    raw: bytes
    reasons: list[str]
    source_system: str | None = None
    source_id: str | None = None

    def error(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "source_id": self.source_id,
            "reasons": self.reasons,
        }


@dataclass(slots=True)
class PreparedRecord:
    """A valid record as rows: ``record`` holds RECORD_COLUMNS with the location as its key."""

    file: str
    line: int
    key: tuple[str, str]
    version: int | None
    content_hash: str
    record: list[Any]
    mentions: list[list[Any]]
    objects: list[list[Any]] = field(default_factory=list)
    links: list[list[Any]] = field(default_factory=list)
    places: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from a tuple: a slotted dataclass otherwise pickles through its Python-level
        # __getstate__/__setstate__, paid per record on the way from a worker to the writer.
        return (
            PreparedRecord,
            (
                self.file,
                self.line,
                self.key,
                self.version,
                self.content_hash,
                self.record,
                self.mentions,
                self.objects,
                self.links,
                self.places,
            ),
        )


# Column order of the rows above; the store fills in ids where keys stand.
RECORD_COLUMNS = [
    "record_type",
    "version",
    "content_hash",
    "occurred_at",
    "recorded_at",
    "location_id",
    "premises_type",
    "summary",
    "payload",
]
MENTION_COLUMNS = [
    "mention_id",
    "role",
    "occurred_at",
    "forename",
    "middle_names",
    "surname",
    "date_of_birth",
    "age_estimate",
    "gender",
    "postcode",
    "location_id",
    "address",
    "aliases",
    "phone",
    "pnc",
    "nhs",
    "flags",
]
RECORD_LOCATION = RECORD_COLUMNS.index("location_id")
MENTION_LOCATION = MENTION_COLUMNS.index("location_id")


def content_hash(obj: Any) -> str:
    """Identical records hash alike whatever order their keys arrived in."""
    return hashlib.sha256(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)).hexdigest()


def when(value: dt.datetime | None, vendor: str) -> str | None:
    """A date-time as text the backend stores as it is.

    SQLite: naive UTC, as Django's SQLite adapter keeps it. PostgreSQL: ISO 8601 with its
    offset, which the server reads into ``timestamptz``; a datetime would carry pydantic's time
    zone object to the writer, costing a pickle, an unpickle and a Python call per offset.
    """
    if value is None:
        return None
    if vendor != "sqlite":
        return value.isoformat(" ")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _fits(value: object, limit: int) -> str | None:
    """A quarantined line's identity as its row can hold it: none if it cannot (too long, NUL)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value and len(value) <= limit and "\x00" not in value:
        return value
    return None


def _identity_of(obj: Any) -> tuple[str | None, str | None]:
    if not isinstance(obj, dict):
        return None, None
    return _fits(obj.get("source_system"), 64), _fits(obj.get("source_id"), 200)


def nul_reasons(value: Any, path: str = "") -> list[str]:
    """Where a decoded line holds a NUL character: no text column of PostgreSQL can hold one.

    The importer looks only in lines whose text holds the escape ``\\u0000``, so the walk
    costs nothing for the rest.
    """
    found: list[str] = []
    where = path or "the record"
    if isinstance(value, str):
        if "\x00" in value:
            found.append(f"{where}: holds a NUL character (\\u0000), which no text may hold")
    elif isinstance(value, dict):
        if any("\x00" in key for key in value):
            found.append(
                f"{where}: a field name holds a NUL character (\\u0000), which no text may hold"
            )
        for key, item in value.items():
            if "\x00" not in key:
                found += nul_reasons(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nul_reasons(item, f"{path}[{index}]")
    return found


def _too_long(path: str, value: str | None, limit: int) -> str | None:
    """A normalised value longer than its column: upper-casing can lengthen text (ß is SS)."""
    if value is not None and len(value) > limit:
        return f"{path}: too long ({len(value)} characters once normalised; the limit is {limit})"
    return None


# Columns that hold normalised values (records.models), which the contract's own limits on
# what was sent cannot always bound.
POSTCODE_LIMIT = 16
IDENTIFIER_LIMIT = 32  # pnc, nhs
OBJECT_IDENTIFIER_LIMIT = 200


def prepare_line(
    name: str, number: int, text: bytes, ended: bool, vendor: str
) -> PreparedRecord | QuarantineEntry:
    """Validate one line into rows, or say every reason it cannot be a record."""
    if b"\x00" in text:
        column = text.index(b"\x00") + 1
        return QuarantineEntry(
            name,
            number,
            text,
            [
                f"holds a NUL byte at column {column}, which no line of NDJSON "
                "may hold (kept here with each NUL byte written as \\x00)"
            ],
        )
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        return QuarantineEntry(
            name,
            number,
            text,
            [
                f"not valid UTF-8: byte 0x{text[exc.start]:02x} at column {exc.start + 1}; "
                "NDJSON must be UTF-8 (was the file saved as Latin-1 or Windows-1252?)"
            ],
        )
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if not ended:
            reason = (
                f"truncated: the last line ends without a newline and is not complete "
                f"JSON ({exc}); was the file cut off?"
            )
        else:
            reason = f"not valid JSON: {exc}"
        return QuarantineEntry(name, number, text, [reason])
    system, source_id = _identity_of(obj)
    if not isinstance(obj, dict):
        kind = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(
            type(obj), "value"
        )
        return QuarantineEntry(
            name, number, text, [f"each line must be one JSON object; this line is a JSON {kind}"]
        )
    # JSON writes a NUL character only as this escape: most lines need no walk.
    nul = nul_reasons(obj) if b"\\u0000" in text else []
    try:
        record = parse_record_json(text)
    except ValidationError as exc:
        return QuarantineEntry(name, number, text, nul + reasons_from(exc), system, source_id)
    if nul:
        return QuarantineEntry(name, number, text, nul, system, source_id)

    places: dict[str, tuple[str, str]] = {}
    too_long: list[str] = []

    def check(path: str, value: str | None, limit: int) -> str | None:
        if (reason := _too_long(path, value, limit)) is not None:
            too_long.append(reason)
        return value

    def place(path: str, address: str | None, postcode: str | None) -> str | None:
        # normalise caps the key at its column (a digest stands for the rest).
        key = normalise.location_key(address, postcode)
        if key and key not in places:
            code = check(f"{path}postcode", normalise.postcode(postcode), POSTCODE_LIMIT)
            places[key] = (code or "", (address or "")[:500])
        return key

    occurred = when(record.occurred_at, vendor)
    loc = record.location
    row = [
        record.record_type,
        record.version,
        "",
        occurred,
        when(record.recorded_at, vendor),
        place("location.", loc.address, loc.postcode) if loc else None,
        (loc.premises_type or "") if loc else "",
        record.summary or "",
        # The record exactly as received, blank values and unknown fields included.
        decoded,
    ]
    digest = content_hash(obj)
    row[2] = digest
    mentions = []
    for index, mention in enumerate(record.people):
        at = f"people[{index}]."
        if mention.identifiers:
            ids = {k.lower(): v for k, v in mention.identifiers.items() if v}
            pnc = (
                check(
                    f"{at}identifiers.pnc", normalise.identifier(ids.get("pnc")), IDENTIFIER_LIMIT
                )
                or ""
            )
            nhs = (
                check(
                    f"{at}identifiers.nhs", normalise.identifier(ids.get("nhs")), IDENTIFIER_LIMIT
                )
                or ""
            )
        else:
            pnc = nhs = ""
        dob = mention.date_of_birth
        mentions.append(
            [
                mention.mention_id,
                mention.role,
                occurred,
                mention.forename or "",
                mention.middle_names or "",
                mention.surname or "",
                dob.isoformat() if dob else None,
                mention.age_estimate,
                mention.gender or "",
                check(f"{at}postcode", normalise.postcode(mention.postcode), POSTCODE_LIMIT) or "",
                place(at, mention.address, mention.postcode),
                (mention.address or "")[:500],
                "\n".join(a for a in mention.aliases if a.strip()) if mention.aliases else "",
                normalise.phone(mention.phone) or "",
                pnc,
                nhs,
                # A flag named twice is held once: the ten flags fit the column, repeats need not.
                " ".join(dict.fromkeys(mention.flags)),
            ]
        )
    objects = [
        [
            o.object_type,
            check(
                f"objects[{index}].identifier",
                normalise.identifier(o.identifier),
                OBJECT_IDENTIFIER_LIMIT,
            )
            or o.identifier,
            o.description or "",
        ]
        for index, o in enumerate(record.objects)
    ]
    if too_long:
        return QuarantineEntry(name, number, text, list(dict.fromkeys(too_long)), system, source_id)
    links = [[k.source_system, k.source_id, k.relation] for k in record.links]
    return PreparedRecord(
        name, number, record.key, record.version, digest, row, mentions, objects, links, places
    )


def block_lines(data: bytes, first: int) -> list[tuple[int, bytes, bool]]:
    """The non-blank lines of a block of whole lines: (number, content, ended with a newline).

    Lines end at a newline only (as a file read in binary splits them), a carriage return
    before it is dropped, and so is a byte order mark opening the file.
    """
    parts = data.split(b"\n")
    ended_block = parts[-1] == b""
    if ended_block:
        parts.pop()
    final = len(parts) - 1
    found = []
    for index, raw in enumerate(parts):
        text = raw.rstrip(b"\r")
        number = first + index
        if number == 1:
            text = text.removeprefix(UTF8_BOM)
        if text.strip():
            found.append((number, text, index < final or ended_block))
    return found


def prepare_block(
    name: str, data: bytes, first: int, vendor: str
) -> list[PreparedRecord | QuarantineEntry]:
    """A block of lines, for a worker process (or the importer itself, for a small file)."""
    return [
        prepare_line(name, number, text, ended, vendor)
        for number, text, ended in block_lines(data, first)
    ]


def start_worker(parent: int) -> None:
    """Pool initializer: end with the importer, and collect garbage at the import's pace."""
    end_with(parent)
    gc.set_threshold(*IMPORT_GC_THRESHOLD)


def end_with(parent: int) -> None:
    """Pool initializer: a worker ends with its importer, even one killed by SIGKILL.

    A killed importer cannot shut its pool down, and its workers would otherwise wait for work
    for ever. Linux signals a child when its parent dies (``PR_SET_PDEATHSIG``); elsewhere, and
    as a back-up, a thread notices the worker has been handed to another parent.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="vigil-end-with-importer", daemon=True).start()
