"""Bulk writes into the record store, one batch at a time, inside the caller's transaction.

The ORM's ``bulk_create`` builds a model instance per row; at tens of thousands of rows a second
that costs more than the database does, so the hot tables are written with ``executemany`` on
Django's own connection (still portable between SQLite and PostgreSQL). Rows arrive already
prepared (``vigil.records.prepare``); this module only resolves ids and writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db import connection

from vigil.records.contract import AMENDS, VIGIL_SYSTEM
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
from vigil.records.prepare import (
    MENTION_COLUMNS,
    MENTION_LOCATION,
    RECORD_COLUMNS,
    RECORD_LOCATION,
    PreparedRecord,
    QuarantineEntry,
)
from vigil.records.signals import mentions_replaced

# Where quarantine lists a held amendment refused when its target arrived: no file holds it.
HELD_AMENDMENT_FILE = "(held in the store: an amendment waiting for its target)"

# SQLite allows 32766 bound parameters per statement; stay well clear.
IN_CHUNK = 900

Held = tuple[int, int | None, str]  # id, version, content hash


@dataclass
class WriteOutcome:
    imported: int = 0
    unchanged: int = 0
    replaced: int = 0
    touched: set[int] = field(default_factory=set)
    # Valid records the store refuses (an amendment of a record of another type): to quarantine.
    refused: list[QuarantineEntry] = field(default_factory=list)


def _chunk_size() -> int:
    """Values per look-up: SQLite binds each one; PostgreSQL takes one array of any length."""
    return IN_CHUNK if connection.vendor != "postgresql" else 20_000


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_sql(
    model: type[Any], columns: Sequence[str], json_columns: Sequence[str] = (), conflict: str = ""
) -> str:
    table = model._meta.db_table
    json_mark = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    marks = ", ".join(json_mark if c in json_columns else "%s" for c in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {conflict}"


def _insert_many(
    cursor: Any,
    model: type[Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    json_columns: Sequence[str] = (),
    conflict: str = "",
) -> None:
    """Insert many rows the fastest portable way each backend has.

    On PostgreSQL, Django's cursors bind parameters on the client and send one statement per
    row of an ``executemany``; plain rows go by COPY and the rest by a pipelined psycopg cursor
    on the same connection (so in the same transaction). SQLite's ``executemany`` reuses one
    prepared statement and is already fast.
    """
    if not rows:
        return
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {conflict}", rows
        )
        return
    import psycopg

    raw = connection.connection
    with psycopg.Cursor(raw) as pg:
        if not conflict:
            with pg.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("%s::jsonb" if c in json_columns else "%s" for c in columns)
        pg.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {conflict}", rows
        )


def _upsert_locations_pg(keys: Sequence[str], wanted: dict[str, tuple[str, str]]) -> None:
    """New locations in one statement of three arrays, in key order (as one row each would be).

    Row by row, each location cost the server a statement of its own, a tenth of its CPU per
    record on a first import.
    """
    import psycopg

    with psycopg.Cursor(connection.connection) as pg:
        # As in _any: one JSON parameter, not arrays quoted element by element in Python.
        pg.execute(
            f"INSERT INTO {Location._meta.db_table} (key, postcode, address) "
            "SELECT e ->> 0, e ->> 1, e ->> 2 FROM jsonb_array_elements(%s::jsonb) "
            "WITH ORDINALITY AS n (e, i) ORDER BY i ON CONFLICT (key) DO NOTHING",
            [orjson.dumps([(k, *wanted[k]) for k in keys]).decode()],
        )


def _reserve_ids(model: type[Any], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, which no other writer can also be given.

    PostgreSQL: from the table's own sequence. SQLite: the ones after the highest ever used
    (the table is AUTOINCREMENT; Django's SQLite transactions begin IMMEDIATE, so this
    transaction already holds the only write lock until it commits).
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT max(id) FROM {table}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))


def _with_location(row: list[Any], index: int, locations: dict[str, int]) -> list[Any]:
    """The row with its location key replaced by the location's id (in place: rows are ours)."""
    key = row[index]
    if key is None or isinstance(key, int):
        return row
    row[index] = locations.get(key)
    return row


