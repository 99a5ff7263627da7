"""An audited case in words: its index record's kind and date ("Missing episode of 3 March
2026"), never its raw reference alone. One query for a page of cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from vigil.access.disclosure import kind_label
from vigil.inspection.grading import AREAS
from vigil.inspection.models import AuditCase
from vigil.records.models import Record

# What an index record is called in a case's name, where shorter than the chronology's label.
KINDS: dict[str, str] = {
    "missing": "Missing episode",
    "rso": "Sex offender management record",
    "concern": "Safeguarding concern",
    "call": "Call for service",
}


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def record_words(record_type: str, occurred_at: dt.datetime) -> str:
    local = timezone.localtime(occurred_at)
    return f"{KINDS.get(record_type, kind_label(record_type))} of {day_text(local.date())}"


def index_records(
    cases: Iterable[AuditCase],
) -> dict[tuple[str, str], tuple[int, str, dt.datetime]]:
    """(system, id) -> (record pk, record type, occurred_at) of the cases' index records."""
    keys = {(c.index_system, c.index_source_id) for c in cases}
    if not keys:
        return {}
    found = Record.objects.filter(
        source_system__in={k[0] for k in keys}, source_id__in={k[1] for k in keys}
    ).values_list("source_system", "source_id", "pk", "record_type", "occurred_at")
    return {(s, i): (pk, t, at) for s, i, pk, t, at in found if (s, i) in keys}


def case_titles(cases: Iterable[AuditCase]) -> dict[int, str]:
    cases = list(cases)
    held = index_records(cases)
    out = {}
    for case in cases:
        found = held.get((case.index_system, case.index_source_id))
        if found is None:
            out[case.pk] = f"{AREAS.get(case.area, 'Case')}: a case audited outside Vigil"
        else:
            out[case.pk] = record_words(found[1], found[2])
    return out


def case_title(case: AuditCase) -> str:
    return case_titles([case])[case.pk]
