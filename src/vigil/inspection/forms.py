"""Every form of the case-audit pages: the shapes of what is sent. The rules an assessment must
meet (a grade and a rationale to submit) are ``assessments.save``'s."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from vigil.inspection.grading import ANSWERS, AREAS, GRADE_LABELS, QUESTIONS
from vigil.ui.fields import DayField

MAX_PER_AREA = 200
MAX_SEED = 2**31 - 1
NOTE = 2000
LONG = 10000


def _text(label: str, limit: int, hint: str = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        help_text=hint,
        widget=forms.Textarea,
        error_messages={"max_length": f"{label} must be {limit} characters or fewer"},
    )


class AuditForm(forms.Form):
    name = forms.CharField(
        label="Name of the audit",
        max_length=200,
        help_text="For example, West Midlands child protection audit, spring 2026",
        error_messages={
            "required": "Enter the name of the audit",
            "max_length": "The name must be 200 characters or fewer",
        },
    )
    period_from = DayField(label="Start of the period", help_text="For example, 1 1 2026")
    period_to = DayField(label="End of the period", help_text="For example, 31 3 2026")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end <= start:
            self.add_error("period_to", "The end of the period must be after its start")
        if end and end > timezone.localdate():
            self.add_error("period_to", "The end of the period must be today or in the past")
        return data


class SampleForm(forms.Form):
    """How many cases to draw from each practice area, and the seed that makes it reproducible."""

    seed = forms.IntegerField(
        label="Seed (optional)",
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text=(
            "Leave blank for a random sample. The seed used is shown afterwards: the same seed "
            "on the same records draws the same cases."
        ),
        error_messages={
            "invalid": "The seed must be a whole number",
            "min_value": "The seed must be 0 or more",
            "max_value": f"The seed must be {MAX_SEED} or less",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in AREAS.items():
            self.fields[f"area_{code}"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=MAX_PER_AREA,
                error_messages={
                    "invalid": f"{label}: enter a whole number of cases",
                    "min_value": f"{label}: the number of cases must be 0 or more",
                    "max_value": f"{label}: the number of cases must be {MAX_PER_AREA} or fewer",
                },
            )
        # The seed last, after the areas.
        self.order_fields([f"area_{c}" for c in AREAS] + ["seed"])

    def area_fields(self) -> list[forms.BoundField]:
        return [self[f"area_{c}"] for c in AREAS]

    def counts(self) -> dict[str, int]:
        return {code: n for code in AREAS if (n := self.cleaned_data.get(f"area_{code}") or 0) > 0}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(data.get(f"area_{c}") for c in AREAS):
            raise forms.ValidationError("Enter how many cases to draw from at least one area")
        return data


class AssessmentForm(forms.Form):
    """One assessment: each question answered, with a note; an overall grade and rationale;
    and whether the case needs an immediate management review (whom, and why)."""

    grade = forms.ChoiceField(
        label="Overall grade",
        choices=list(GRADE_LABELS.items()),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a grade from the list"},
    )
    rationale = _text("Overall rationale", LONG, "Why this grade: what went well and what did not")
    review = forms.BooleanField(
        label="This case needs an immediate management review",
        required=False,
        help_text="A work item for the supervisor you choose, on their My work",
    )
    review_supervisor = forms.ChoiceField(
        label="Supervisor to hold the review", required=False, choices=[]
    )
    review_reason = _text("Why the case needs a management review", NOTE)
    action = forms.ChoiceField(
        choices=[("draft", "Save as draft"), ("submit", "Submit")],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, supervisors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supervisors = {str(s.pk): s for s in supervisors}
        chooser = self.fields["review_supervisor"]
        assert isinstance(chooser, forms.ChoiceField)
        chooser.choices = [("", "Choose a supervisor")] + [
            (str(s.pk), s.display_name) for s in supervisors
        ]
        self.fields["review_supervisor"].error_messages["invalid_choice"] = (
            "Choose a supervisor from the list"
        )
        for key, text in QUESTIONS.items():
            self.fields[f"answer_{key}"] = forms.ChoiceField(
                label=text,
                choices=list(ANSWERS.items()),
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": f"{text}: choose an answer from the list"},
            )
            self.fields[f"note_{key}"] = _text(f"Note: {text.lower()}", NOTE)

    def questions(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"answer_{k}"], self[f"note_{k}"]) for k in QUESTIONS]

    def answers(self) -> dict[str, dict[str, str]]:
        return {
            k: {
                "answer": self.cleaned_data.get(f"answer_{k}") or "",
                "note": self.cleaned_data.get(f"note_{k}") or "",
            }
            for k in QUESTIONS
        }

    def supervisor(self) -> Any:
        return self.supervisors.get(self.cleaned_data.get("review_supervisor") or "")


class ReviewCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome of the review",
        choices=[],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the outcome of the review",
            "invalid_choice": "Choose the outcome of the review from the list",
        },
    )
    note = _text("Note", LONG, "What the review found and what happens next", required=True)

    def __init__(self, *args: Any, outcomes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = outcomes
        self.fields["note"].error_messages["required"] = "Write a note of what the review found"


class _InspectorField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class InviteForm(forms.Form):
    """Invite an inspector to an audit: one of the active inspector accounts not yet invited."""

    inspector = _InspectorField(
        label="Inspector to invite",
        queryset=None,
        empty_label="Choose an inspector",
        error_messages={
            "required": "Choose the inspector to invite",
            "invalid_choice": "Choose an inspector from the list",
        },
    )

    def __init__(self, *args: Any, inspectors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inspector"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = inspectors
