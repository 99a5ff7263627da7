"""Custody referral to children's social care: when the local authority was told about a child in
custody, whom, and what was shared (an amendment of the custody record giving
``referral_to_csc_at``, what was shared in its ``summary``; CUSTODY_NO_REFERRAL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from vigil.access.permissions import Capability
from vigil.casework.forms import CaseworkForm
from vigil.casework.registry import Subject, Workflow, register
from vigil.records.models import Record
from vigil.rules.clock import time_in_words
from vigil.ui.fields import WhenField


def _arrived(record: Record | None) -> dt.datetime | None:
    if record is None:
        return None
    raw = record.payload.get("arrived_at")
    if isinstance(raw, str) and raw:
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo:
            return moment
    return record.occurred_at


class CustodyReferralForm(CaseworkForm):
    referral_to_csc_at = WhenField(
        label="When children's social care were told",
        help_text="For example, 27 3 2026 and 14:30",
    )
    told = forms.CharField(
        label="Who in children's social care was told (optional)",
        max_length=200,
        required=False,
        help_text="For example, the emergency duty team, or a social worker's name",
    )
    shared = forms.CharField(
        label="What was shared",
        max_length=4000,
        widget=forms.Textarea,
        help_text="Why the child is in custody, any vulnerability, and what the child needs now",
        error_messages={"required": "Enter what was shared with children's social care"},
    )

    def __init__(self, *args: Any, record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived = _arrived(record)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        moment = cleaned.get("referral_to_csc_at")
        if moment is not None and self.arrived is not None and moment < self.arrived:
            self.add_error(
                "referral_to_csc_at",
                "The time children's social care were told must be after the child arrived in "
                f"custody ({time_in_words(self.arrived)})",
            )
        return cleaned


def build(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    told = f" ({cleaned['told']})" if cleaned.get("told") else ""
    return {
        "occurred_at": cleaned["referral_to_csc_at"],
        "referral_to_csc_at": cleaned["referral_to_csc_at"],
        "summary": f"Referral to children's social care{told}. What was shared: "
        f"{cleaned['shared']}",
    }


def _not_referred(record: Record) -> bool:
    return not record.payload.get("referral_to_csc_at")


def _record_kwargs(subject: Subject) -> dict[str, Any]:
    return {"record": subject.record}


CUSTODY_REFERRAL = register(
    Workflow(
        key="custody-referral",
        title="Record a referral to children's social care",
        noun="custody referral to children's social care",
        record_type="custody",
        capability=Capability.RECORD_CUSTODY_REFERRAL,
        form=CustodyReferralForm,
        build=build,
        resolves=("CUSTODY_NO_REFERRAL",),
        applies=_not_referred,
        form_kwargs=_record_kwargs,
        hint="A child detained with a vulnerability, or held overnight, is referred to children's "
        "social care.",
    )
)
