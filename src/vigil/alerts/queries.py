"""The alert queue's filters: read from the query string through a form, applied through
``Alert.objects`` (``querysets.AlertQuerySet``), written back into links.

The supervisor's figures ask the same QuerySet methods, so a figure and the list it links to
always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.validators import RegexValidator
from django.db.models import (
    Case,
    F,
    IntegerField,
    Value,
    When,
)
from django.http import QueryDict

from vigil.alerts.querysets import AGE_BANDS, AlertQuerySet

SEVERITIES = ("critical", "high", "medium", "low")
STATUSES = {
    "live": "Open or acknowledged",
    "open": "Open",
    "acknowledged": "Acknowledged",
    "closed": "Closed",
    "resolved": "Resolved",
    "all": "Any status",
}
DRIFT_CODES = (
    "INVESTIGATION_DRIFT",
    "INVESTIGATION_AGED",
    "SUPERVISION_OVERDUE",
    "ALLOCATION_PROBLEM",
)
SORTS = {
    "raised": ("raised_at",),
    "due": ("due_at",),
    "severity": ("severity_rank",),
    "code": ("code",),
    "status": ("status",),
    "assignee": ("assigned_to__username",),
}


# Integer keys the database can hold (a 19-digit number overflows a 64-bit column).
MAX_KEY = 2**63 - 1
RULE_CODE = RegexValidator(
    r"\A[A-Za-z0-9_]{1,64}\Z", "An alert code is letters, digits and underscores"
)


class CodesField(forms.Field):
    """Any number of rule codes (``?code=A&code=B``), upper-cased, de-duplicated, at most 40."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        codes = sorted({str(v).strip().upper() for v in values if str(v).strip()})
        for code in codes:
            RULE_CODE(code)
        if len(codes) > 40:
            raise forms.ValidationError("Choose at most 40 alert codes")
        return codes


def clean_assignee(value: str) -> str:
    """``none`` or an account's id in ASCII digits that the database can hold."""
    if value in ("", "none"):
        return value
    if not (value.isascii() and value.isdigit() and 0 < int(value) <= MAX_KEY):
        raise forms.ValidationError("Choose a person from the list")
    return str(int(value))


