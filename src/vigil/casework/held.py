"""What was recorded in Vigil to complete a record (its amendments: RECORDS.md v1.1), with who
recorded each, for the record's page. (A record as the rules read it: ``flows.held.effective``.)"""

from __future__ import annotations

from typing import Any

from vigil.casework.models import Entry
from vigil.records.contract import AMENDS, VIGIL_SYSTEM, parse_record
from vigil.records.models import Record
from vigil.rules.amendments import amendment_order


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
