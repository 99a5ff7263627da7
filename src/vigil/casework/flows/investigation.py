"""Investigation oversight: amendments of an open ``investigation`` appending a supervisory
review (SUPERVISION_OVERDUE), an activity (INVESTIGATION_DRIFT) or an allocation
(ALLOCATION_PROBLEM). Each entry's time falls after the investigation opened and not in the
future. On an investigation written in Vigil the entry is appended to its next version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from vigil.access.permissions import Capability
from vigil.access.roles import Role
from vigil.accounts.models import User
from vigil.alerts.engine import current_policy
from vigil.casework.flows.held import effective, is_amendment
from vigil.casework.forms import CaseworkForm
from vigil.casework.registry import Subject, Workflow, register
from vigil.records.contract import Investigation
from vigil.records.models import Record
from vigil.ui.fields import WhenField, when_text

ACTIVITY_TYPES = [
    ("victim_contact", "Contact with the victim"),
    ("suspect_interview", "Suspect interviewed"),
    ("witness_statement", "Witness statement taken"),
    ("evidence_gathered", "Evidence gathered"),
    ("partner_contact", "Contact with a partner agency"),
    ("other", "Something else"),
]
YES_NO = [("yes", "Yes"), ("no", "No")]


def held_investigation(record: Record) -> Investigation:
    held = effective(record)
    assert isinstance(held, Investigation)
    return held


def opened(held: Investigation) -> dt.datetime:
    """When the investigation opened, as the rules count it (opened_at, else occurred_at)."""
    return held.opened_at or held.occurred_at


def is_open(record: Record) -> bool:
    """An investigation's own record (not an amendment) with no closed_at by now."""
    if record.record_type != "investigation" or is_amendment(record):
        return False
    closed = held_investigation(record).closed_at
    return closed is None or closed > dt.datetime.now(dt.UTC)