class AlertFilterForm(forms.Form):
    """Every parameter the alert queue reads from its query string."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", ""), *STATUSES.items()],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    code = CodesField(required=False)
    severity = forms.MultipleChoiceField(
        required=False,
        choices=[(s, s) for s in SEVERITIES],
        error_messages={"invalid_choice": "Choose a severity from the list"},
    )
    team = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": "A team name is at most 100 characters"},
    )
    assignee = forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": "Choose a person from the list"},
    )
    mine = forms.ChoiceField(required=False, choices=[("", ""), ("1", "1")])
    overdue = forms.ChoiceField(required=False, choices=[("", ""), ("1", "1")])
    age = forms.ChoiceField(
        required=False,
        choices=[("", ""), *((b[0], b[1]) for b in AGE_BANDS)],
        error_messages={"invalid_choice": "Choose an age from the list"},
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("", ""), *((k, k) for k in SORTS)],
        error_messages={"invalid_choice": "Choose a column to sort by"},
    )
    dir = forms.ChoiceField(required=False, choices=[("", ""), ("asc", "asc"), ("desc", "desc")])
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10**9,
        error_messages={
            "invalid": "A page is a whole number",
            "min_value": "A page is a whole number",
            "max_value": "A page is a whole number",
        },
    )

    def clean_assignee(self) -> str:
        return clean_assignee(self.cleaned_data["assignee"])


class BadFilters(ValueError):
    def __init__(self, form: AlertFilterForm) -> None:
        super().__init__("invalid alert filters")
        self.form = form


@dataclass
class AlertFilters:
    """The alert queue's filters, read from (and written back to) the query string."""

    status: str = "live"
    codes: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    team: str = ""
    assignee: str = ""  # a user id, or "none" for unassigned
    mine: bool = False
    overdue: bool = False
    age: str = ""
    sort: str = "due"
    descending: bool = False

    @classmethod
    def from_query(cls, query: QueryDict) -> AlertFilters:
        """The filters in a query string, read through ``AlertFilterForm``; raises
        ``BadFilters`` (with the form, for its errors) when any parameter is not valid."""
        form = AlertFilterForm(query)
        if not form.is_valid():
            raise BadFilters(form)
        d = form.cleaned_data
        return cls(
            status=d["status"] or "live",
            codes=d["code"],
            severities=[s for s in SEVERITIES if s in d["severity"]],
            team=d["team"],
            assignee=d["assignee"],
            mine=d["mine"] == "1",
            overdue=d["overdue"] == "1",
            age=d["age"],
            sort=d["sort"] or "due",
            descending=d["dir"] == "desc",
        )

    def apply(self, alerts: AlertQuerySet, user: Any, now: dt.datetime) -> AlertQuerySet:
        if self.status == "live":
            alerts = alerts.live()
        elif self.status != "all":
            alerts = alerts.filter(status=self.status)
        if self.codes:
            alerts = alerts.filter(code__in=self.codes)
        if self.severities:
            alerts = alerts.filter(severity__in=self.severities)
        if self.team:
            # The team the work was given to (a person's team when given to them): the team's
            # unassigned work too.
            alerts = alerts.filter(assigned_team__name=self.team)
        if self.assignee == "none":
            alerts = alerts.filter(assigned_to__isnull=True)
        elif self.assignee:
            alerts = alerts.filter(assigned_to_id=int(self.assignee))
        if self.mine:
            alerts = alerts.filter(assigned_to=user)
        if self.overdue:
            alerts = alerts.overdue(now)
        if self.age:
            alerts = alerts.aged(self.age, now)
        return alerts

    def ordered(self, alerts: AlertQuerySet) -> AlertQuerySet:
        """Single alerts by the chosen column (then by id, so the order is total)."""
        alerts = alerts.annotate(
            severity_rank=Case(
                *[When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITIES)],
                default=Value(len(SEVERITIES)),
                output_field=IntegerField(),
            )
        )
        column = F(SORTS[self.sort][0])
        if self.descending:
            return alerts.order_by(column.desc(nulls_last=True), "-id")
        return alerts.order_by(column.asc(nulls_last=True), "id")

    def grouped(self, alerts: AlertQuerySet, total: int) -> GroupedIds:
        """The ids of ``alerts`` (``total`` of them) in the queue's order, for a paginator."""
        return GroupedIds(self.ordered(alerts), total)

    def params(self, **changes: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "status": self.status,
            "code": self.codes,
            "severity": self.severities,
            "team": self.team,
            "assignee": self.assignee,
            "mine": "1" if self.mine else "",
            "overdue": "1" if self.overdue else "",
            "age": self.age,
            "sort": self.sort,
            "dir": "desc" if self.descending else "",
        }
        values.update(changes)
        return {
            k: v
            for k, v in values.items()
            if v and not (k == "status" and v == "live") and not (k == "sort" and v == "due")
        }

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes), doseq=True)


MAX_SUBJECTS = 500


class GroupedIds:
    """Alert ids sorted by a column with one subject's alerts together: each person's (or
    record's) alerts follow one another, the subjects in the order of their first alert by that
    column. Paging still counts single alerts, so a long group may run on to the next page.

    Sliced by a paginator, two narrow queries answer it, not a window over every matching alert
    (which SQLite sorts slowly): the subjects of the first ``stop`` alerts in plain order (a
    subject among the first ``stop`` grouped alerts first appears there, since every alert
    before its first belongs to an earlier subject), then every matching alert of those subjects.
    """

    def __init__(self, ordered: AlertQuerySet, total: int) -> None:
        self.sorted_alerts = ordered
        self.total = total

    def __len__(self) -> int:
        return self.total

    def count(self) -> int:
        return self.total

    def __getitem__(self, page: slice) -> list[int]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("GroupedIds is sliced by page")
        start, stop = (
            page.start or 0,
            min(page.stop if page.stop is not None else self.total, self.total),
        )
        if stop <= start:
            return []
        subjects = list(
            dict.fromkeys(self.sorted_alerts.values_list("subject_key", flat=True)[:stop])
        )
        by_subject: dict[str, list[int]] = {key: [] for key in subjects}
        # Deep in the queue, one pass over every matching alert (two columns) rather than a
        # list of thousands of subjects: two queries on any page.
        alerts = (
            self.sorted_alerts
            if len(subjects) > MAX_SUBJECTS
            else self.sorted_alerts.filter(subject_key__in=subjects)
        )
        for pk, key in alerts.values_list("id", "subject_key"):
            if key in by_subject:
                by_subject[key].append(pk)
        return [pk for key in subjects for pk in by_subject[key]][start:stop]


def queue_query(**params: Any) -> str:
    """A query string for the alert queue, for figures elsewhere that link to it."""
    return urlencode({k: v for k, v in params.items() if v not in ("", None)}, doseq=True)
