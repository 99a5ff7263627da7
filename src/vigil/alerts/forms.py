"""Forms for the actions people take on alerts."""

from __future__ import annotations

from django import forms

from vigil.alerts.queries import clean_assignee
from vigil.ui.forms import NUL


class AcknowledgeForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, error_messages={
        "max_length": "A note is at most 2,000 characters", "null_characters_not_allowed": NUL})


class CloseForm(forms.Form):
    rationale = forms.CharField(max_length=10000, error_messages={
        "required": "Enter why you are closing this alert",
        "max_length": "The reason is at most 10,000 characters", "null_characters_not_allowed": NUL})


class AssignForm(forms.Form):
    assignee = forms.CharField(required=False, max_length=20,
                               error_messages={"max_length": "Choose a person from the list"})

    def clean_assignee(self) -> str:
        value = clean_assignee(self.cleaned_data["assignee"])
        if value == "none":
            raise forms.ValidationError("Choose a person from the list")
        return value
