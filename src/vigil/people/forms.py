"""Forms for the people pages. Every one is POSTed: personal data never goes in a URL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from vigil.access.disclosure import PURPOSES, Agreement
from vigil.access.permissions import SEARCH_CRITERIA, search_criteria
from vigil.people.search import Criteria

REFUSED_WORDS = {
    "place": "address or postcode",
    "vehicle": "vehicle",
    "phone": "phone number",
    "age": "age",
}


class SearchForm(forms.Form):
    """The search form, with only the criteria the user's role may search by
    (``vigil.access.permissions.SEARCH_CRITERIA``): partners get name and date of birth."""

    forename = forms.CharField(required=False, max_length=100, label="First name")
    surname = forms.CharField(required=False, max_length=100, label="Last name")
    dob_day = forms.IntegerField(required=False, min_value=1, max_value=31, label="Day")
    dob_month = forms.IntegerField(required=False, min_value=1, max_value=12, label="Month")
    dob_year = forms.IntegerField(required=False, min_value=1900, max_value=2100, label="Year")
    age = forms.IntegerField(required=False, min_value=0, max_value=120, label="Age")
    place = forms.CharField(required=False, max_length=200, label="Address or postcode")
    vehicle = forms.CharField(required=False, max_length=20, label="Vehicle registration")
    phone = forms.CharField(required=False, max_length=30, label="Phone number")

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = search_criteria(user)
        for name in [n for n in self.fields if n not in allowed]:
            del self.fields[name]
        self.wide = "place" in self.fields

    def refused(self) -> list[str]:
        """Criteria in the submitted data that this form (this role) does not take."""
        return sorted(
            name
            for name in SEARCH_CRITERIA
            if name not in self.fields and str(self.data.get(name, "")).strip()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if refused := self.refused():
            raise forms.ValidationError(
                "You may search by name and date of birth only (not by "
                + ", ".join(REFUSED_WORDS.get(n, n) for n in refused)
                + ")"
            )
        parts = [data.get("dob_day"), data.get("dob_month"), data.get("dob_year")]
        data["date_of_birth"] = None
        if any(p is not None for p in parts):
            if any(p is None for p in parts):
                self.add_error("dob_day", "Date of birth must include a day, month and year")
            else:
                try:
                    data["date_of_birth"] = dt.date(parts[2], parts[1], parts[0])  # type: ignore[arg-type]
                except ValueError:
                    self.add_error("dob_day", "Date of birth must be a real date")
        searchable = any(data.get(k) for k in ("surname", "place", "vehicle", "phone"))
        if not searchable and not data.get("date_of_birth") and not self.errors:
            if not self.wide:
                raise forms.ValidationError(
                    "Enter a last name or a date of birth (a first name narrows a search)"
                )
            raise forms.ValidationError(
                "Enter a last name, a date of birth, an address or postcode, a vehicle "
                "registration or a phone number (a first name or an age narrows a search)"
            )
        return data

    def criteria(self) -> Criteria:
        d = self.cleaned_data
        return Criteria(
            forename=d.get("forename") or "",
            surname=d.get("surname") or "",
            date_of_birth=d.get("date_of_birth"),
            age=d.get("age"),
            place=d.get("place") or "",
            vehicle=d.get("vehicle") or "",
            phone=d.get("phone") or "",
        )


class PurposeForm(forms.Form):
    """A partner's reason for seeing a person's record: the DPA 2018 s62 justification. Only the
    purposes its agreement covers are offered (``vigil.access.disclosure.AGREEMENTS``)."""

    purpose = forms.ChoiceField(
        widget=forms.RadioSelect, label="Why do you need to see this person's information?"
    )
    detail = forms.CharField(
        min_length=10,
        max_length=500,
        widget=forms.Textarea,
        label="Your case or reference, and what you need it for",
        error_messages={
            "required": "Give your case reference and what you need it for",
            "min_length": "Give your case reference and what you need it for",
        },
    )

    def __init__(self, agreement: Agreement, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        field = self.fields["purpose"]
        field.choices = [(key, PURPOSES[key]) for key in agreement.purposes]  # type: ignore[attr-defined]
        field.error_messages["required"] = "Choose why you need to see this person's information"
        field.error_messages["invalid_choice"] = (
            f"That purpose is not in the {agreement.name} agreement: choose one of the purposes "
            "listed"
        )

    def reason(self) -> str:
        return f"{PURPOSES[self.cleaned_data['purpose']]}: {self.cleaned_data['detail']}"


class RecordTypeFilter(forms.Form):
    """A person's page narrowed to one record type (``?type=``)."""

    type = forms.RegexField(
        required=False,
        regex=r"\A[a-z_]{1,40}\Z",
        error_messages={"invalid": "Choose a record type from the list"},
    )


