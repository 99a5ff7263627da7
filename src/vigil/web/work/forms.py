"""Forms for the actions on alerts: every POSTed field is read through one, so odd input (a NUL
character, a number too large for the database, text beyond its limit) gets a plain error
message, never a server error."""

from __future__ import annotations

from django import forms

from vigil.web.work.queries import clean_assignee


def first_error(form: forms.Form, field: str) -> str:
    errors = form.errors.get(field) or [e for errs in form.errors.values() for e in errs]
    text = str(errors[0]) if errors else "Check what you entered"
    return text if text.endswith(".") else text + "."


def shown(form: forms.Form, field: str) -> str:
    """What was sent, to put back in the form (without characters no page should hold)."""
    return str(form.data.get(field, "")).replace("\x00", "")


NUL = "Remove the null character (\\0) from what you entered"


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
