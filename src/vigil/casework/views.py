"""The pages every workflow shares: its form, check your answers (with what the entry will do to
open alerts, before anything is written), and what the entry did (after).

An answer is held in the session between the form and the check page under its form's token;
saving goes through ``actions.write``, which writes once per token.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import kind_label, viewer_for
from vigil.access.permissions import Capability, can, requires
from vigil.audit.access import log_access, nothing_disclosed
from vigil.audit.actions import AuditAction
from vigil.casework import registry
from vigil.casework.actions import CaseworkError, write
from vigil.casework.drafts import compose
from vigil.casework.effects import SAYS, Effect, preview
from vigil.casework.forms import ConfirmForm
from vigil.casework.models import Entry
from vigil.casework.registry import Subject, Workflow
from vigil.identity.models import Person
from vigil.records.models import Record
from vigil.ui.fields import WhenField, when_text
from vigil.ui.pages import page_of

DRAFTS = "casework_drafts"


def _workflow(key: str) -> Workflow:
    found = registry.get(key)
    if found is None:
        raise Http404
    return found


def _subject(
    workflow: Workflow, pk: int | None, person_id: str | None, *, changing: bool = False
) -> Subject:
    if pk is not None:
        record = get_object_or_404(Record, pk=pk)
        # Changing one's entry: the workflow no longer applies once what it records is held.
        done = changing and record.record_type in workflow.targets()
        if workflow.amends and not (done or workflow.can_complete(record)):
            raise Http404
        return Subject(record=record, person_id=person_id or "")
    if person_id is not None:
        get_object_or_404(Person, person_id=person_id)
        return Subject(person_id=person_id)
    return Subject()


def subject_text(subject: Subject) -> str:
    """What the entry is about, in words (the form's caption)."""
    parts = []
    if subject.record is not None:
        local = timezone.localtime(subject.record.occurred_at)
        parts.append(f"{kind_label(subject.record.record_type)} of {local.day} {local:%B %Y}")
    if subject.person_id:
        from vigil.casework.people import name_of

        parts.append(name_of(subject.person_id))
    return ", ".join(parts)


def _log_start(
    request: HttpRequest, subject: Subject, workflow: Workflow, action: AuditAction
) -> None:
    target = (
        f"record:{subject.record.source_system}/{subject.record.source_id}"
        if subject.record is not None
        else f"person:{subject.person_id}"
    )
    log_access(request, action, target, detail={"workflow": workflow.key})


def _form(
    workflow: Workflow,
    subject: Subject,
    *,
    data: Any = None,
    initial: Any = None,
    user: Any = None,
) -> Any:
    # ``user``: who is writing the entry (a form's default "by whom", a review's reviewer).
    kwargs = {**workflow.form_kwargs(subject), "user": user}
    if data is not None:
        return workflow.form(data, **kwargs)
    return workflow.form(initial={**workflow.initial(subject), **(initial or {})}, **kwargs)


def _answers(data: Any) -> dict[str, list[str]]:
    return {k: data.getlist(k) for k in data if k != "csrfmiddlewaretoken"}


class _Answers(dict[str, list[str]]):
    """Stored answers read back as a form's data (a QueryDict's ``getlist`` and ``get``)."""

    def getlist(self, key: str, default: Any = None) -> list[str]:
        return list(self.get_all(key, default or []))

    def get_all(self, key: str, default: Any) -> Any:
        return super().get(key, default)

    def get(self, key: str, default: Any = None) -> Any:
        values = super().get(key)
        return values[-1] if values else default


def start(
    request: HttpRequest, workflow: str, pk: int | None = None, person_id: str | None = None
) -> HttpResponse:
    """A workflow's form about a record or a person."""
    flow = _workflow(workflow)
    if not can(request.user, flow.capability):
        raise PermissionDenied
    replaces = _replaced(request)
    changing = replaces is not None and (pk is None or replaces.target_id == pk)
    subject = _subject(flow, pk, person_id, changing=changing)
    if not flow.allowed(request, subject):
        raise PermissionDenied
    drafts = request.session.get(DRAFTS, {})
    if request.method == "POST":
        form = _form(flow, subject, data=request.POST, user=request.user)
        _log_start(request, subject, flow, AuditAction.CASEWORK_SUBMIT)
        if form.is_valid():
            token = str(form.cleaned_data["token"])
            drafts[token] = {
                "workflow": flow.key,
                "pk": pk,
                "person_id": person_id,
                "answers": _answers(request.POST),
                "replaces": replaces.pk if replaces else None,
                "back": request.path + (f"?change={replaces.token}" if replaces else ""),
            }
            request.session[DRAFTS] = drafts
            return redirect("casework:check", token=token)
    else:
        _log_start(request, subject, flow, AuditAction.CASEWORK_START)
        draft = drafts.get(str(request.GET.get("draft", "")))
        if draft and draft["workflow"] == flow.key:
            form = _form(flow, subject, data=_Answers(draft["answers"]), user=request.user)
            form.is_valid()
        elif replaces is not None:
            answers = _Answers(replaces.answers)
            answers["token"] = [str(uuid.uuid4())]
            form = _form(flow, subject, data=answers, user=request.user)
            form.errors.clear() if form.is_valid() else None
        else:
            # A link may choose a field's answer (?action=… from an action's page).
            chosen = {
                k: v for k, v in request.GET.items() if k in flow.form.base_fields and k != "token"
            }
            form = _form(flow, subject, initial=chosen, user=request.user)
    return render(
        request,
        "casework/form.html",
        {
            "workflow": flow,
            "form": form,
            "subject": subject,
            "about": subject_text(subject),
            "replaces": replaces,
            "back": _back(subject),
            "panel": flow.panel(request, subject),
        },
    )


def _replaced(request: HttpRequest) -> Entry | None:
    """The entry being changed (``?change=<token>``): only its writer may change it."""
    raw = request.GET.get("change", "")
    if not raw:
        return None
    try:
        token = uuid.UUID(str(raw))
    except ValueError:
        raise Http404 from None
    entry = get_object_or_404(Entry, token=token)
    if entry.written_by_id != request.user.pk:
        raise PermissionDenied
    latest = Entry.objects.filter(record=entry.record).order_by("-version", "-pk").first()
    if latest is not None and latest.pk != entry.pk:
        raise Http404  # change the latest version
    return entry


def _back(subject: Subject) -> str:
    if subject.record is not None:
        return reverse("people:record", args=[subject.record.pk])
    if subject.person_id:
        return reverse("people:person", args=[subject.person_id])
    return reverse("work:mine")


def _rows(form: Any) -> list[tuple[str, str]]:
    """Check your answers: each field as its label and what was given, in words."""
    rows = []
    for name, field in form.fields.items():
        if name == "token":
            continue
        value = form.cleaned_data.get(name)
        if value is None and getattr(field, "hide_when_empty", False):
            continue  # an optional repeat left blank (an action row not used)
        rows.append((str(field.label or name), _shown(field, value)))
    return rows


def _shown(field: Any, value: Any) -> str:
    if isinstance(field, WhenField):
        return when_text(value) if value else "Not given"
    if value in (None, "", [], ()):
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if choices:
        return str(choices.get(value, value))
    if hasattr(value, "display_name"):
        return str(value.display_name)
    return str(value)


@requires(Capability.WRITE_CASEWORK)
def check(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Check your answers, and what saving will do to open alerts; the button saves."""
    drafts = request.session.get(DRAFTS, {})
    draft = drafts.get(str(token))
    if draft is None:
        done = Entry.objects.filter(token=token, written_by_id=request.user.pk).first()
        if done is not None:  # sent twice: the first one wrote it
            nothing_disclosed(request)  # a redirect to the entry's page, which logs itself
            return redirect("casework:written", token=token)
        raise Http404
    flow = _workflow(draft["workflow"])
    if not can(request.user, flow.capability):
        raise PermissionDenied
    subject = _subject(flow, draft["pk"], draft["person_id"], changing=bool(draft["replaces"]))
    if not flow.allowed(request, subject):
        raise PermissionDenied
    form = _form(flow, subject, data=_Answers(draft["answers"]), user=request.user)
    back = draft["back"]
    change = f"{back}{'&' if '?' in back else '?'}draft={token}"
    if not form.is_valid():
        nothing_disclosed(request)  # back to the form, which shows the errors and logs itself
        return redirect(change)
    replaces = Entry.objects.filter(pk=draft["replaces"]).first() if draft["replaces"] else None
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():
        try:
            entry = write(
                flow,
                form.cleaned_data,
                subject,
                actor=request.user,  # type: ignore[arg-type]
                token=token,
                answers=draft["answers"],
                replaces=replaces,
            )
        except CaseworkError as exc:
            messages.error(request, str(exc))
            nothing_disclosed(request)
            return redirect(change)
        drafts.pop(str(token), None)
        request.session[DRAFTS] = drafts
        return redirect("casework:written", token=entry.token)
    now = timezone.now()
    record = compose(
        flow,
        form.cleaned_data,
        subject,
        token=token,
        now=now,
        replaces_record=replaces.record if replaces else None,
    )
    _log_start(request, subject, flow, AuditAction.CASEWORK_START)
    return render(
        request,
        "casework/check.html",
        {
            "workflow": flow,
            "alert_links": can(request.user, Capability.VIEW_ALERTS),
            "rows": _rows(form),
            "about": subject_text(subject),
            "effects": _shown_effects(request, flow, preview(flow, record, subject, now)),
            "change": change,
            "token": token,
            "replaces": replaces,
        },
    )


@requires(Capability.WRITE_CASEWORK)
def written(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """What an entry recorded and what it did to each open alert."""
    entry = get_object_or_404(
        Entry.objects.select_related("record", "target", "written_by"), token=token
    )
    if entry.written_by_id != request.user.pk and not can(request.user, Capability.VIEW_PERSON):
        raise PermissionDenied
    flow = _workflow(entry.workflow)
    log_access(
        request,
        AuditAction.CASEWORK_VIEW,
        f"record:{entry.record.source_system}/{entry.record.source_id}",
        detail={"workflow": entry.workflow, "version": entry.version},
    )
    subject = Subject(record=entry.target, person_id=entry.person_id)
    form = _form(flow, subject, data=_Answers(entry.answers), user=entry.written_by)
    rows = _rows(form) if form.is_valid() else []
    effects = [Effect(**e) for e in entry.effects]
    latest = Entry.objects.filter(record=entry.record).order_by("-version", "-pk").first()
    return render(
        request,
        "casework/written.html",
        {
            "workflow": flow,
            "alert_links": can(request.user, Capability.VIEW_ALERTS),
            "entry": entry,
            "rows": rows,
            "about": subject_text(subject),
            "effects": _shown_effects(request, flow, effects),
            "says": SAYS,
            # An entry that revised a record Vigil wrote is not changed again: the record has
            # moved on; a new entry on it is the way.
            "may_change": entry.written_by_id == request.user.pk
            and latest == entry
            and not flow.revises(subject),
            "change_url": _change_url(flow, entry),
        },
    )


def _shown_effects(request: HttpRequest, flow: Workflow, effects: list[Effect]) -> list[Effect]:
    """Partners' agreements share no alerts (access/disclosure.py): a partner sees only what its
    entry does to the alerts its workflow can end, by title, with no explanation or link."""
    if viewer_for(request.user).agreement is None:
        return effects
    return [Effect("", e.code, e.title, e.after, "") for e in effects if e.code in flow.resolves]


def _change_url(flow: Workflow, entry: Entry) -> str:
    if flow.subject == "record" and entry.target_id is not None:
        base = reverse(f"casework:{flow.key}", args=[entry.target_id])
    elif entry.person_id:
        base = reverse(f"casework:{flow.key}", args=[entry.person_id])
    else:
        return ""
    return f"{base}?change={entry.token}"


ENTRIES_PER_PAGE = 25


@requires(Capability.WRITE_CASEWORK)
def mine(request: HttpRequest) -> HttpResponse:
    """What I recorded in Vigil, newest first: each entry, what it was about, what it did.

    Partners see here what they wrote, whatever their agreement lets them see of others'."""
    entries = Entry.objects.filter(written_by_id=request.user.pk).select_related("target")
    page = page_of(request, entries, ENTRIES_PER_PAGE)
    log_access(
        request, AuditAction.CASEWORK_LIST_MINE, "casework:mine", detail={"page": page.number}
    )
    rows = []
    for entry in page:
        flow = registry.get(entry.workflow)
        ended = sum(1 for e in entry.effects if e["after"] == "ends")
        late = sum(1 for e in entry.effects if e["after"] == "late")
        did = []
        if ended:
            did.append(f"ended {ended} alert{'s' if ended > 1 else ''}")
        if late:
            did.append(f"{late} alert{'s' if late > 1 else ''} marked late")
        rows.append(
            {
                "entry": entry,
                "what": (flow.noun if flow else "entry").capitalize(),
                "about": subject_text(Subject(record=entry.target, person_id=entry.person_id)),
                "did": "; ".join(did).capitalize() or "No alert changed",
            }
        )
    return render(request, "casework/mine.html", {"page": page, "rows": rows})
