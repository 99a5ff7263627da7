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


# ---- the review queue's filters (GET) ---------------------------------------------------------

BANDS: dict[str, tuple[str, float, float]] = {
    # value: (label, lowest probability, highest probability, the top end exclusive but for 100)
    "50-70": ("50% to 70% likely", 0.0, 0.70),
    "70-90": ("70% to 90% likely", 0.70, 0.90),
    "90-100": ("90% likely or more", 0.90, 1.01),
}


class QueueFilter(forms.Form):
    """What narrows the identity review queue: a person (their id, or a name that finds them),
    a band of scores, a source system, and whether to show pairs the model already linked."""

    person = forms.CharField(
        required=False,
        max_length=100,
        label="Person",
        error_messages={
            "max_length": "A person's name is at most 100 characters",
            "null_characters_not_allowed": NUL,
        },
    )
    band = forms.ChoiceField(
        required=False,
        label="How likely the same person",
        choices=[("", "Any score")] + [(k, v[0]) for k, v in BANDS.items()],
        error_messages={"invalid_choice": "Choose a score band from the list"},
    )
    source = forms.ChoiceField(
        required=False,
        label="Source system",
        error_messages={"invalid_choice": "Choose a source system from the list"},
    )
    linked = forms.BooleanField(required=False, label="Show pairs already linked")
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10**6,
        error_messages={"invalid": "The page must be a number", "min_value": "Pages start at 1"},
    )

    def __init__(self, sources: list[tuple[str, str]], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["source"].choices = [("", "Any source system"), *sources]  # type: ignore[attr-defined]

    def clean_person(self) -> str:
        return " ".join(str(self.cleaned_data.get("person") or "").split())


class PageForm(forms.Form):
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10**6,
        error_messages={"invalid": "The page must be a number", "min_value": "Pages start at 1"},
    )


class ReturnForm(forms.Form):
    """The person's links page a decision was sent from, to go back to it."""

    person = forms.RegexField(required=False, regex=r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}\Z")
