"""Intelligence follow-up: when intelligence about a child was acted on, and what was done
(an amendment giving ``follow_up_at``; INTELLIGENCE_NOT_ACTIONED)."""

from __future__ import annotations

from typing import Any

from django import forms

from vigil.access.permissions import Capability
from vigil.casework.forms import CaseworkForm
from vigil.casework.registry import Subject, Workflow, register
from vigil.records.models import Record
from vigil.ui.fields import WhenField


class FollowUpForm(CaseworkForm):
    follow_up_at = WhenField(
        label="When the intelligence was followed up",
        help_text="For example, 27 3 2026 and 14:30",
    )
    action = forms.CharField(
        label="What was done",
        max_length=2000,
        widget=forms.Textarea,
        help_text="For example, developed with a research request, shared with the exploitation team, a disruption visit",
        error_messages={"required": "Enter what was done with the intelligence"},
    )


def build(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    return {
        "occurred_at": cleaned["follow_up_at"],
        "follow_up_at": cleaned["follow_up_at"],
        "summary": f"Intelligence followed up: {cleaned['action']}",
    }


def _not_followed_up(record: Record) -> bool:
    return not record.payload.get("follow_up_at")


FOLLOW_UP = register(
    Workflow(
        key="intelligence-follow-up",
        title="Record the follow-up of intelligence",
        noun="intelligence follow-up",
        record_type="intelligence",
        capability=Capability.RECORD_INTELLIGENCE_FOLLOW_UP,
        form=FollowUpForm,
        build=build,
        resolves=("INTELLIGENCE_NOT_ACTIONED",),
        applies=_not_followed_up,
        hint="Intelligence about a child at risk of exploitation must be acted on within 14 days.",
    )
)
