"""Forms for the actions people take on alerts."""

from __future__ import annotations

from typing import Any

from django import forms

from vigil.alerts.queries import MAX_KEY
from vigil.ui.forms import NUL
from vigil.work.registry import Outcome

NOTE_ERRORS = {
    "max_length": "A note is at most 2,000 characters",
    "null_characters_not_allowed": NUL,
}


class AcknowledgeForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, error_messages=NOTE_ERRORS)


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=2000,
        error_messages={
            **NOTE_ERRORS,
            "required": "Write the note",
            "max_length": "A note is at most 2,000 characters",
        },
    )


class CloseForm(forms.Form):
    """The outcome is one of the alert's code's list (``vigil.alerts.work.outcomes``)."""

    outcome = forms.ChoiceField(
        choices=(),
        error_messages={
            "required": "Choose the outcome",
            "invalid_choice": "Choose the outcome from the list",
        },
    )
    rationale = forms.CharField(
        max_length=10000,
        error_messages={
            "required": "Enter why you are closing this alert",
            "max_length": "The reason is at most 10,000 characters",
            "null_characters_not_allowed": NUL,
        },
    )

    def __init__(self, *args: Any, outcomes: tuple[Outcome, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(o.key, o.label) for o in outcomes]  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    """Who gets it: ``user:<id>``, ``team:<id>``, or ``nobody``; and a note (needed to hand on)."""

    assignee = forms.CharField(
        max_length=30,
        error_messages={
            "required": "Choose a person or a team",
            "max_length": "Choose a person or a team from the list",
        },
    )
    note = forms.CharField(required=False, max_length=2000, error_messages=NOTE_ERRORS)

    def clean_assignee(self) -> tuple[str, int | None]:
        value = self.cleaned_data["assignee"]
        if value == "nobody":
            return ("nobody", None)
        kind, _, number = value.partition(":")
        if kind not in ("user", "team") or not (
            number.isascii() and number.isdigit() and 0 < int(number) <= MAX_KEY
        ):
            raise forms.ValidationError("Choose a person or a team from the list")
        return (kind, int(number))
