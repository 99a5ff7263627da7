"""A record as the rules read it now (ALERTS.md 'Effective record'): what its source holds with
the amendments written in Vigil applied, so a form checks against what is really held."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from vigil.records.contract import AMENDS, VIGIL_SYSTEM, RecordBase, parse_record
from vigil.records.models import Record, RecordLink
from vigil.rules.amendments import effective_record


def amendments_of(record: Record) -> list[Record]:
    """The amendments written in Vigil that complete ``record``."""
    ids = RecordLink.objects.filter(
        target_system=record.source_system, target_id=record.source_id, relation=AMENDS
    ).values("record_id")
    return list(
        Record.objects.filter(
            pk__in=ids, source_system=VIGIL_SYSTEM, record_type=record.record_type
        ).order_by("pk")
    )


def effective(record: Record, now: dt.datetime | None = None) -> RecordBase:
    """``record`` with the amendments that count by ``now`` (their own occurred_at) applied."""
    now = now or timezone.now()
    applied = [parse_record(a.payload) for a in amendments_of(record) if a.occurred_at <= now]
    return effective_record(parse_record(record.payload), applied).record


def is_amendment(record: Record) -> bool:
    """Whether ``record`` is itself an amendment (no entry completes an amendment)."""
    return (
        record.source_system == VIGIL_SYSTEM
        and RecordLink.objects.filter(record=record, relation=AMENDS).exists()
    )
