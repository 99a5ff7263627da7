"""Missing episode completion: the safe and well check and the return home interview, recorded
as amendments of the ``missing`` record (RECORDS.md 'Records written in Vigil'; DOMAIN.md
'Missing children'). They end SAFE_AND_WELL_NOT_RECORDED and RETURN_INTERVIEW_OVERDUE."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from vigil.access.permissions import Capability
from vigil.casework.flows.held import effective
from vigil.casework.forms import CaseworkForm
from vigil.casework.registry import Subject, Workflow, register
from vigil.records.models import Record
from vigil.ui.fields import LONDON, WhenField, when_text

# The contract's exploitation indicators (RECORDS.md `missing`), as staff name them.
INDICATORS = [
    ("older_associates", "Older associates"),
    ("unexplained_gifts", "Unexplained gifts, money or phones"),
    ("seen_in_vehicle", "Seen getting into or out of vehicles"),
    ("found_with_adult", "Found with an adult"),
    ("drugs", "Drugs or alcohol"),
    ("hotel", "Stayed in a hotel or short-let flat"),
    ("out_of_area", "Found out of the area"),
]
AGENCIES = [
    ("police", "Police"),
    ("independent", "An independent return home interview provider"),
]
COMPLETED, DECLINED, ARRANGED = "completed", "declined", "arranged"
OUTCOMES = [
    (COMPLETED, "The interview took place"),
    (DECLINED, "The child declined the interview"),
    (ARRANGED, "Offered, not held yet"),
]
YES_NO = [("yes", "Yes"), ("no", "No")]


def at_words(moment: dt.datetime) -> str:
    """'14:05 on 3 March' (errors name the moment a time must follow)."""
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {local.day} {local:%B}"


def _found_at(record: Record | None) -> dt.datetime | None:
    if record is None:
        return None
    found = getattr(effective(record), "found_at", None)
    return found if isinstance(found, dt.datetime) else None


def _record_kwargs(subject: Subject) -> dict[str, Any]:
    return {"record": subject.record}


class _EpisodeForm(CaseworkForm):
    """A form about one missing episode: times are checked against when the child was found."""

    def __init__(self, *args: Any, record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.found_at = _found_at(record)

    def after_found(self, name: str, what: str) -> None:
        moment = self.cleaned_data.get(name)
        if self.found_at is not None and moment is not None and moment < self.found_at:
            self.add_error(
                name, f"{what} must be after the child was found at {at_words(self.found_at)}"
            )


# ---- the safe and well check -----------------------------------------------------------


class SafeAndWellForm(_EpisodeForm):
    safe_and_well_at = WhenField(
        label="When the safe and well check was done",
        help_text="For example, 27 3 2026 and 14:30",
    )
    officer = forms.CharField(
        label="Officer's name and collar number",
        max_length=200,
        help_text="The officer who saw the child, for example PC Sam Jones 4127",
        error_messages={"required": "Enter the officer's name and collar number"},
    )
    place = forms.CharField(
        label="Where the check was done",
        max_length=300,
        help_text="For example, at home, at the care home, at the police station",
        error_messages={"required": "Enter where the check was done"},
    )
    account = forms.CharField(
        label="What the child said and how they presented",
        max_length=4000,
        widget=forms.Textarea,
        help_text="In the child's own words where you can: where they were, who with, any injury or harm",
        error_messages={"required": "Enter what the child said and how they presented"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("officer") and self.user is not None:
            self.initial["officer"] = officer_name(self.user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.after_found("safe_and_well_at", "The check")
        return cleaned


def officer_name(user: Any) -> str:
    """The signed-in officer, as a collar number is written: 'PC Ryan Cole 4127'."""
    parts = (getattr(user, "rank", ""), user.display_name, getattr(user, "staff_number", ""))
    return " ".join(part for part in parts if part)


def build_safe_and_well(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    at = cleaned["safe_and_well_at"]
    return {
        "occurred_at": at,
        "safe_and_well_at": at,
        "summary": (
            f"Safe and well check on {when_text(at)} by {cleaned['officer']}. "
            f"Where: {cleaned['place']}. {cleaned['account']}"
        ),
    }


def _needs_safe_and_well(record: Record) -> bool:
    held = effective(record)
    return bool(getattr(held, "found_at", None)) and not getattr(held, "safe_and_well_at", None)


SAFE_AND_WELL = register(
    Workflow(
        key="safe-and-well-check",
        title="Record a safe and well check",
        noun="safe and well check",
        record_type="missing",
        capability=Capability.RECORD_MISSING_EPISODE,
        form=SafeAndWellForm,
        build=build_safe_and_well,
        resolves=("SAFE_AND_WELL_NOT_RECORDED",),
        applies=_needs_safe_and_well,
        form_kwargs=_record_kwargs,
        hint=(
            "When a missing child is found, police see them to check they are safe and well, "
            "within 24 hours."
        ),
    )
)


# ---- the return home interview -----------------------------------------------------------


class ReturnInterviewForm(_EpisodeForm):
    return_interview_offered_at = WhenField(
        label="When the return home interview was offered",
        help_text="For example, 27 3 2026 and 14:30",
    )
    outcome = forms.ChoiceField(
        label="What happened",
        choices=OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    return_interview_completed_at = WhenField(
        label="When the interview took place",
        required=False,
        help_text="Only if it took place. For example, 28 3 2026 and 16:00",
    )
    interviewer = forms.CharField(
        label="Who offered or held the interview",
        max_length=200,
        help_text="Their name, for example Jo Banks",
        error_messages={"required": "Enter who offered or held the interview"},
    )
    agency = forms.ChoiceField(
        label="Their organisation",
        choices=AGENCIES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select their organisation"},
    )
    childs_words = forms.CharField(
        label="What the child said, in their own words",
        required=False,
        max_length=4000,
        widget=forms.Textarea,
        help_text="The voice of the child: why they went, where, who with, what would help",
    )
    indicators = forms.MultipleChoiceField(
        label="Signs of exploitation the child disclosed",
        required=False,
        choices=INDICATORS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    trigger_plan = forms.ChoiceField(
        label="Is there a trigger plan for this child?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="The places, people and times that put the child at risk, shared with those who look for them",
        error_messages={"required": "Select yes if there is a trigger plan for this child"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        offered = cleaned.get("return_interview_offered_at")
        completed = cleaned.get("return_interview_completed_at")
        if outcome == COMPLETED:
            if completed is None and "return_interview_completed_at" not in self.errors:
                self.add_error(
                    "return_interview_completed_at", "Enter when the interview took place"
                )
            if not cleaned.get("childs_words", "").strip():
                self.add_error("childs_words", "Enter what the child said, in their own words")
        elif outcome in (DECLINED, ARRANGED) and completed is not None:
            self.add_error(
                "return_interview_completed_at",
                "Leave when the interview took place empty, or select that it took place",
            )
        if offered is not None and completed is not None and completed < offered:
            self.add_error(
                "return_interview_completed_at",
                f"The interview must be on or after it was offered at {at_words(offered)}",
            )
        self.after_found("return_interview_offered_at", "The offer")
        self.after_found("return_interview_completed_at", "The interview")
        return cleaned


def build_return_interview(cleaned: dict[str, Any], subject: Subject) -> dict[str, Any]:
    offered = cleaned["return_interview_offered_at"]
    outcome = cleaned["outcome"]
    completed = cleaned["return_interview_completed_at"] if outcome == COMPLETED else None
    by = f"{cleaned['interviewer']} ({dict(AGENCIES)[cleaned['agency']].lower()})"
    if completed is not None:
        said = f"Return home interview by {by}, offered {when_text(offered)}, held {when_text(completed)}."
    elif outcome == DECLINED:
        said = f"Return home interview offered {when_text(offered)} by {by}: the child declined it."
    else:
        said = f"Return home interview offered {when_text(offered)} by {by}, not held yet."
    words = cleaned.get("childs_words", "").strip()
    if words:
        said += f" In the child's words: {words}"
    indicators = list(cleaned.get("indicators") or [])
    if indicators:
        names = dict(INDICATORS)
        said += " Signs of exploitation disclosed: " + ", ".join(
            names[i].lower() for i in indicators
        )
        said += "."
    said += f" Trigger plan: {cleaned['trigger_plan']}."
    fields: dict[str, Any] = {
        "occurred_at": completed or offered,
        "return_interview_offered_at": offered,
        "trigger_plan": cleaned["trigger_plan"] == "yes",
        "summary": said,
    }
    if completed is not None:
        fields["return_interview_completed_at"] = completed
    if indicators:
        fields["exploitation_indicators"] = indicators
    return fields


def _interview_initial(subject: Subject) -> dict[str, Any]:
    """What the episode already holds of the interview (the source's values stand)."""
    if subject.record is None:
        return {}
    held = effective(subject.record)
    initial: dict[str, Any] = {}
    offered = getattr(held, "return_interview_offered_at", None)
    if offered is not None:
        initial["return_interview_offered_at"] = offered
    plan = getattr(held, "trigger_plan", None)
    if plan is not None:
        initial["trigger_plan"] = "yes" if plan else "no"
    return initial


def _interview_held(code: str, subject: Subject, record: dict[str, Any]) -> bool:
    """Late only when the entry says the interview took place: an offer alone, or one the child
    declined, does not do the duty, so the alert stays open rather than late."""
    return bool(record.get("return_interview_completed_at"))


def _needs_return_interview(record: Record) -> bool:
    held = effective(record)
    return bool(getattr(held, "found_at", None)) and not getattr(
        held, "return_interview_completed_at", None
    )


RETURN_INTERVIEW = register(
    Workflow(
        key="return-interview",
        title="Record a return home interview",
        noun="return home interview",
        record_type="missing",
        capability=Capability.RECORD_MISSING_EPISODE,
        form=ReturnInterviewForm,
        build=build_return_interview,
        resolves=("RETURN_INTERVIEW_OVERDUE",),
        applies=_needs_return_interview,
        initial=_interview_initial,
        late=_interview_held,
        form_kwargs=_record_kwargs,
        hint=(
            "Every child who comes back from being missing is offered an independent return "
            "home interview within 72 hours of being found."
        ),
    )
)
