"""The front door (MASH): a referral's decision, with the rationale (REFERRAL_NO_DECISION), and
the feedback given to the referrer. Both are amendments of the referral (RECORDS.md 'Records
written in Vigil'): ``decision_at`` and ``decision``, or ``feedback_at``, with what was said in
the amendment's ``summary`` (it shows in the child's chronology).

A section 47 decision is what NO_STRATEGY_DISCUSSION runs from: recording one can raise that
alert later; it is not ended here.

Partners (children's social care) record decisions on referrals about a person they gave a
purpose for, as the record page lets them see it, and see no background checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest

from vigil.access.disclosure import viewer_for
from vigil.access.permissions import Capability
from vigil.casework.checks import background_panel
from vigil.casework.forms import CaseworkForm
from vigil.casework.front_door import AGENCIES
from vigil.casework.registry import Subject, Workflow, register
from vigil.records.models import PersonMention, Record
from vigil.rules.clock import time_in_words
from vigil.ui.fields import WhenField

# The session key under which a partner's purposes are held, by person id: the people pages'
# ``PURPOSES_KEY`` (vigil.people sits above casework, so it is named here; a test keeps the two
# the same).
PURPOSES_KEY = "vigil_disclosure_purposes"

DECISIONS = (
    ("no_further_action", "No further action"),
    ("early_help", "Early help"),
    ("section_17", "Child in need assessment (section 17)"),
    ("section_47", "Child protection enquiry (section 47)"),
    ("already_open", "Already open to children's social care"),
)
DECISION_LABELS = dict(DECISIONS)
FEEDBACK_MEANS = (
    ("phone", "By phone"),
    ("email", "By email"),
    ("in_person", "In person"),
    ("letter", "By letter"),
    ("other", "Another way"),
)
FEEDBACK_MEANS_LABELS = dict(FEEDBACK_MEANS)


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def arrived(record: Record | None) -> dt.datetime | None:
    """When the referral arrived, as its source says: received, else sent, else its date."""
    if record is None:
        return None
    payload = record.payload
    return (
        _instant(payload.get("received_at"))
        or _instant(payload.get("sent_at"))
        or record.occurred_at
    )


class _AfterArrival(CaseworkForm):
    """A form whose moment cannot be before the referral arrived."""

    moment_field = ""
    moment_words = ""

    def __init__(self, *args: Any, record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived = arrived(record)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        moment = cleaned.get(self.moment_field)
        if moment is not None and self.arrived is not None and moment < self.arrived:
            self.add_error(
                self.moment_field,
                f"{self.moment_words} must be after the referral arrived "
                f"({time_in_words(self.arrived)})",
            )
        return cleaned


class DecisionForm(_AfterArrival):
    moment_field = "decision_at"
    moment_words = "The time of the decision"

    decision = forms.ChoiceField(
        label="What was decided",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the decision"},
    )
    decision_at = WhenField(
        label="When the decision was made",
        help_text="For example, 27 3 2026 and 14:30",
    )
    rationale = forms.CharField(
        label="Why this decision",
        max_length=4000,
        widget=forms.Textarea,
        help_text="What the checks found, the risks and strengths weighed, and who was consulted",
        error_messages={"required": "Enter why this decision was made"},
    )


def build_decision(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    label = DECISION_LABELS[cleaned["decision"]]
    return {
        "occurred_at": cleaned["decision_at"],
        "decision_at": cleaned["decision_at"],
        "decision": cleaned["decision"],
        "summary": f"Referral decision: {label}. Why: {cleaned['rationale']}",
    }


class FeedbackForm(_AfterArrival):
    moment_field = "feedback_at"
    moment_words = "The time of the feedback"

    feedback_at = WhenField(
        label="When feedback was given to the referrer",
        help_text="For example, 27 3 2026 and 14:30",
    )
    given_to = forms.CharField(
        label="Who was given the feedback",
        max_length=200,
        help_text="Their name, role and team, for example PC Sam Jones, Response North",
        error_messages={"required": "Enter who was given the feedback"},
    )
    means = forms.ChoiceField(
        label="How the feedback was given",
        choices=FEEDBACK_MEANS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the feedback was given"},
    )
    said = forms.CharField(
        label="What they were told (optional)",
        max_length=4000,
        required=False,
        widget=forms.Textarea,
    )


def build_feedback(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    means = FEEDBACK_MEANS_LABELS[cleaned["means"]].lower()
    summary = f"Feedback to the referrer given to {cleaned['given_to']}, {means}."
    if cleaned.get("said"):
        summary += f" What they were told: {cleaned['said']}"
    return {
        "occurred_at": cleaned["feedback_at"],
        "feedback_at": cleaned["feedback_at"],
        "summary": summary,
    }


def _to_front_door(record: Record) -> bool:
    return record.payload.get("to_agency") in AGENCIES


def _undecided(record: Record) -> bool:
    """A referral to children's social care or the MASH whose source holds no decision (one
    recorded in Vigil is changed from its own entry, so the form stays open to it)."""
    return _to_front_door(record) and not record.payload.get("decision_at")


def _no_feedback(record: Record) -> bool:
    return not record.payload.get("feedback_at")


def partner_may_use(request: HttpRequest, subject: Subject) -> bool:
    """Police roles: yes. A partner: only on a referral naming a person it gave a purpose for,
    in a role its agreement lets it see (as the record page gates it)."""
    viewer = viewer_for(request.user)
    if viewer.agreement is None:
        return True
    record = subject.record
    if record is None:
        return False
    purposes = request.session.get(PURPOSES_KEY) or {}
    for role, person_id in PersonMention.objects.filter(record=record).values_list(
        "role", "link__person__person_id"
    ):
        if (
            person_id
            and purposes.get(person_id)
            and viewer.visibility(record.record_type, role) == "minimised"
        ):
            return True
    return False


def _record_kwargs(subject: Subject) -> dict[str, Any]:
    return {"record": subject.record}


DECISION = register(
    Workflow(
        key="referral-decision",
        title="Record a referral decision",
        noun="referral decision",
        record_type="referral",
        capability=Capability.DECIDE_REFERRALS,
        form=DecisionForm,
        build=build_decision,
        resolves=("REFERRAL_NO_DECISION",),
        applies=_undecided,
        form_kwargs=_record_kwargs,
        allowed=partner_may_use,
        panel=background_panel,
        hint="A referral to children's social care or the MASH needs a decision by the end of "
        "the first working day after it arrived.",
    )
)

FEEDBACK = register(
    Workflow(
        key="referral-feedback",
        title="Record feedback to the referrer",
        noun="feedback to the referrer",
        record_type="referral",
        capability=Capability.DECIDE_REFERRALS,
        form=FeedbackForm,
        build=build_feedback,
        applies=_no_feedback,
        form_kwargs=_record_kwargs,
        allowed=partner_may_use,
        hint="Tell the person who made the referral what was decided and what happens next.",
    )
)