def _any(column: str, values: Sequence[str]) -> tuple[str, list[Any]]:
    """``column IN (...)`` for a text column, as SQL and parameters.

    On PostgreSQL the values go as one JSON array: written by orjson and read by the server,
    where an array parameter is quoted element by element in Python (a tenth of the importer's
    own time on a first import) and a list of literals would be parsed and planned afresh.
    """
    if connection.vendor == "postgresql":
        return (
            f"{column} = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))",
            [orjson.dumps(list(values)).decode()],
        )
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


class BatchWriter:
    """Writes prepared records and quarantined lines for one import batch."""

    # Locations are never deleted, so their ids can be remembered between batches; bounded, so
    # memory stays flat whatever the force's size.
    LOCATION_CACHE = 200_000

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self._location_ids: dict[str, int] = {}
        self._uncommitted_locations: dict[str, int] = {}

    def committed(self) -> None:
        """The caller's transaction committed: what it wrote may now be remembered."""
        if len(self._location_ids) + len(self._uncommitted_locations) > self.LOCATION_CACHE:
            self._location_ids.clear()
        self._location_ids.update(self._uncommitted_locations)
        self._uncommitted_locations.clear()

    def rolled_back(self) -> None:
        self._uncommitted_locations.clear()

    # --- records -----------------------------------------------------------------------

    def write(self, items: Sequence[PreparedRecord]) -> WriteOutcome:
        outcome = WriteOutcome()
        if not items:
            return outcome
        items, outcome.refused = self._amendments_checked(items)
        held = self._held({item.key for item in items})
        new: list[PreparedRecord] = []
        replacing: list[tuple[PreparedRecord, Held]] = []
        for item in items:
            current = held.get(item.key)
            if current is None:
                new.append(item)
            elif self._replaces(item, current):
                replacing.append((item, current))
            else:
                outcome.unchanged += 1
        superseded = self._superseded([current[0] for _, current in replacing])
        resent = [
            (item, current)
            for item, current in replacing
            if (current[0], item.content_hash) in superseded
        ]
        if resent:
            replacing = [pair for pair in replacing if pair not in resent]
            outcome.unchanged += len(resent)
        if not new and not replacing:
            return outcome
        locations = self._locations(new + [item for item, _ in replacing])
        if new:
            ids = self._insert_records(new, locations)
            self._insert_children([(ids[item.key], item) for item in new], locations)
            outcome.imported += len(new)
            outcome.touched.update(ids.values())
        for item, (record_id, _, _) in replacing:
            self._replace(record_id, item, locations)
            outcome.replaced += 1
            outcome.touched.add(record_id)
        self._resolve_quarantine([item.key for item in new] + [item.key for item, _ in replacing])
        self._quarantine_mismatched_amendments(new + [item for item, _ in replacing])
        return outcome

    # --- amendments (RECORDS.md v1.1 'Records written in Vigil') ---------------------------

    def _amendments_checked(
        self, items: Sequence[PreparedRecord]
    ) -> tuple[list[PreparedRecord], list[QuarantineEntry]]:
        """The items the store takes, and the amendments it refuses: those naming a record held
        (or arriving in this batch) with another record_type."""
        targets = {
            (i, tuple(link[:2]))
            for i, item in enumerate(items)
            for link in item.links
            if link[2] == AMENDS
        }
        if not targets:
            return list(items), []
        types = self._held_types({key for _, key in targets})
        types.update({item.key: item.record[0] for item in items})
        refused: dict[int, QuarantineEntry] = {}
        for index, key in sorted(targets):
            item, held_type = items[index], types.get(key)
            if held_type is not None and held_type != item.record[0]:
                link = next(n for n, k in enumerate(item.links) if tuple(k[:2]) == key)
                refused[index] = QuarantineEntry(
                    item.file,
                    item.line,
                    str(item.record[-1]).encode(),
                    [
                        f"links[{link}]: amends {key[0]}/{key[1]}, a {held_type} record; an "
                        f"amendment completes a record of its own record_type ({item.record[0]})"
                    ],
                    *item.key,
                )
        return [item for i, item in enumerate(items) if i not in refused], list(refused.values())

    @staticmethod
    def _held_types(keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        ids = sorted({source_id for _, source_id in keys})
        with connection.cursor() as cursor:
            for chunk in _chunks(ids, _chunk_size()):
                where, params = _any("source_id", chunk)
                cursor.execute(
                    f"SELECT source_system, source_id, record_type FROM "
                    f"{Record._meta.db_table} WHERE {where}",
                    params,
                )
                for system, source_id, record_type in cursor.fetchall():
                    if (system, source_id) in keys:
                        found[(system, source_id)] = record_type
        return found

    def _quarantine_mismatched_amendments(self, items: Sequence[PreparedRecord]) -> None:
        """A waiting amendment whose target arrives with another record_type is not applied,
        and quarantine lists it with that reason (it stays held, as received)."""
        by_key = {
            item.key: item.record[0] for item in items if item.key[0] != VIGIL_SYSTEM
        }  # only other systems' records are amended
        if not by_key:
            return
        table, links = Record._meta.db_table, RecordLink._meta.db_table
        found: list[tuple[str, str, str, str, Any, str, str]] = []
        ids = sorted({source_id for _, source_id in by_key})
        with connection.cursor() as cursor:
            # By target id (indexed), one query a chunk: usually nothing is found.
            for chunk in _chunks(ids, _chunk_size()):
                where, params = _any("k.target_id", chunk)
                cursor.execute(
                    f"SELECT r.source_system, r.source_id, r.record_type, r.payload, "
                    f"k.target_system, k.target_id FROM {links} k JOIN {table} r "
                    f"ON r.id = k.record_id WHERE {where} AND k.relation = %s",
                    [*params, AMENDS],
                )
                for a_system, a_id, a_type, payload, t_system, t_id in cursor.fetchall():
                    target_type = by_key.get((t_system, t_id))
                    if target_type is not None and a_type != target_type:
                        found.append((a_system, a_id, a_type, payload, t_system, t_id, target_type))
        for a_system, a_id, a_type, payload, t_system, t_id, target_type in found:
            raw = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
            digest = hashlib.sha256(raw.encode()).hexdigest()
            reason = (
                f"links: amends {t_system}/{t_id}, which arrived as a {target_type} record; "
                f"an amendment completes a record of its own record_type ({a_type}), so "
                "this one is not applied"
            )
            QuarantinedRecord.objects.update_or_create(
                file=HELD_AMENDMENT_FILE,
                line=0,
                raw_hash=digest,
                defaults={
                    "source_system": a_system,
                    "source_id": a_id[:200],
                    "raw": raw,
                    "reasons": [reason],
                    "last_batch": self.batch,
                    "resolved_by_batch": None,
                },
                create_defaults={
                    "source_system": a_system,
                    "source_id": a_id[:200],
                    "raw": raw,
                    "reasons": [reason],
                    "first_batch": self.batch,
                    "last_batch": self.batch,
                },
            )

    @staticmethod
    def _replaces(item: PreparedRecord, current: Held) -> bool:
        """RECORDS.md: a higher version replaces; without versions, a different record does.

        When only one side carries a version, the other counts as version 0, so a versioned
        record is never rolled back by an unversioned copy of an older state.
        """
        _, held_version, held_hash = current
        if item.version is None and held_version is None:
            return item.content_hash != held_hash
        return (item.version or 0) > (held_version or 0)

    @staticmethod
    def _superseded(record_ids: Sequence[int]) -> set[tuple[int, str]]:
        """Versions already replaced: a copy of one arriving again is a resend, not news.

        Without this an unversioned record sent twice in one file (old then new) would, on a
        second import of that file, flip back and forth and leave history unlike one import's.
        """
        found: set[tuple[int, str]] = set()
        for chunk in _chunks(sorted(set(record_ids))):
            found.update(
                RecordVersion.objects.filter(record_id__in=chunk).values_list(
                    "record_id", "content_hash"
                )
            )
        return found

    def _held(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Held]:
        held: dict[tuple[str, str], Held] = {}
        by_system: dict[str, list[str]] = {}
        for system, source_id in keys:
            by_system.setdefault(system, []).append(source_id)
        with connection.cursor() as cursor:
            for system, ids in sorted(by_system.items()):
                for chunk in _chunks(sorted(ids), _chunk_size()):
                    where, params = _any("source_id", chunk)
                    # The identity index leads with source_system: name it so the index is used.
                    cursor.execute(
                        f"SELECT id, source_id, version, content_hash FROM {Record._meta.db_table} "
                        f"WHERE source_system = %s AND {where}",
                        [system, *params],
                    )
                    for record_id, source_id, version, digest in cursor.fetchall():
                        held[(system, source_id)] = (record_id, version, digest)
        return held

    def _locations(self, items: Sequence[PreparedRecord]) -> dict[str, int]:
        """Upsert every place the batch names; return their ids by key."""
        known = self._location_ids
        found: dict[str, int] = {}
        wanted: dict[str, tuple[str, str]] = {}
        for item in items:
            for key, value in item.places.items():
                if key in known:
                    found[key] = known[key]
                else:
                    wanted.setdefault(key, value)
        if not wanted:
            return found
        keys = sorted(wanted)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _upsert_locations_pg(keys, wanted)
            else:
                _insert_many(
                    cursor,
                    Location,
                    ["key", "postcode", "address"],
                    [(k, *wanted[k]) for k in keys],
                    conflict="ON CONFLICT (key) DO NOTHING",
                )
            for chunk in _chunks(keys, _chunk_size()):
                where, params = _any("key", chunk)
                cursor.execute(
                    f"SELECT id, key FROM {Location._meta.db_table} WHERE {where}", params
                )
                for pk, key in cursor.fetchall():
                    found[key] = pk
                    self._uncommitted_locations[key] = pk
        return found

    def _insert_records(
        self, items: Sequence[PreparedRecord], locations: dict[str, int]
    ) -> dict[tuple[str, str], int]:
        # Ids taken before the rows go in, so that no look-up is needed to learn them after.
        ids = _reserve_ids(Record, len(items))
        columns = ["id", "source_system", "source_id", *RECORD_COLUMNS, "batch_id"]
        rows = [
            [pk, *item.key, *_with_location(item.record, RECORD_LOCATION, locations), self.batch.pk]
            for pk, item in zip(ids, items, strict=True)
        ]
        with connection.cursor() as cursor:
            _insert_many(cursor, Record, columns, rows, ["payload"])
        return {item.key: pk for pk, item in zip(ids, items, strict=True)}

    def _insert_children(
        self,
        pairs: Sequence[tuple[int, PreparedRecord]],
        locations: dict[str, int],
        mentions: bool = True,
    ) -> None:
        mention_rows: list[list[Any]] = []
        object_rows: list[list[Any]] = []
        link_rows: list[list[Any]] = []
        for record_id, item in pairs:
            if mentions:
                mention_rows += [
                    [record_id, *_with_location(m, MENTION_LOCATION, locations)]
                    for m in item.mentions
                ]
            object_rows += [[record_id, *o] for o in item.objects]
            link_rows += [[record_id, *k] for k in item.links]
        with connection.cursor() as cursor:
            _insert_many(cursor, PersonMention, ["record_id", *MENTION_COLUMNS], mention_rows)
            _insert_many(
                cursor,
                RecordObject,
                ["record_id", "object_type", "identifier", "description"],
                object_rows,
            )
            _insert_many(
                cursor,
                RecordLink,
                ["record_id", "target_system", "target_id", "relation"],
                link_rows,
            )

    def _replace(self, record_id: int, item: PreparedRecord, locations: dict[str, int]) -> None:
        """Keep the version in force whole in history, then put the new one in its place."""
        held = Record.objects.get(pk=record_id)
        RecordVersion.objects.get_or_create(
            record=held,
            content_hash=held.content_hash,
            defaults={
                "version": held.version,
                "payload": held.payload,
                "batch_id": held.batch_id,
                "superseded_by_batch": self.batch,
            },
        )
        columns = [*RECORD_COLUMNS, "batch_id"]
        values = [*_with_location(item.record, RECORD_LOCATION, locations), self.batch.pk]
        json_mark = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
        assignments = ", ".join(f"{c} = {json_mark if c == 'payload' else '%s'}" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Record._meta.db_table} SET {assignments} WHERE id = %s",
                [*values, record_id],
            )
        # Objects and links are facts of the version and are simply restated. Mentions keep
        # their rows, and so whatever identity resolution decided about them.
        RecordObject.objects.filter(record_id=record_id).delete()
        RecordLink.objects.filter(record_id=record_id).delete()
        self._insert_children([(record_id, item)], locations, mentions=False)
        existing = dict(
            PersonMention.objects.filter(record_id=record_id).values_list("mention_id", "pk")
        )
        incoming = {m[0]: _with_location(m, MENTION_LOCATION, locations) for m in item.mentions}
        gone = [pk for mention_id, pk in existing.items() if mention_id not in incoming]
        mentions_replaced.send(sender=type(self), record_id=record_id, gone=gone)
        if gone:
            PersonMention.objects.filter(pk__in=gone).delete()
        table = PersonMention._meta.db_table
        assignments = ", ".join(f"{c} = %s" for c in MENTION_COLUMNS[1:])
        with connection.cursor() as cursor:
            for mention_id, row in incoming.items():
                if mention_id in existing:
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE id = %s",
                        [*row[1:], existing[mention_id]],
                    )
                else:
                    cursor.execute(
                        _insert_sql(PersonMention, ["record_id", *MENTION_COLUMNS]),
                        [record_id, *row],
                    )

    # --- quarantine ----------------------------------------------------------------------

    def quarantine(self, entries: Sequence[QuarantineEntry]) -> None:
        if not entries:
            return
        columns = [
            "raw_hash",
            "file",
            "line",
            "source_system",
            "source_id",
            "raw",
            "reasons",
            "first_batch_id",
            "last_batch_id",
        ]
        rows: dict[tuple[str, int, str], list[Any]] = {}
        for entry in entries:
            digest = hashlib.sha256(entry.raw).hexdigest()
            entry_file = str(Path(entry.file).resolve())
            rows[(entry_file, entry.line, digest)] = [
                digest,
                entry_file[:1000],
                entry.line,
                entry.source_system or "",
                (entry.source_id or "")[:200],
                # No text column of PostgreSQL holds a NUL: kept written as \x00 (its reason
                # says so), as bytes that are not UTF-8 are kept written as \xNN.
                entry.raw.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00"),
                orjson.dumps(entry.reasons).decode(),
                self.batch.pk,
                self.batch.pk,
            ]
        with connection.cursor() as cursor:
            _insert_many(
                cursor,
                QuarantinedRecord,
                columns,
                list(rows.values()),
                ["reasons"],
                conflict="ON CONFLICT (file, line, raw_hash) DO UPDATE SET "
                "reasons = excluded.reasons, last_batch_id = excluded.last_batch_id",
            )

    def file_reread(self, path: Path) -> None:
        """A file read to its end: its quarantined lines not seen again were fixed at source."""
        QuarantinedRecord.objects.filter(
            file=str(path.resolve()), resolved_by_batch__isnull=True
        ).exclude(last_batch=self.batch).update(resolved_by_batch=self.batch)

    def _resolve_quarantine(self, keys: Sequence[tuple[str, str]]) -> None:
        """A record fixed at source and re-imported clears its quarantined line."""
        # Usually nothing waits in quarantine: one indexed probe saves the look-ups.
        if (
            not keys
            or not QuarantinedRecord.objects.filter(resolved_by_batch__isnull=True).exists()
        ):
            return
        wanted = set(keys)
        ids = sorted({source_id for _, source_id in keys})
        table = QuarantinedRecord._meta.db_table
        resolved: list[int] = []
        with connection.cursor() as cursor:
            for chunk in _chunks(ids, _chunk_size()):
                where, params = _any("source_id", chunk)
                cursor.execute(
                    f"SELECT id, source_system, source_id FROM {table} "
                    f"WHERE {where} AND resolved_by_batch_id IS NULL",
                    params,
                )
                resolved += [pk for pk, system, sid in cursor.fetchall() if (system, sid) in wanted]
        for chunk in _chunks(resolved):
            QuarantinedRecord.objects.filter(pk__in=chunk).update(resolved_by_batch=self.batch)
