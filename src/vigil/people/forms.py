"""Forms for the people pages. Every one is POSTed: personal data never goes in a URL."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone

from vigil.access.disclosure import PURPOSES, Agreement
from vigil.access.permissions import SEARCH_CRITERIA, search_criteria
from vigil.people.search import Criteria
from vigil.ui.forms import NUL

REFUSED_WORDS = {
    "place": "address or postcode",
    "vehicle": "vehicle",
    "phone": "phone number",
    "age": "age",
}


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_NUMBER = re.compile(r"\A[0-9]{1,4}\Z")
_AGES = re.compile(r"\A(?:age\s*)?([0-9]{1,3})(?:\s*(?:to|-|\u2013)\s*([0-9]{1,3}))?\Z", re.I)
MAX_AGE = 120


def _text(max_length: int, label: str) -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=max_length,
        label=label,
        error_messages={
            "max_length": f"{label} must be {max_length} characters or fewer",
            "null_characters_not_allowed": NUL,
        },
    )


class SearchForm(forms.Form):
    """The search form, with only the criteria the user's role may search by
    (``vigil.access.permissions.SEARCH_CRITERIA``): partners get name and date of birth.

    Errors follow the GOV.UK pattern: one message per problem, on the field it is about (a date
    of birth's on the part that is wrong), and a day and month written the other way round
    explained with the date it may have meant."""

    forename = _text(100, "First name")
    surname = _text(100, "Last name")
    dob_day = _text(4, "Day")
    dob_month = _text(4, "Month")
    dob_year = _text(4, "Year")
    age = _text(20, "Age")
    place = _text(200, "Address or postcode")
    vehicle = _text(20, "Vehicle registration")
    phone = _text(30, "Phone number")

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

    @property
    def dob_error(self) -> str:
        """The date of birth's one message, whichever part it is on."""
        for name in ("dob_day", "dob_month", "dob_year"):
            if self.errors.get(name):
                return str(self.errors[name][0])
        return ""

    def _date_of_birth(self, data: dict[str, Any]) -> dt.date | None:
        parts = {k: str(data.get(k) or "").strip() for k in ("dob_day", "dob_month", "dob_year")}
        if not any(parts.values()):
            return None
        words = {"dob_day": "a day", "dob_month": "a month", "dob_year": "a year"}
        missing = [k for k, v in parts.items() if not v]
        if missing:
            self.add_error(
                missing[0],
                "Date of birth must include " + " and ".join(words[k] for k in missing),
            )
            return None
        for name, value in parts.items():
            if not _NUMBER.match(value):
                self.add_error(name, "Date of birth must be a real date, in numbers")
                return None
        day, month, year = (int(parts[k]) for k in ("dob_day", "dob_month", "dob_year"))
        if len(parts["dob_year"]) != 4:
            self.add_error("dob_year", "Year must include 4 numbers, like 2010")
            return None
        if not 1 <= month <= 12:
            if 1 <= day <= 12 and 1 <= month <= 31 and _real(year, day, month):
                self.add_error(
                    "dob_month",
                    f"{day}/{month} has no month {month}: did you mean {month} "
                    f"{MONTHS[day - 1]} {year}? Enter the day first, then the month",
                )
            else:
                self.add_error("dob_month", "Month must be a number from 1 to 12")
            return None
        if not _real(year, month, day):
            self.add_error(
                "dob_day",
                f"Date of birth must be a real date: {MONTHS[month - 1]} has no day {day}",
            )
            return None
        born = dt.date(year, month, day)
        if year < 1900:
            self.add_error("dob_year", "Year of birth must be 1900 or later")
            return None
        if born > timezone.localdate():
            self.add_error("dob_year", "Date of birth must be today or in the past")
            return None
        return born

    def _ages(self, data: dict[str, Any]) -> tuple[int | None, int | None]:
        text = " ".join(str(data.get("age") or "").split())
        if not text:
            return None, None
        match = _AGES.match(text)
        if not match:
            self.add_error("age", "Enter an age, like 12, or a range of ages, like 12 to 15")
            return None, None
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else None
        if max(low, high or 0) > MAX_AGE:
            self.add_error("age", f"Age must be {MAX_AGE} or less")
            return None, None
        if high is None:
            return max(low - 1, 0), low + 1  # one age: a year either side
        if low > high:
            self.add_error("age", f"Give the younger age first, like {high} to {low}")
            return None, None
        return low, high

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if refused := self.refused():
            raise forms.ValidationError(
                "You may search by name and date of birth only (not by "
                + ", ".join(REFUSED_WORDS.get(n, n) for n in refused)
                + ")"
            )
        data["date_of_birth"] = self._date_of_birth(data)
        data["age_min"], data["age_max"] = self._ages(data)
        searchable = any(data.get(k) for k in ("surname", "place", "vehicle", "phone"))
        by_age = bool(data.get("forename")) and data["age_min"] is not None
        if not (searchable or by_age or data["date_of_birth"]) and not self.errors:
            if not self.wide:
                raise forms.ValidationError(
                    "Enter a last name or a date of birth (a first name narrows a search)"
                )
            raise forms.ValidationError(
                "Enter a last name, a date of birth, a first name and an age, an address or "
                "postcode, a vehicle registration or a phone number"
            )
        return data

    def criteria(self) -> Criteria:
        d = self.cleaned_data
        return Criteria(
            forename=d.get("forename") or "",
            surname=d.get("surname") or "",
            date_of_birth=d.get("date_of_birth"),
            age_min=d.get("age_min"),
            age_max=d.get("age_max"),
            place=d.get("place") or "",
            vehicle=d.get("vehicle") or "",
            phone=d.get("phone") or "",
        )


def _real(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


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
