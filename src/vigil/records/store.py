"""Bulk writes into the record store, one batch at a time, inside the caller's transaction.

The ORM's ``bulk_create`` builds a model instance per row; at tens of thousands of rows a second
that costs more than the database does, so the hot tables are written with ``executemany`` on
Django's own connection (still portable between SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from django.db import connection

from vigil.records import normalise
from vigil.records.contract import RecordBase
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

if TYPE_CHECKING:
    from vigil.records.importer import QuarantineEntry

# SQLite allows 32766 bound parameters per statement; stay well clear.
IN_CHUNK = 900


@dataclass
class ValidRecord:
    file: str
    line: int
    record: RecordBase
    raw: dict[str, Any]
    content_hash: str


@dataclass
class WriteOutcome:
    imported: int = 0
    unchanged: int = 0
    replaced: int = 0
    touched: set[int] = field(default_factory=set)


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _json_placeholder() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _when(value: dt.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _date(value: dt.date | None) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _insert_sql(model: type[Any], columns: Sequence[str], json_columns: Sequence[str] = (),
                conflict: str = "") -> str:
    table = model._meta.db_table
    marks = ", ".join(_json_placeholder() if c in json_columns else "%s" for c in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {conflict}"


class BatchWriter:
    """Writes validated records and quarantined lines for one import batch."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch

    # --- records -----------------------------------------------------------------------

    def write(self, items: Sequence[ValidRecord]) -> WriteOutcome:
        outcome = WriteOutcome()
        if not items:
            return outcome
        held = self._held({item.record.key for item in items})
        new: list[ValidRecord] = []
        replacing: list[tuple[ValidRecord, tuple[int, int | None, str]]] = []
        for item in items:
            current = held.get(item.record.key)
            if current is None:
                new.append(item)
            elif self._replaces(item, current):
                replacing.append((item, current))
            else:
                outcome.unchanged += 1
        superseded = self._superseded([current[0] for _, current in replacing])
        resent = [(item, current) for item, current in replacing
                  if (current[0], item.content_hash) in superseded]
        if resent:
            replacing = [pair for pair in replacing if pair not in resent]
            outcome.unchanged += len(resent)
        if not new and not replacing:
            return outcome
        locations = self._locations(new + [i for i, _ in replacing])
        if new:
            ids = self._insert_records(new, locations)
            self._insert_children([(ids[i.record.key], i) for i in new], locations)
            outcome.imported += len(new)
            outcome.touched.update(ids.values())
        for item, (record_id, _, _) in replacing:
            self._replace(record_id, item, locations)
            outcome.replaced += 1
            outcome.touched.add(record_id)
        self._resolve_quarantine([i.record.key for i in new] + [i.record.key for i, _ in replacing])
        return outcome

    @staticmethod
    def _replaces(item: ValidRecord, current: tuple[int, int | None, str]) -> bool:
        """RECORDS.md: a higher version replaces; without versions, a different record does.

        When only one side carries a version, the other counts as version 0, so a versioned
        record is never rolled back by an unversioned copy of an older state.
        """
        _, held_version, held_hash = current
        if item.record.version is None and held_version is None:
            return item.content_hash != held_hash
        return (item.record.version or 0) > (held_version or 0)

    @staticmethod
    def _superseded(record_ids: Sequence[int]) -> set[tuple[int, str]]:
        """Versions already replaced: a copy of one arriving again is a resend, not news.

        Without this an unversioned record sent twice in one file (old then new) would, on a
        second import of that file, flip back and forth and leave history unlike one import's.
        """
        found: set[tuple[int, str]] = set()
        for chunk in _chunks(sorted(set(record_ids))):
            found.update(RecordVersion.objects.filter(record_id__in=chunk)
                         .values_list("record_id", "content_hash"))
        return found

    def _held(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int | None, str]]:
        held: dict[tuple[str, str], tuple[int, int | None, str]] = {}
        ids = sorted({source_id for _, source_id in keys})
        with connection.cursor() as cursor:
            for chunk in _chunks(ids):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT id, source_system, source_id, version, content_hash "
                    f"FROM {Record._meta.db_table} WHERE source_id IN ({marks})", list(chunk),
                )
                for record_id, system, source_id, version, digest in cursor.fetchall():
                    if (system, source_id) in keys:
                        held[(system, source_id)] = (record_id, version, digest)
        return held

    def _locations(self, items: Sequence[ValidRecord]) -> dict[str, int]:
        """Upsert every place the batch names; return their ids by key."""
        wanted: dict[str, tuple[str, str]] = {}
        for item in items:
            places = [(item.record.location.address, item.record.location.postcode)] \
                if item.record.location else []
            places += [(m.address, m.postcode) for m in item.record.people]
            for address, postcode in places:
                key = normalise.location_key(address, postcode)
                if key and key not in wanted:
                    wanted[key] = (normalise.postcode(postcode) or "", (address or "")[:500])
        if not wanted:
            return {}
        keys = sorted(wanted)
        sql = _insert_sql(Location, ["key", "postcode", "address"],
                          conflict="ON CONFLICT (key) DO NOTHING")
        found: dict[str, int] = {}
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(k, *wanted[k]) for k in keys])
            for chunk in _chunks(keys):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT id, key FROM {Location._meta.db_table} WHERE key IN ({marks})",
                    list(chunk),
                )
                found.update((key, pk) for pk, key in cursor.fetchall())
        return found

    def _record_row(self, item: ValidRecord, locations: dict[str, int]) -> list[Any]:
        record = item.record
        place = record.location
        key = normalise.location_key(place.address, place.postcode) if place else None
        return [
            record.record_type, record.version, item.content_hash,
            _when(record.occurred_at), _when(record.recorded_at),
            locations.get(key) if key else None,
            (place.premises_type or "") if place else "",
            record.summary or "", _json(item.raw), self.batch.pk,
        ]

    _RECORD_COLUMNS = ["record_type", "version", "content_hash", "occurred_at", "recorded_at",
                       "location_id", "premises_type", "summary", "payload", "batch_id"]

    def _insert_records(self, items: Sequence[ValidRecord], locations: dict[str, int]) -> dict[tuple[str, str], int]:
        columns = ["source_system", "source_id", *self._RECORD_COLUMNS]
        rows = [[*item.record.key, *self._record_row(item, locations)] for item in items]
        with connection.cursor() as cursor:
            cursor.executemany(_insert_sql(Record, columns, ["payload"]), rows)
        held = self._held({item.record.key for item in items})
        return {key: value[0] for key, value in held.items()}

    _MENTION_COLUMNS = ["record_id", "mention_id", "role", "occurred_at", "forename",
                        "middle_names", "surname", "date_of_birth", "age_estimate", "gender",
                        "postcode", "location_id", "phone", "pnc", "nhs", "payload"]

    @staticmethod
    def _mention_rows(record_id: int, item: ValidRecord, locations: dict[str, int]) -> list[list[Any]]:
        rows: list[list[Any]] = []
        occurred = _when(item.record.occurred_at)
        raw_people = item.raw.get("people") or []
        for index, mention in enumerate(item.record.people):
            ids = {k.lower(): v for k, v in mention.identifiers.items() if v}
            key = normalise.location_key(mention.address, mention.postcode)
            rows.append([
                record_id, mention.mention_id, mention.role, occurred,
                mention.forename or "", mention.middle_names or "", mention.surname or "",
                _date(mention.date_of_birth), mention.age_estimate, mention.gender or "",
                normalise.postcode(mention.postcode) or "",
                locations.get(key) if key else None,
                normalise.phone(mention.phone) or "",
                normalise.identifier(ids.get("pnc")) or "",
                normalise.identifier(ids.get("nhs")) or "",
                _json(raw_people[index]),
            ])
        return rows

    def _insert_children(self, pairs: Sequence[tuple[int, ValidRecord]], locations: dict[str, int],
                         mentions: bool = True) -> None:
        mention_rows: list[list[Any]] = []
        object_rows: list[list[Any]] = []
        link_rows: list[list[Any]] = []
        for record_id, item in pairs:
            if mentions:
                mention_rows += self._mention_rows(record_id, item, locations)
            for obj in item.record.objects:
                object_rows.append([record_id, obj.object_type,
                                    normalise.identifier(obj.identifier) or obj.identifier,
                                    obj.description or ""])
            for link in item.record.links:
                link_rows.append([record_id, link.source_system, link.source_id, link.relation])
        with connection.cursor() as cursor:
            if mention_rows:
                cursor.executemany(
                    _insert_sql(PersonMention, self._MENTION_COLUMNS, ["payload"]), mention_rows)
            if object_rows:
                cursor.executemany(_insert_sql(RecordObject, [
                    "record_id", "object_type", "identifier", "description"]), object_rows)
            if link_rows:
                cursor.executemany(_insert_sql(RecordLink, [
                    "record_id", "target_system", "target_id", "relation"]), link_rows)

    def _replace(self, record_id: int, item: ValidRecord, locations: dict[str, int]) -> None:
        """Keep the version in force whole in history, then put the new one in its place."""
        held = Record.objects.get(pk=record_id)
        RecordVersion.objects.get_or_create(
            record=held, content_hash=held.content_hash,
            defaults={"version": held.version, "payload": held.payload, "batch_id": held.batch_id,
                      "superseded_by_batch": self.batch},
        )
        values = dict(zip(self._RECORD_COLUMNS, self._record_row(item, locations), strict=True))
        values.update(payload=item.raw, occurred_at=item.record.occurred_at,
                      recorded_at=item.record.recorded_at)
        Record.objects.filter(pk=record_id).update(**values)
        # Objects and links are facts of the version and are simply restated. Mentions keep
        # their rows, and so whatever identity resolution decided about them.
        RecordObject.objects.filter(record_id=record_id).delete()
        RecordLink.objects.filter(record_id=record_id).delete()
        self._insert_children([(record_id, item)], locations, mentions=False)
        existing = dict(
            PersonMention.objects.filter(record_id=record_id).values_list("mention_id", "pk"))
        incoming = {row[1]: row for row in self._mention_rows(record_id, item, locations)}
        gone = [pk for mention_id, pk in existing.items() if mention_id not in incoming]
        if gone:
            PersonMention.objects.filter(pk__in=gone).delete()
        fresh = [row for mention_id, row in incoming.items() if mention_id not in existing]
        for mention_id, row in incoming.items():
            if mention_id in existing:
                values = dict(zip(self._MENTION_COLUMNS, row, strict=True))
                del values["record_id"], values["mention_id"]
                values.update(payload=orjson.loads(values["payload"]),
                              occurred_at=item.record.occurred_at,
                              date_of_birth=next(m.date_of_birth for m in item.record.people
                                                 if m.mention_id == mention_id))
                PersonMention.objects.filter(pk=existing[mention_id]).update(**values)
        if fresh:
            with connection.cursor() as cursor:
                cursor.executemany(
                    _insert_sql(PersonMention, self._MENTION_COLUMNS, ["payload"]), fresh)

    # --- quarantine ----------------------------------------------------------------------

    def quarantine(self, entries: Sequence[QuarantineEntry]) -> None:
        if not entries:
            return
        columns = ["raw_hash", "file", "line", "source_system", "source_id", "raw", "reasons",
                   "first_batch_id", "last_batch_id"]
        sql = _insert_sql(QuarantinedRecord, columns, ["reasons"], conflict=(
            "ON CONFLICT (file, line, raw_hash) DO UPDATE SET reasons = excluded.reasons, "
            "last_batch_id = excluded.last_batch_id"
        ))
        rows: dict[tuple[str, int, str], list[Any]] = {}
        for entry in entries:
            digest = hashlib.sha256(entry.raw).hexdigest()
            entry_file = str(Path(entry.file).resolve())
            rows[(entry_file, entry.line, digest)] = [digest, entry_file[:1000], entry.line, entry.source_system or "",
                            (entry.source_id or "")[:200],
                            entry.raw.decode("utf-8", errors="backslashreplace"),
                            _json(entry.reasons), self.batch.pk, self.batch.pk]
        with connection.cursor() as cursor:
            cursor.executemany(sql, list(rows.values()))

    def file_reread(self, path: Path) -> None:
        """A file read to its end: its quarantined lines not seen again were fixed at source."""
        QuarantinedRecord.objects.filter(
            file=str(path.resolve()), resolved_by_batch__isnull=True
        ).exclude(last_batch=self.batch).update(resolved_by_batch=self.batch)

    def _resolve_quarantine(self, keys: Sequence[tuple[str, str]]) -> None:
        """A record fixed at source and re-imported clears its quarantined line."""
        wanted = set(keys)
        ids = sorted({source_id for _, source_id in keys})
        for chunk in _chunks(ids):
            open_entries = QuarantinedRecord.objects.filter(
                source_id__in=chunk, resolved_by_batch__isnull=True
            ).values_list("pk", "source_system", "source_id")
            resolved = [pk for pk, system, sid in open_entries if (system, sid) in wanted]
            if resolved:
                QuarantinedRecord.objects.filter(pk__in=resolved).update(resolved_by_batch=self.batch)
