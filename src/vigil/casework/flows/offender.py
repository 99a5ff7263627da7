"""Offender management: a visit to a registered sex offender, an amendment of their latest
``rso`` record appending the visit's time (RSO_VISIT_OVERDUE), and giving
``arms_assessed_at`` when an ARMS assessment was completed (RSO_ARMS_OVERDUE).

The rules read the offender's latest rso record, so the visit is written against that one. An
amendment only fills what the source left missing: where the record already holds an older
ARMS assessment, the source's value wins and RSO_ARMS_OVERDUE stays (the form and the check
page say so; the new assessment belongs in the offender management system)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from vigil.access.permissions import Capability
from vigil.casework.flows.held import effective, is_amendment
from vigil.casework.forms import CaseworkForm
from vigil.casework.registry import Subject, Workflow, register
from vigil.identity.models import MentionLink
from vigil.records.contract import AMENDS, RsoRecord
from vigil.records.models import Record, RecordLink
from vigil.ui.fields import WhenField, when_text

OFFENDER_ROLES = ("offender", "subject")  # as the rules read an rso record's offender


def latest_for_offender(record: Record) -> bool:
    """Whether ``record`` is its offender's latest rso record (the one the rules read), by
    occurred_at, then source system and id; amendments are no records of their own."""
    if record.record_type != "rso" or is_amendment(record):
        return False
    persons = MentionLink.objects.filter(
        mention__record=record, mention__role__in=OFFENDER_ROLES
    ).values("person_id")
    later = (
        Record.objects.filter(
            record_type="rso",
            mentions__role__in=OFFENDER_ROLES,
            mentions__link__person_id__in=persons,
            occurred_at__lte=timezone.now(),
        )
        .exclude(pk__in=RecordLink.objects.filter(relation=AMENDS).values("record_id"))
        .filter(
            Q(occurred_at__gt=record.occurred_at)
            | Q(occurred_at=record.occurred_at, source_system__gt=record.source_system)
            | Q(
                occurred_at=record.occurred_at,
                source_system=record.source_system,
                source_id__gt=record.source_id,
            )
        )
    )
    return not later.exists()


def held_rso(record: Record) -> RsoRecord:
    held = effective(record)
    assert isinstance(held, RsoRecord)
    return held


class VisitForm(CaseworkForm):
    visited_at = WhenField(
        label="When the visit was made", help_text="For example, 27 3 2026 and 14:30"
    )
    visited_by = forms.CharField(
        label="Who made the visit",
        max_length=300,
        help_text="The names of the officers who visited",
        error_messages={"required": "Enter who made the visit"},
    )
    notes = forms.CharField(
        label="Outcome of the visit",
        max_length=4000,
        widget=forms.Textarea,
        help_text="What was seen and discussed, any risk found, and what happens next",
        error_messages={"required": "Enter the outcome of the visit"},
    )
    arms_assessed_at = WhenField(
        label="When the risk assessment was completed",
        required=False,
        help_text="If an ARMS assessment was completed, when. Leave this blank if not.",
    )

    def __init__(self, *args: Any, record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = held_rso(record) if record is not None else None
        if not self.is_bound and self.user is not None:
            self.initial.setdefault("visited_by", getattr(self.user, "display_name", ""))
        if self.held is not None and self.held.arms_assessed_at is not None:
            self.fields["arms_assessed_at"].help_text = (
                "This record already holds an ARMS assessment of "
                f"{when_text(self.held.arms_assessed_at)}. A value the offender management "
                "system holds is never replaced from Vigil: record a new assessment there."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        registered = self.held.registered_at if self.held is not None else None
        for name in ("visited_at", "arms_assessed_at"):
            moment = cleaned.get(name)
            if registered is not None and moment is not None and moment < registered:
                label = str(self.fields[name].label)
                self.add_error(
                    name,
                    f"{label} must be after the offender was registered on {when_text(registered)}",
                )
        return cleaned


def build_visit(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    visited: dt.datetime = cleaned["visited_at"]
    assessed: dt.datetime | None = cleaned.get("arms_assessed_at")
    summary = f"Offender management visit by {cleaned['visited_by']}: {cleaned['notes']}"
    fields: dict[str, Any] = {
        # An amendment counts from its occurred_at: from the first thing it records.
        "occurred_at": min(visited, assessed) if assessed else visited,
        "visits": [visited],
    }
    if assessed is not None:
        fields["arms_assessed_at"] = assessed
        summary += f"\nARMS assessment completed {when_text(assessed)}."
    fields["summary"] = summary
    return fields


def _record_kwargs(subject: Subject) -> dict[str, Any]:
    return {"record": subject.record}


OFFENDER_VISIT = register(
    Workflow(
        key="offender-visit",
        title="Record an offender management visit",
        noun="offender management visit",
        record_type="rso",
        capability=Capability.RECORD_OFFENDER_VISIT,
        form=VisitForm,
        build=build_visit,
        resolves=("RSO_VISIT_OVERDUE", "RSO_ARMS_OVERDUE"),
        applies=latest_for_offender,
        form_kwargs=_record_kwargs,
        hint="Record a visit to this registered sex offender, and an ARMS assessment if one was "
        "completed. It is added to their latest offender management record.",
    )
)