class InvestigationForm(CaseworkForm):
    """A form about one investigation: ``moment`` (the entry's time) must fall after it opened."""

    moment = "at"

    def __init__(self, *args: Any, record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = held_investigation(record) if record is not None else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        at = cleaned.get(self.moment)
        if self.held is not None and at is not None and at < opened(self.held):
            label = str(self.fields[self.moment].label)
            self.add_error(
                self.moment,
                f"{label} must be after the investigation was opened on "
                f"{when_text(opened(self.held))}",
            )
        return cleaned


def _record_kwargs(subject: Subject) -> dict[str, Any]:
    return {"record": subject.record}


# ---- supervisory review ------------------------------------------------------------------


class ReviewForm(InvestigationForm):
    at = WhenField(
        label="When you reviewed the investigation", help_text="For example, 27 3 2026 and 14:30"
    )
    direction = forms.CharField(
        label="Direction given",
        max_length=4000,
        widget=forms.Textarea,
        help_text="What the officer in the case is to do next, and by when",
        error_messages={"required": "Enter the direction you gave"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The reviewer is whoever records the review (the pages give the form its writer).
        cleaned["by"] = getattr(self.user, "display_name", "") or ""
        return cleaned


def build_review(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    return {
        "occurred_at": cleaned["at"],
        "supervisory_reviews": [{"at": cleaned["at"], "by": cleaned["by"]}],
        "summary": cleaned["direction"],
    }


SUPERVISORY_REVIEW = register(
    Workflow(
        key="supervisory-review",
        title="Record a supervisory review",
        noun="supervisory review",
        record_type="investigation",
        capability=Capability.RECORD_SUPERVISORY_REVIEW,
        form=ReviewForm,
        build=build_review,
        resolves=("SUPERVISION_OVERDUE",),
        applies=is_open,
        form_kwargs=_record_kwargs,
        hint="Record your review of this investigation and the direction you gave the officer "
        "in the case. It is added to the investigation, and shows in the child's chronology.",
    )
)


# ---- activity ----------------------------------------------------------------------------


class ActivityForm(InvestigationForm):
    at = WhenField(label="When it was done", help_text="For example, 27 3 2026 and 14:30")
    type = forms.ChoiceField(
        label="What was done",
        choices=ACTIVITY_TYPES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what was done"},
    )
    note = forms.CharField(
        label="Details",
        max_length=4000,
        widget=forms.Textarea,
        help_text="For example, who was spoken to, what was found, and what happens next",
        error_messages={"required": "Enter the details of what was done"},
    )


def build_activity(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    label = dict(ACTIVITY_TYPES)[cleaned["type"]]
    return {
        "occurred_at": cleaned["at"],
        "activity": [{"at": cleaned["at"], "type": cleaned["type"], "note": cleaned["note"]}],
        "summary": f"{label}: {cleaned['note']}",
    }


INVESTIGATION_ACTIVITY = register(
    Workflow(
        key="investigation-activity",
        title="Record investigation activity",
        noun="investigation activity",
        record_type="investigation",
        capability=Capability.RECORD_INVESTIGATION_ACTIVITY,
        form=ActivityForm,
        build=build_activity,
        resolves=("INVESTIGATION_DRIFT",),
        applies=is_open,
        form_kwargs=_record_kwargs,
        hint="Record what was done on this investigation. It is added to the investigation, "
        "and shows in the child's chronology.",
    )
)


# ---- allocation --------------------------------------------------------------------------


def _investigators() -> list[User]:
    return list(
        User.objects.filter(role=Role.INVESTIGATOR, is_active=True)
        .select_related("team")
        .order_by("full_name", "username")
    )


def _officer_label(user: User) -> str:
    parts = [user.display_name]
    if user.rank:
        parts[0] = f"{user.rank} {user.display_name}"
    if user.team is not None:
        parts.append(user.team.name)
    return ", ".join(parts)


class AllocationForm(InvestigationForm):
    at = WhenField(
        label="When the investigation was allocated", help_text="For example, 27 3 2026 and 14:30"
    )
    officer = forms.ChoiceField(
        label="Officer in the case",
        error_messages={
            "required": "Choose the officer the investigation is allocated to",
            "invalid_choice": "Choose an investigator from the list",
        },
    )
    specialist = forms.ChoiceField(
        label="Is the officer a specialist child abuse investigator?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="Trained to investigate the sexual abuse of children",
        error_messages={"required": "Select yes if the officer is a specialist investigator"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accounts = {u.username: u for u in _investigators()}
        officer = self.fields["officer"]
        assert isinstance(officer, forms.ChoiceField)
        officer.choices = [("", "Choose an investigator")] + [
            (name, _officer_label(user)) for name, user in self.accounts.items()
        ]
        if self.held is not None:
            held = [a for a in self.held.allocations if a.at <= dt.datetime.now(dt.UTC)]
            most = current_policy().int("ALLOCATION_PROBLEM", "max_allocations")
            times = f"{len(held)} {'time' if len(held) == 1 else 'times'}"
            if len(held) >= most:
                officer.help_text = (
                    f"This investigation has been allocated {times} already. An alert is "
                    f"raised at {most} allocations: another allocation adds to it and cannot "
                    "end it."
                )
            elif len(held) + 1 == most:
                officer.help_text = (
                    f"This investigation has been allocated {times} already: another "
                    f"allocation raises an alert ({most} allocations or more)."
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        account = self.accounts.get(cleaned.get("officer") or "")
        if account is not None:
            cleaned["account"] = account
        return cleaned


def build_allocation(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    account: User = cleaned["account"]
    specialist = cleaned["specialist"] == "yes"
    team = account.team.name if account.team is not None else None
    return {
        "occurred_at": cleaned["at"],
        "allocations": [
            {
                "at": cleaned["at"],
                "officer_id": account.staff_number or account.username,
                "team": team,
                "specialist": specialist,
            }
        ],
        "summary": (
            f"Allocated to {_officer_label(account)}"
            + (", a specialist child abuse investigator" if specialist else "")
        ),
    }


def allocation_late(code: str, subject: Subject, record: dict[str, Any]) -> bool:
    """The allocation is the duty done late when it is the investigation's first allocation and
    was made after the deadline (ALLOCATION_PROBLEM's 24 hours): the alert stays, saying how
    late. An allocation that adds to too many, or is not to a specialist, is no late duty: the
    alert just stays."""
    if code != "ALLOCATION_PROBLEM" or subject.record is None:
        return False
    entries = [dt.datetime.fromisoformat(a["at"]) for a in record.get("allocations", [])]
    if not entries:
        return False
    first = min(entries)
    held = held_investigation(subject.record)
    if any(a.at < first for a in held.allocations):
        return False
    hours = current_policy().int("ALLOCATION_PROBLEM", "allocate_within_hours")
    return first > opened(held) + dt.timedelta(hours=hours)


ALLOCATION = register(
    Workflow(
        key="allocation",
        title="Record an allocation",
        noun="allocation",
        record_type="investigation",
        capability=Capability.RECORD_SUPERVISORY_REVIEW,
        form=AllocationForm,
        build=build_allocation,
        resolves=("ALLOCATION_PROBLEM",),
        applies=is_open,
        form_kwargs=_record_kwargs,
        late=allocation_late,
        hint="Record who this investigation is allocated to. An investigation must be allocated "
        "within a day of opening, and a sexual-abuse investigation to a specialist investigator.",
    )
)
