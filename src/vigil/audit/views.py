"""The access-log pages for auditors, administrators and supervisors: the log filtered by
person, record, user, date and purpose, each entry in words; its CSV; and who has looked at one
person. Reading the log is itself logged."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from vigil.access.disclosure import PURPOSES
from vigil.access.permissions import Capability, requires
from vigil.audit import actions, naming, words
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.audit.models import AuditEntry
from vigil.ui.forms import NUL
from vigil.ui.pages import bad_request

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d.%m.%Y"]
ANY_PURPOSE = "any"


def _date_field(which: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        label=f"{which} (for example 31/1/2026)",
        error_messages={
            "invalid": f"Enter the '{which.lower()}' date as a real date, like 31/1/2026"
        },
    )


class LogFilter(forms.Form):
    person = forms.CharField(
        required=False,
        max_length=100,
        label="Person looked at",
        error_messages={"null_characters_not_allowed": NUL},
    )
    record = forms.CharField(
        required=False,
        max_length=200,
        label="Record",
        error_messages={"null_characters_not_allowed": NUL},
    )
    actor = forms.CharField(
        required=False,
        max_length=150,
        label="Who (name or username)",
        error_messages={"null_characters_not_allowed": NUL},
    )
    action = forms.ChoiceField(
        required=False,
        label="What was done",
        error_messages={"invalid_choice": "Choose what was done from the list"},
    )
    purpose = forms.ChoiceField(
        required=False,
        label="Purpose given",
        choices=[("", "Any or none"), (ANY_PURPOSE, "Any purpose given"), *PURPOSES.items()],
        error_messages={"invalid_choice": "Choose a purpose from the list"},
    )
    since = _date_field("From")
    until = _date_field("To")
    page = forms.IntegerField(required=False, min_value=1, max_value=10**7)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Anything"), *_choices()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The 'to' date must be the same as or after the 'from' date")
        for name in ("person", "record", "actor"):
            if name in data:
                data[name] = " ".join(str(data[name] or "").split())
        return data


SEALED = "audit.keyed"  # written once, by migration audit/0003, and no action now


def _choices() -> list[tuple[str, str]]:
    """Every kind of entry, in words, by its name today (old entries are found with it)."""
    kinds = [(a.value, words.label(a)) for a in AuditAction]
    kinds.append((SEALED, words.sentence(SEALED, "", {}, naming.Names())))
    return sorted(kinds, key=lambda c: c[1])


def _names(usernames: set[str]) -> dict[str, str]:
    """Each username's full name as held now, to show beside the username the entry stores (the
    entry itself never changes). Through the user model Django is configured with, so the log
    does not depend on the accounts app that sits above it."""
    users = get_user_model().objects.filter(username__in=usernames).exclude(full_name="")
    return dict(users.values_list("username", "full_name"))


def _usernames(who: str) -> set[str]:
    """The usernames an auditor means by "who": the text as a username, and the usernames of
    anyone whose full name it is (any case), since staff know each other by name."""
    named = get_user_model().objects.filter(full_name__iexact=who)
    return {who, *named.values_list("username", flat=True)}


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(data: dict[str, Any]) -> tuple[QuerySet[AuditEntry], dict[str, str], list[str]]:
    """The entries a valid filter asks for, the filters used (as the query string gives them),
    and any note on how a person or record was read."""
    rows = AuditEntry.objects.order_by("-id")
    used: dict[str, str] = {}
    notes: list[str] = []
    if data.get("person"):
        found = naming.namers.find_persons(data["person"])
        targets = [t for pid in found for t in naming.person_targets(pid)]
        rows = rows.filter(target__in=targets) if targets else rows.none()
        used["person"] = data["person"]
        if not found:
            notes.append(f"No one held is called “{data['person']}”.")
    if data.get("record"):
        refs = naming.namers.find_records(data["record"])
        rows = rows.filter(target__in=[f"record:{r}" for r in refs]) if refs else rows.none()
        used["record"] = data["record"]
        if not refs:
            notes.append(f"No record held has the reference “{data['record']}”.")
    if data.get("actor"):
        rows = rows.filter(actor__in=_usernames(data["actor"]))
        used["actor"] = data["actor"]
    if data.get("action"):
        # Today's name finds the entries written under an old one too.
        rows = rows.filter(
            Q(action=SEALED)
            if data["action"] == SEALED
            else actions.matching(AuditAction(data["action"]))
        )
        used["action"] = data["action"]
    if data.get("purpose"):
        if data["purpose"] == ANY_PURPOSE:
            rows = rows.exclude(reason="").filter(
                Q(action__in=[AuditAction.PERSON_VIEW, AuditAction.PERSON_GIVE_PURPOSE])
                | Q(action=AuditAction.RECORD_VIEW)
            )
        else:
            rows = rows.filter(reason__startswith=PURPOSES[data["purpose"]] + ":")
        used["purpose"] = data["purpose"]
    if data.get("since"):
        rows = rows.filter(at__gte=_day_start(data["since"]))
        used["since"] = data["since"].strftime("%d/%m/%Y")
    if data.get("until"):
        rows = rows.filter(at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
        used["until"] = data["until"].strftime("%d/%m/%Y")
    return rows, used, notes


def describe(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Give each entry its sentence and its actor's name (a few queries for the lot)."""
    names = naming.resolve((e.target, e.detail) for e in entries)
    people = _names({e.actor for e in entries})
    for entry in entries:
        entry.sentence = words.sentence(entry.action, entry.target, entry.detail, names)  # type: ignore[attr-defined]
        entry.actor_name = people.get(entry.actor, "")  # type: ignore[attr-defined]
    return entries


