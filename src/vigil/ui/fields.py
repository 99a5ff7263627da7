"""Form fields drawn as GOV.UK Frontend draws them: a date and time as day, month, year and time
boxes (the date input pattern), read in Europe/London."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
_TIME = re.compile(r"\s*(\d{1,2})[:.](\d{2})\s*(am|pm)?\s*", re.IGNORECASE)


class WhenWidget(forms.MultiWidget):
    template_name = "ui/_when_widget.html"

    def __init__(self) -> None:
        super().__init__(
            [forms.TextInput(), forms.TextInput(), forms.TextInput(), forms.TextInput()]
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.datetime):
            local = value.astimezone(LONDON)
            return [local.day, local.month, local.year, f"{local:%H:%M}"]
        return [None, None, None, None]


class WhenField(forms.MultiValueField):
    """A moment: day, month, year and a 24-hour time, in London; never in the future unless
    ``future`` (a due date), never before 1990."""

    widget: WhenWidget

    def __init__(self, *, future: bool = False, **kwargs: Any) -> None:
        self.future = future
        fields = (
            forms.CharField(max_length=10, required=False),
            forms.CharField(max_length=10, required=False),
            forms.CharField(max_length=10, required=False),
            forms.CharField(max_length=10, required=False),
        )
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, widget=WhenWidget(), **kwargs)
        label = (self.label or "the date").lower()
        self.error_messages["required"] = f"Enter {label}"

    def compress(self, data_list: list[Any]) -> dt.datetime | None:
        if not data_list or not any(data_list):
            return None
        day, month, year, time = (str(v or "").strip() for v in data_list)
        label = (self.label or "the date").lower()
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValidationError(f"{label.capitalize()} must include a {' and '.join(missing)}")
        if not time:
            raise ValidationError(f"Enter the time of {label}, for example 14:30")
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            raise ValidationError(
                f"{label.capitalize()} must be a real date, for example 27 3 2026"
            )
        found = _TIME.fullmatch(time)
        if not found:
            raise ValidationError(
                f"Enter the time of {label} as hours and minutes, for example 14:30"
            )
        hour, minute = int(found[1]), int(found[2])
        if found[3]:
            if not 1 <= hour <= 12:
                raise ValidationError(f"The time of {label} must be a real time")
            hour = hour % 12 + (12 if found[3].lower() == "pm" else 0)
        try:
            moment = dt.datetime(int(year), int(month), int(day), hour, minute, tzinfo=LONDON)
        except ValueError:
            raise ValidationError(f"{label.capitalize()} must be a real date and time") from None
        if moment.year < 1990:
            raise ValidationError(f"{label.capitalize()} must be after 1990")
        now = timezone.now()
        if not self.future and moment > now + dt.timedelta(minutes=5):
            raise ValidationError(f"{label.capitalize()} must be now or in the past")
        if moment > now + dt.timedelta(days=3 * 365):
            raise ValidationError(f"{label.capitalize()} must be within the next three years")
        return moment


class DayWidget(WhenWidget):
    """Day, month and year boxes (GOV.UK's date input), with no time."""

    template_name = "ui/_day_widget.html"

    def __init__(self) -> None:
        forms.MultiWidget.__init__(self, [forms.TextInput(), forms.TextInput(), forms.TextInput()])

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DayField(forms.MultiValueField):
    """A calendar day: day, month and year; never in the future unless ``future``, never before
    1990."""

    widget: DayWidget

    def __init__(self, *, future: bool = False, **kwargs: Any) -> None:
        self.future = future
        fields = tuple(forms.CharField(max_length=10, required=False) for _ in range(3))
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, widget=DayWidget(), **kwargs)
        label = (self.label or "the date").lower()
        self.error_messages["required"] = f"Enter {label}"

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        label = (self.label or "the date").lower()
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValidationError(f"{label.capitalize()} must include a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            raise ValidationError(
                f"{label.capitalize()} must be a real date, for example 27 3 2026"
            )
        try:
            value = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{label.capitalize()} must be a real date") from None
        if value.year < 1990:
            raise ValidationError(f"{label.capitalize()} must be after 1990")
        if not self.future and value > timezone.localdate():
            raise ValidationError(f"{label.capitalize()} must be today or in the past")
        return value


def when_text(value: dt.datetime | None) -> str:
    """A moment as staff read it: '2 December 2026, 14:05'."""
    if value is None:
        return "Not recorded"
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"
