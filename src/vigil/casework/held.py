"""What Vigil holds on a record as the rules read it (its effective record: RECORDS.md v1.1), and
what was recorded in Vigil to complete it, for the forms that complete a record and its page."""

from __future__ import annotations

from typing import Any

from vigil.casework.models import Entry
from vigil.records.contract import AMENDS, VIGIL_SYSTEM, RecordBase, parse_record
from vigil.records.models import Record
from vigil.rules.amendments import amendment_order, effective_record


def amendments_of(record: Record) -> list[Record]:
    """The records written in Vigil that amend this one, in the order they apply."""
    found = list(
        Record.objects.filter(
            source_system=VIGIL_SYSTEM,
            links__target_system=record.source_system,
            links__target_id=record.source_id,
            links__relation=AMENDS,
        ).distinct()
    )
    parsed = {a.pk: parse_record(dict(a.payload)) for a in found}
    return sorted(found, key=lambda a: amendment_order(parsed[a.pk]))


def effective(record: Record) -> RecordBase:
    """The record with what was recorded in Vigil applied: gaps filled, lists appended, the
    source's own values winning (a record written in Vigil is simply itself)."""
    source = parse_record(dict(record.payload))
    if record.source_system == VIGIL_SYSTEM:
        return source
    amendments = [parse_record(dict(a.payload)) for a in amendments_of(record)]
    return effective_record(source, amendments).record


def recorded_in_vigil(record: Record) -> list[dict[str, Any]]:
    """Each amendment of the record: who recorded it, when, and what it says (its summary). An
    amendment that came in through ``vigil import`` has no entry, so no name."""
    amendments = amendments_of(record)
    entries = {
        e.record_id: e
        for e in Entry.objects.filter(record__in=amendments)
        .select_related("written_by")
        .order_by("version", "pk")
    }
    rows = []
    for amendment in amendments:
        entry = entries.get(amendment.pk)
        rows.append(
            {
                "record": amendment,
                "by": entry.written_by.display_name if entry is not None else "",
                "at": entry.written_at if entry is not None else amendment.recorded_at,
                "summary": amendment.summary,
            }
        )
    return rows
