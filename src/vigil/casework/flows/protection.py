"""Police protection (Children Act 1989 s46): who was told and when, and how it ended with the
protective plan, recorded as amendments of the ``police_protection`` record (RECORDS.md 'Records
written in Vigil'; DOMAIN.md). They end POLICE_PROTECTION_UNRESOLVED; the local authority told
more than 2 hours after it started stays a finding, marked late, for a supervisor."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from vigil.access.permissions import Capability
from vigil.casework.flows.held import effective
from vigil.casework.flows.missing import at_words
from vigil.casework.forms import CaseworkForm
from vigil.casework.registry import Subject, Workflow, register
from vigil.records.models import Record
from vigil.ui.fields import WhenField, when_text

END_REASONS = [
    ("returned_home", "The child went home to a parent or carer"),
    ("la_accommodation", "The local authority accommodated the child"),
    ("epo_obtained", "An emergency protection order was made"),
    ("other", "Another reason (say which in the plan)"),
]
# Who is told, in the order the form asks: (field, who, label).
TOLD = [
    ("local_authority_informed_at", "the local authority", "When the local authority was told"),
    ("parents_informed_at", "the parents or carers", "When the parents or carers were told"),
    ("child_informed_at", "the child", "When the child was told"),
]
_WAS = {"the parents or carers": "were"}


def _started_at(record: Record | None) -> dt.datetime | None:
    if record is None:
        return None
    held = effective(record)
    started = getattr(held, "started_at", None) or held.occurred_at
    return started if isinstance(started, dt.datetime) else None


def _record_kwargs(subject: Subject) -> dict[str, Any]:
    return {"record": subject.record}


class _ProtectionForm(CaseworkForm):
    def __init__(self, *args: Any, record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started_at = _started_at(record)

    def after_start(self, name: str, what: str) -> None:
        moment = self.cleaned_data.get(name)
        if self.started_at is not None and moment is not None and moment < self.started_at:
            self.add_error(
                name,
                f"{what} must be after police protection started at {at_words(self.started_at)}",
            )


# ---- informing -------------------------------------------------------------------------


class InformingForm(_ProtectionForm):
    designated_officer = forms.CharField(
        label="Designated officer",
        required=False,
        max_length=200,
        help_text="The inspector who inquires into the case, for example Insp Jane Reid 1190",
    )
    local_authority_informed_at = WhenField(
        label=TOLD[0][2],
        required=False,
        help_text="Within 2 hours of police protection starting. For example, 27 3 2026 and 14:30",
    )
    parents_informed_at = WhenField(label=TOLD[1][2], required=False)
    child_informed_at = WhenField(label=TOLD[2][2], required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        names = [name for name, _, _ in TOLD]
        if not any(cleaned.get(n) for n in names) and not any(n in self.errors for n in names):
            self.add_error(
                "local_authority_informed_at",
                "Enter when the local authority, the parents or carers, or the child were told",
            )
        for name, who, _ in TOLD:
            self.after_start(name, f"The time {who} {_WAS.get(who, 'was')} told")
        return cleaned


def build_informing(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    told = [(name, who, cleaned[name]) for name, who, _ in TOLD if cleaned.get(name)]
    fields: dict[str, Any] = {name: at for name, _, at in told}
    parts = [f"{who.capitalize()} told {when_text(at)}" for _, who, at in told]
    officer = cleaned.get("designated_officer", "").strip()
    if officer:
        fields["designated_officer"] = officer
        parts.append(f"Designated officer {officer}")
    fields["occurred_at"] = max(at for _, _, at in told)
    fields["summary"] = "Police protection: " + "; ".join(parts) + "."
    return fields


def _local_authority_told(code: str, subject: Subject, record: dict[str, Any]) -> bool:
    """Late only when the entry tells when the local authority was told (the duty with a
    deadline): the parents, the child or a designated officer alone leave the alert as it was."""
    return bool(record.get("local_authority_informed_at"))


def _informing_initial(subject: Subject) -> dict[str, Any]:
    """What the record already holds: who was told and when (the source's values stand)."""
    if subject.record is None:
        return {}
    held = effective(subject.record)
    return {
        name: value
        for name in ("designated_officer", *(name for name, _, _ in TOLD))
        if (value := getattr(held, name, None))
    }


def _needs_informing(record: Record) -> bool:
    held = effective(record)
    return any(
        not getattr(held, name, None)
        for name in ("designated_officer", *(name for name, _, _ in TOLD))
    )


INFORMING = register(
    Workflow(
        key="police-protection-informing",
        title="Record who was told about police protection",
        noun="police protection notifications",
        record_type="police_protection",
        capability=Capability.RECORD_POLICE_PROTECTION,
        form=InformingForm,
        build=build_informing,
        resolves=("POLICE_PROTECTION_UNRESOLVED",),
        applies=_needs_informing,
        initial=_informing_initial,
        late=_local_authority_told,
        form_kwargs=_record_kwargs,
        hint=(
            "As soon as practicable: tell the local authority (within 2 hours), the parents or "
            "carers and the child, and name a designated officer to inquire into the case. "
            "Enter what has been done; you can record the rest later."
        ),
    )
)


# ---- ending ----------------------------------------------------------------------------


class EndingForm(_ProtectionForm):
    ended_at = WhenField(
        label="When police protection ended",
        help_text="At most 72 hours after it started. For example, 27 3 2026 and 14:30",
    )
    end_reason = forms.ChoiceField(
        label="Why it ended",
        choices=END_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why police protection ended"},
    )
    protective_plan = forms.CharField(
        label="The protective plan",
        max_length=6000,
        widget=forms.Textarea,
        help_text="What keeps the child safe now: who does what, by when, and when it is reviewed",
        error_messages={"required": "Enter the protective plan"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.after_start("ended_at", "The end")
        return cleaned


def build_ending(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    ended = cleaned["ended_at"]
    reason = dict(END_REASONS)[cleaned["end_reason"]]
    return {
        "occurred_at": ended,
        "ended_at": ended,
        "end_reason": cleaned["end_reason"],
        "protective_plan": cleaned["protective_plan"],
        "summary": (
            f"Police protection ended {when_text(ended)}: {reason[:1].lower()}{reason[1:]}. "
            f"Protective plan: {cleaned['protective_plan']}"
        ),
    }


def _ending_initial(subject: Subject) -> dict[str, Any]:
    """What the record already holds of the end (the source's values win over any other)."""
    if subject.record is None:
        return {}
    held = effective(subject.record)
    return {
        name: value
        for name in ("ended_at", "end_reason")
        if (value := getattr(held, name, None)) is not None
    }


def _needs_ending(record: Record) -> bool:
    held = effective(record)
    return any(
        not getattr(held, name, None) for name in ("ended_at", "end_reason", "protective_plan")
    )


ENDING = register(
    Workflow(
        key="police-protection-end",
        title="Record the end of police protection",
        noun="end of police protection",
        record_type="police_protection",
        capability=Capability.RECORD_POLICE_PROTECTION,
        form=EndingForm,
        build=build_ending,
        resolves=("POLICE_PROTECTION_UNRESOLVED",),
        applies=_needs_ending,
        initial=_ending_initial,
        form_kwargs=_record_kwargs,
        hint=(
            "Police protection lasts at most 72 hours. Record when and why it ended, and the "
            "plan that keeps the child safe."
        ),
    )
)
