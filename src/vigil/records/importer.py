"""The NDJSON importer: streams files into the record store, batch by atomic batch.

Memory stays flat because a file is read a line at a time and only one batch is held. Each batch
commits in one transaction, so a killed import leaves whole batches behind it; importing again
finds those records unchanged and carries on, ending where one clean import would.

A line that breaks the contract goes to quarantine with its file, line, source id and every
reason; the rest of the file still imports. A file that cannot be read as NDJSON at all (missing,
wrong encoding, not line-delimited JSON) is refused whole with a message saying which.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from vigil.records.contract import parse_record
from vigil.records.models import ImportBatch
from vigil.records.reasons import reasons_from
from vigil.records.store import BatchWriter, ValidRecord

BATCH_SIZE = int(os.environ.get("VIGIL_IMPORT_BATCH_SIZE", "1000"))
SNIFF_BYTES = 65536
SNIFF_LINES = 5
UTF8_BOM = b"\xef\xbb\xbf"


class FileUnreadable(Exception):
    """A file that cannot be read as NDJSON at all; nothing from it is imported."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class QuarantineEntry:
    file: str
    line: int
    raw: bytes
    reasons: list[str]
    source_system: str | None = None
    source_id: str | None = None

    def error(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "source_id": self.source_id,
                "reasons": self.reasons}


@dataclass
class ImportSummary:
    """The counts CLI.md's ``vigil import --json`` prints, plus what the batch needs."""

    files: int = 0
    received: int = 0
    imported: int = 0
    unchanged: int = 0
    replaced: int = 0
    quarantined: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    touched_record_ids: set[int] = field(default_factory=set)
    batch_id: int | None = None

    def as_contract(self) -> dict[str, Any]:
        return {
            "files": self.files, "received": self.received, "imported": self.imported,
            "unchanged": self.unchanged, "replaced": self.replaced,
            "quarantined": self.quarantined, "errors": self.errors,
        }


Progress = Callable[[int, ImportSummary], None]


def content_hash(obj: dict[str, Any]) -> str:
    """Identical records hash alike whatever order their keys arrived in."""
    return hashlib.sha256(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _looks_like_record_line(text: bytes) -> bool:
    try:
        return isinstance(orjson.loads(text), dict)
    except orjson.JSONDecodeError:
        return False


def check_readable(path: Path) -> None:
    """Refuse, with a specific message, a file that is not NDJSON at all."""
    if not path.exists():
        raise FileUnreadable(path, "no such file")
    if path.is_dir():
        raise FileUnreadable(path, "is a folder, not an NDJSON file")
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise FileUnreadable(path, f"cannot be read: {exc.strerror}") from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise FileUnreadable(
            path, "wrong encoding: the file looks like UTF-16 or UTF-32 (it holds NUL bytes); "
            "NDJSON must be UTF-8",
        )
    head = head.removeprefix(UTF8_BOM)
    lines = [ln.strip() for ln in head.split(b"\n")]
    if len(head) == SNIFF_BYTES:
        lines = lines[:-1]  # the last may be cut by the sniff, not by the file
    sample = [ln for ln in lines if ln][:SNIFF_LINES]
    if not sample:
        return  # empty: reported by the reader, not an error that stops the import
    if any(_looks_like_record_line(ln) for ln in sample):
        return
    first = sample[0]
    if first.startswith(b"{") and len(first) > 1:
        return  # one broken record line: quarantined with its reason, not a refused file
    try:
        preview = first[:40].decode("utf-8")
    except UnicodeDecodeError:
        raise FileUnreadable(
            path, "wrong encoding: the first line is not UTF-8; NDJSON must be UTF-8"
        ) from None
    try:
        parsed: Any = orjson.loads(first)
    except orjson.JSONDecodeError:
        parsed = None
        what = ("a JSON document spread over several lines (a pretty-printed object or array)"
                if first in (b"[", b"{") else "not JSON")
    if parsed is not None:
        kind = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
        what = f"a JSON {kind.get(type(parsed), 'value')}, not one object per line"
    raise FileUnreadable(
        path,
        f"not NDJSON: expected one JSON object per line, but the file is {what} "
        f"(line 1 starts {preview!r})",
    )


def _lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, content, ended with a newline) for every line of a file."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            ended = raw.endswith(b"\n")
            text = raw.rstrip(b"\r\n")
            if number == 1:
                text = text.removeprefix(UTF8_BOM)
            yield number, text, ended


