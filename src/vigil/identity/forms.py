"""Forms for the identity review pages: every POSTed field is read through one, so odd input (a
NUL character, text beyond its limit) gets a plain error message, never a server error."""

from __future__ import annotations

from django import forms

from vigil.identity.models import LinkDecision
from vigil.ui.forms import NUL


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=LinkDecision.Decision.choices,
        error_messages={
            "required": "Choose whether these are the same person",
            "invalid_choice": "Choose whether these are the same person",
        },
    )
    reason = forms.CharField(
        max_length=5000,
        error_messages={
            "required": "Enter the reason for your decision",
            "max_length": "The reason is at most 5,000 characters",
            "null_characters_not_allowed": NUL,
        },
    )


class UndoForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        error_messages={
            "required": "Enter why you are undoing this decision",
            "max_length": "The reason is at most 5,000 characters",
            "null_characters_not_allowed": NUL,
        },
    )