class ReviewRequestForm(forms.Form):
    mention = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(
        min_length=5,
        max_length=500,
        widget=forms.Textarea,
        label="Why is this not the same person?",
        error_messages={"required": "Say why this is not the same person"},
    )


class AddressSearchForm(forms.Form):
    place = forms.CharField(
        max_length=200,
        label="Address or postcode",
        error_messages={"required": "Enter an address or a postcode"},
    )


class ChronologyFilter(forms.Form):
    """A person's chronology (GET): cards or a table, the order, and filters by record type,
    role, source system and a date range (GOV.UK date inputs)."""

    view = forms.ChoiceField(
        required=False,
        choices=[("", "Cards"), ("cards", "Cards"), ("table", "Table")],
        error_messages={"invalid_choice": "Choose cards or a table"},
    )
    order = forms.ChoiceField(
        required=False,
        choices=[("", "Oldest first"), ("oldest", "Oldest first"), ("newest", "Newest first")],
        error_messages={"invalid_choice": "Choose oldest first or newest first"},
    )
    type = forms.RegexField(
        required=False,
        regex=r"\A[a-z_]{1,40}\Z",
        error_messages={"invalid": "Choose a record type from the list"},
    )
    role = forms.RegexField(
        required=False,
        regex=r"\A[a-z_]{1,40}\Z",
        error_messages={"invalid": "Choose a role from the list"},
    )
    agency = forms.RegexField(
        required=False,
        regex=r"\A[A-Za-z0-9_.-]{1,64}\Z",
        error_messages={"invalid": "Choose a source system from the list"},
    )
    from_day = forms.IntegerField(required=False, min_value=1, max_value=31)
    from_month = forms.IntegerField(required=False, min_value=1, max_value=12)
    from_year = forms.IntegerField(required=False, min_value=1900, max_value=2100)
    to_day = forms.IntegerField(required=False, min_value=1, max_value=31)
    to_month = forms.IntegerField(required=False, min_value=1, max_value=12)
    to_year = forms.IntegerField(required=False, min_value=1900, max_value=2100)

    BOUNDS = {"from": "The start date", "to": "The end date"}

    def _date(self, data: dict[str, Any], prefix: str) -> dt.date | None:
        named = self.BOUNDS[prefix]
        raw = [str(self.data.get(f"{prefix}_{p}", "")).strip() for p in ("day", "month", "year")]
        if not any(raw):
            return None
        parts = [data.get(f"{prefix}_{p}") for p in ("day", "month", "year")]
        if any(p is None for p in parts):
            for p in ("day", "month", "year"):
                self.errors.pop(f"{prefix}_{p}", None)
            raise forms.ValidationError(
                f"{named} must be a real date, with a day, a month and a year in numbers"
            )
        try:
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))  # type: ignore[arg-type]
        except ValueError as exc:
            raise forms.ValidationError(f"{named} must be a real date") from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problems = []
        for prefix in ("from", "to"):
            try:
                data[f"{prefix}_date"] = self._date(data, prefix)
            except forms.ValidationError as exc:
                data[f"{prefix}_date"] = None
                problems.append(exc)
        if problems:
            raise forms.ValidationError(problems)
        start, end = data["from_date"], data["to_date"]
        if start and end and start > end:
            raise forms.ValidationError("The start date must be the same as or before the end date")
        return data
