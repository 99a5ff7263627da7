"""Where a workflow is offered: on the page of an alert it can end (by the alert's evidence and
subject) and on the page of a record it can complete."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import kind_label
from vigil.access.permissions import can
from vigil.casework import registry
from vigil.records.models import Record
from vigil.work.registry import register_duty_links as _register


def for_alert(user: Any, alert: Any) -> list[tuple[str, str]]:
    """The workflows this user may use to do what the alert asks: (label, url)."""
    flows = [
        w for w in registry.all_workflows() if alert.code in w.resolves and can(user, w.capability)
    ]
    if not flows:
        return []
    links: list[tuple[str, str]] = []
    wanted = Q(pk__in=[])
    for system, source_id in alert.evidence:
        wanted |= Q(source_system=system, source_id=source_id)
    records = list(Record.objects.filter(wanted).order_by("occurred_at"))
    for w in flows:
        if w.subject == "person":
            if alert.person_id:
                links.append((w.title, reverse(f"casework:{w.key}", args=[alert.person_id])))
            continue
        for record in records:
            if w.can_complete(record):
                local = timezone.localtime(record.occurred_at)
                label = f"{w.title} ({kind_label(record.record_type).lower()} of {local.day} {local:%B %Y})"
                links.append((label, reverse(f"casework:{w.key}", args=[record.pk])))
    return links


def for_record(user: Any, record: Record) -> list[tuple[str, str]]:
    return [
        (w.title, reverse(f"casework:{w.key}", args=[record.pk]))
        for w in registry.for_record(record)
        if can(user, w.capability)
    ]


def register_duty_links() -> None:
    _register(for_alert)