@requires(Capability.VIEW_AUDIT_LOG)
@require_http_methods(["GET"])
def entries(request: HttpRequest) -> HttpResponse:
    form = LogFilter(request.GET)
    if not form.is_valid():
        log_access(
            request,
            AuditAction.AUDIT_VIEW,
            "audit-log",
            detail={"refused": sorted(form.errors)},
        )
        return render(
            request,
            "audit/log.html",
            {"form": form, "page": None, "filtered": True, "query": ""},
            status=400,
        )
    rows, used, notes = _filtered(form.cleaned_data)
    page = Paginator(rows, PAGE_SIZE).get_page(form.cleaned_data.get("page"))
    describe(list(page.object_list))
    log_access(
        request, AuditAction.AUDIT_VIEW, "audit-log", detail={"filters": used, "page": page.number}
    )
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "query": urlencode(used),
            "filtered": bool(used),
            "notes": notes,
        },
    )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting as a formula would is prefixed with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(rows: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(["When", "Who", "Username", "What was done", "Why"])
    batch: list[AuditEntry] = []

    def flush() -> Iterator[str]:
        for e in describe(batch):
            yield writer.writerow(
                [
                    safe_cell(timezone.localtime(e.at).strftime("%d/%m/%Y %H:%M:%S")),
                    safe_cell(e.actor_name),  # type: ignore[attr-defined]
                    safe_cell(e.actor),
                    safe_cell(e.sentence),  # type: ignore[attr-defined]
                    safe_cell(e.reason),
                ]
            )

    for entry in rows[:EXPORT_LIMIT].iterator(chunk_size=500):
        batch.append(entry)
        if len(batch) == 500:
            yield from flush()
            batch = []
    yield from flush()


@requires(Capability.VIEW_AUDIT_LOG)
@require_http_methods(["GET"])
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered log as CSV (at most 100,000 entries, newest first), formula-safe."""
    form = LogFilter(request.GET)
    if not form.is_valid():
        log_access(request, AuditAction.AUDIT_EXPORT, "audit-log", detail={"refused": True})
        return bad_request(request, form, "The access log cannot be downloaded")
    rows, used, _ = _filtered(form.cleaned_data)
    log_access(request, AuditAction.AUDIT_EXPORT, "audit-log", detail={"filters": used})
    response = StreamingHttpResponse(_csv_rows(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response


# ---- who has looked at one person --------------------------------------------------------


def who_looked(person_id: str, limit: int = 10) -> list[AuditEntry]:
    """The latest ``limit`` entries of anyone looking at or acting on this person: their page,
    a record naming them, a purpose given, a review asked for; each with its sentence and the
    actor's name. The caller checks the viewer may see this (supervisors and auditors)."""
    targets = naming.person_targets(person_id)
    latest = list(AuditEntry.objects.filter(target__in=targets).order_by("-id")[:limit])
    return describe(latest)


class PageForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1, max_value=10**7)


@requires(Capability.VIEW_AUDIT_LOG, Capability.SUPERVISE, any_of=True)
@require_http_methods(["GET"])
def person(request: HttpRequest, person_id: str) -> HttpResponse:
    """Everyone who has looked at one person, newest first."""
    label = naming.namers.persons({person_id}).get(person_id)
    if label is None:
        raise Http404
    form = PageForm(request.GET)
    number = form.cleaned_data["page"] if form.is_valid() else None
    rows = AuditEntry.objects.filter(target__in=naming.person_targets(person_id)).order_by("-id")
    page = Paginator(rows, PAGE_SIZE).get_page(number)
    describe(list(page.object_list))
    log_access(request, AuditAction.AUDIT_VIEW_PERSON, person_id, detail={"page": page.number})
    return render(
        request,
        "audit/person.html",
        {"page": page, "label": label, "person_id": person_id},
    )