def _identity_of(obj: Any) -> tuple[str | None, str | None]:
    if not isinstance(obj, dict):
        return None, None
    system, source_id = obj.get("source_system"), obj.get("source_id")
    return (
        system if isinstance(system, str) and system else None,
        str(source_id) if isinstance(source_id, str | int) and source_id != "" else None,
    )


def read_line(name: str, number: int, text: bytes, ended: bool) -> ValidRecord | QuarantineEntry:
    """Validate one line into a record, or say every reason it cannot be one."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        return QuarantineEntry(name, number, text, [
            f"not valid UTF-8: byte 0x{text[exc.start]:02x} at column {exc.start + 1}; "
            "NDJSON must be UTF-8 (was the file saved as Latin-1 or Windows-1252?)"
        ])
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if not ended:
            reason = (f"truncated: the last line ends without a newline and is not complete "
                      f"JSON ({exc}); was the file cut off?")
        else:
            reason = f"not valid JSON: {exc}"
        return QuarantineEntry(name, number, text, [reason])
    system, source_id = _identity_of(obj)
    if not isinstance(obj, dict):
        kind = type(obj).__name__.replace("dict", "object").replace("list", "array")
        return QuarantineEntry(name, number, text, [
            f"each line must be one JSON object; this line is a JSON {kind}"
        ])
    try:
        record = parse_record(obj)
    except ValidationError as exc:
        return QuarantineEntry(name, number, text, reasons_from(exc), system, source_id)
    return ValidRecord(name, number, record, obj, content_hash(obj))


def _os_user() -> str:
    try:
        return os.getlogin()
    except OSError:
        return str(os.getuid())


def import_files(
    paths: Sequence[Path],
    *,
    started_by: str | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import NDJSON files; return what CLI.md's summary reports (and what was touched)."""
    summary = ImportSummary(files=len(paths))
    batch = ImportBatch.objects.create(
        started_at=timezone.now(), started_by=started_by or f"cli:{_os_user()}",
        pid=os.getpid(), files=[str(p) for p in paths],
    )
    summary.batch_id = batch.pk
    writer = BatchWriter(batch)
    bytes_done = 0
    try:
        for path in paths:
            try:
                check_readable(path)
            except FileUnreadable as exc:
                summary.unreadable.append(str(exc))
                summary.errors.append({"file": str(path), "line": None, "source_id": None,
                                       "reasons": [exc.message]})
                continue
            seen_any = False
            pending: list[ValidRecord | QuarantineEntry] = []
            keys: set[tuple[str, str]] = set()
            for number, text, ended in _lines(path):
                bytes_done += len(text) + (1 if ended else 0)
                if not text.strip():
                    continue
                seen_any = True
                summary.received += 1
                item = read_line(str(path), number, text, ended)
                if isinstance(item, ValidRecord):
                    # A second version of one record in a batch must follow the first, not race it.
                    if item.record.key in keys:
                        _flush(writer, pending, summary)
                        pending, keys = [], set()
                    keys.add(item.record.key)
                pending.append(item)
                if len(pending) >= batch_size:
                    _flush(writer, pending, summary)
                    pending, keys = [], set()
                    if progress:
                        progress(bytes_done, summary)
            _flush(writer, pending, summary)
            writer.file_reread(path)
            if progress:
                progress(bytes_done, summary)
            if not seen_any:
                summary.errors.append({"file": str(path), "line": None, "source_id": None,
                                       "reasons": ["file is empty: it holds no records"]})
        batch.status = ImportBatch.Status.COMPLETED
    except BaseException as exc:
        batch.status = ImportBatch.Status.FAILED
        batch.error = repr(exc)[:2000]
        raise
    finally:
        batch.finished_at = timezone.now()
        for name in ("received", "imported", "unchanged", "replaced", "quarantined"):
            setattr(batch, name, getattr(summary, name))
        batch.save()
    return summary


def _flush(writer: BatchWriter, items: list[ValidRecord | QuarantineEntry], summary: ImportSummary) -> None:
    if not items:
        return
    valid = [i for i in items if isinstance(i, ValidRecord)]
    bad = [i for i in items if isinstance(i, QuarantineEntry)]
    with transaction.atomic():
        outcome = writer.write(valid)
        writer.quarantine(bad)
    summary.imported += outcome.imported
    summary.unchanged += outcome.unchanged
    summary.replaced += outcome.replaced
    summary.touched_record_ids |= outcome.touched
    summary.quarantined += len(bad)
    summary.errors.extend(entry.error() for entry in bad)
