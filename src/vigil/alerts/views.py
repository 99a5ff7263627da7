"""The alert queue, one alert's page, and the actions people take on alerts.

Views stay thin: the filters live in ``queries``, every change in ``vigil.alerts.actions``.
Actions are ordinary POST forms that htmx upgrades (the alert's lifecycle panel is swapped
in place); without JavaScript the same POST redirects back to the alert's page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from vigil.access.disclosure import kind_label, viewer_for
from vigil.access.permissions import ROLE_CAPABILITIES, Capability, can, requires
from vigil.accounts.models import Team, User
from vigil.alerts import actions
from vigil.alerts.forms import AcknowledgeForm, AssignForm, CloseForm, NoteForm
from vigil.alerts.models import Alert
from vigil.alerts.queries import (
    SEVERITIES,
    STATUSES,
    AlertFilters,
    BadFilters,
)
from vigil.alerts.querysets import AGE_BANDS
from vigil.alerts.subjects import Subject, group_key, subjects
from vigil.alerts.titles import title
from vigil.alerts.work import outcomes
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.records.models import Record
from vigil.ui.forms import first_error, shown
from vigil.ui.pages import bad_request, is_htmx, optional_url, page_of
from vigil.work import registry as work_registry
from vigil.work.actions import WorkActionError

PER_PAGE = 50
SEVERITY_COLOURS = {"critical": "red", "high": "orange", "medium": "yellow", "low": "grey"}
STATUS_COLOURS = {"open": "blue", "acknowledged": "purple", "closed": "grey", "resolved": "green"}


def breakable(code: str) -> str:
    """A rule code that may wrap after its underscores in a narrow column."""
    return mark_safe("_<wbr>".join(escape(part) for part in code.split("_")))  # noqa: S308 (escaped)


def is_overdue(alert: Alert, now: dt.datetime) -> bool:
    return bool(alert.due_at and alert.due_at < now and alert.status in actions.LIVE)


def _decorate(alert: Alert, now: dt.datetime) -> Alert:
    alert.overdue = is_overdue(alert, now)  # type: ignore[attr-defined]
    alert.severity_colour = SEVERITY_COLOURS.get(alert.severity, "grey")  # type: ignore[attr-defined]
    alert.status_colour = STATUS_COLOURS.get(alert.status, "grey")  # type: ignore[attr-defined]
    alert.code_display = breakable(alert.code)  # type: ignore[attr-defined]
    alert.title = title(alert.code, alert.thresholds)  # type: ignore[attr-defined]
    alert.person_url = optional_url("people:person", alert.person_id) if alert.person_id else None  # type: ignore[attr-defined]
    return alert


@requires(Capability.VIEW_ALERTS)
@require_GET
def alert_queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        filters = AlertFilters.from_query(request.GET)
    except BadFilters as bad:
        return bad_request(
            request,
            bad.form,
            "The alert queue's filters are not valid",
            back=reverse("alerts:queue"),
        )
    matching = filters.apply(Alert.objects.all(), request.user, now)
    totals = matching.figures(now)
    page = page_of(
        request, filters.grouped(matching, totals["total"]), PER_PAGE, count=totals["total"]
    )
    ids = list(page.object_list)
    by_id = Alert.objects.select_related("assigned_to__team", "assigned_team").in_bulk(ids)
    shown = [by_id[pk] for pk in ids if pk in by_id]
    page.object_list = shown
    for alert in shown:
        _decorate(alert, now)
    codes = Alert.objects.live().by_code()
    selected_codes = set(filters.codes)
    known_codes = {c["code"] for c in codes}
    codes += [{"code": c, "n": 0} for c in filters.codes if c not in known_codes]
    teams = list(
        Team.objects.filter(members__isnull=False).distinct().values_list("name", flat=True)
    )
    assignee_name = ""
    if filters.assignee.isdigit():
        assignee = (
            User.objects.filter(pk=int(filters.assignee)).only("username", "full_name").first()
        )
        assignee_name = assignee.display_name if assignee else "unknown account"
    named = subjects(shown, viewer_for(request.user))
    # The queue shows people by name, age and date of birth: the log says whom.
    log_access(
        request,
        AuditAction.ALERT_LIST,
        "alert-queue",
        detail={
            "filters": filters.params(),
            "shown": len(page),
            "people": sorted({pid for s in named.values() for pid in s.person_ids}),
        },
    )
    return render(
        request,
        "alerts/alert_queue.html",
        {
            "page": page,
            "filters": filters,
            "totals": totals,
            "now": now,
            "groups": _groups(shown, named),
            "codes": sorted(
                (
                    dict(c, selected=c["code"] in selected_codes, title=title(c["code"]))
                    for c in codes
                ),
                key=lambda c: c["title"],
            ),
            "severities": [{"value": s, "selected": s in filters.severities} for s in SEVERITIES],
            "statuses": [
                {"value": k, "label": v, "selected": k == filters.status}
                for k, v in STATUSES.items()
            ],
            "ages": [
                {"value": b[0], "label": b[1], "selected": b[0] == filters.age} for b in AGE_BANDS
            ],
            "teams": [{"value": t, "selected": t == filters.team} for t in teams],
            "tags": _tags(filters, assignee_name),
            "columns": _columns(filters),
            "page_query": filters.query(),
        },
    )


def _groups(alerts: list[Alert], named: dict[int, Subject]) -> list[dict[str, Any]]:
    """The page's alerts under their subjects, in the order ``AlertFilters.grouped`` gives
    (one subject's alerts are consecutive there)."""
    groups: list[dict[str, Any]] = []
    for alert in alerts:
        key = group_key(alert)
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "subject": named[alert.pk], "alerts": []})
        alert.subject = named[alert.pk]  # type: ignore[attr-defined]
        groups[-1]["alerts"].append(alert)
    return groups


def _tags(filters: AlertFilters, assignee_name: str) -> list[dict[str, str]]:
    """The MOJ filter's selected-filter tags, each a link that removes that filter."""
    tags = []
    if filters.status != "live":
        tags.append({"label": STATUSES[filters.status], "query": filters.query(status="live")})
    for code in filters.codes:
        tags.append(
            {
                "label": title(code),
                "query": filters.query(code=[c for c in filters.codes if c != code]),
            }
        )
    for severity in filters.severities:
        tags.append(
            {
                "label": severity.capitalize(),
                "query": filters.query(severity=[s for s in filters.severities if s != severity]),
            }
        )
    if filters.team:
        tags.append({"label": f"Team {filters.team}", "query": filters.query(team="")})
    if filters.assignee:
        label = "Unassigned" if filters.assignee == "none" else f"Assigned to {assignee_name}"
        tags.append({"label": label, "query": filters.query(assignee="")})
    if filters.mine:
        tags.append({"label": "Assigned to me", "query": filters.query(mine="")})
    if filters.overdue:
        tags.append({"label": "Overdue", "query": filters.query(overdue="")})
    if filters.age:
        label = next(b[1] for b in AGE_BANDS if b[0] == filters.age)
        tags.append({"label": f"Raised {label.lower()} ago", "query": filters.query(age="")})
    return tags


def _columns(filters: AlertFilters) -> list[dict[str, Any]]:
    """Sortable column headers (server-side sorting, marked with aria-sort)."""
    out = []
    for key, label in (
        ("code", "Alert"),
        ("severity", "Severity"),
        ("status", "Status"),
        ("raised", "Raised"),
        ("due", "Due"),
        ("assignee", "Assigned to"),
    ):
        current = filters.sort == key
        descending = not filters.descending if current else False
        out.append(
            {
                "label": label,
                "sort": ("descending" if filters.descending else "ascending")
                if current
                else "none",
                "query": filters.query(sort=key, dir="desc" if descending else "", page=""),
            }
        )
    return out


# One alert ------------------------------------------------------------------------------------


def _evidence(alert: Alert, user: Any) -> list[dict[str, Any]]:
    """The alert's evidence records, found in one query, each linking to its record page."""
    keys = [(s, i) for s, i in alert.evidence]
    if not keys:
        return []
    q = Q()
    for system, source_id in keys:
        q |= Q(source_system=system, source_id=source_id)
    found = {
        (r.source_system, r.source_id): r
        for r in Record.objects.filter(q).only(
            "id", "source_system", "source_id", "record_type", "occurred_at", "summary"
        )
    }
    see_intelligence = can(user, Capability.VIEW_INTELLIGENCE)
    rows = []
    for system, source_id in keys:
        record = found.get((system, source_id))
        rows.append(
            {
                "system": system,
                "source_id": source_id,
                "record": record,
                "url": optional_url("people:record", record.pk) if record else None,
                "kind": kind_label(record.record_type) if record else "",
                "summary": (
                    record.summary
                    if record and (record.record_type != "intelligence" or see_intelligence)
                    else ""
                ),
            }
        )
    rows.sort(key=lambda r: r["record"].occurred_at if r["record"] else timezone.now())
    return rows


def assignable_users() -> list[User]:
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.ACT_ON_ALERTS in caps]
    return list(
        User.objects.filter(is_active=True, role__in=roles)
        .select_related("team")
        .order_by("team__name", "full_name", "username")
    )


def _person_label(user: User) -> str:
    return ", ".join(
        p
        for p in (
            user.display_name,
            user.rank or user.get_role_display(),
            user.team.name if user.team else "",
        )
        if p
    )


EVENT_TITLES = {
    "raised": "Raised",
    "updated": "Evidence updated",
    "reopened": "Opened again",
    "resolved": "Resolved by the rules",
    "acknowledged": "Acknowledged",
    "assigned": "Assigned",
    "handed_on": "Handed on",
    "unassigned": "Taken back",
    "note": "Note",
    "closed": "Closed",
}


def _history(alert: Alert) -> list[dict[str, Any]]:
    """The alert's events, each with its actor by name and its outcome by label."""
    events = list(alert.events.all())
    names = {
        u.username: u.display_name
        for u in User.objects.filter(username__in={e.actor for e in events}).only(
            "username", "full_name"
        )
    }
    kind = work_registry.kind_of(alert)
    out = []
    for e in events:
        detail = e.detail or {}
        outcome = detail.get("outcome")
        out.append(
            {
                "at": e.at,
                "title": EVENT_TITLES.get(e.action, e.action.replace("_", " ").capitalize()),
                "by": names.get(e.actor) or ("the rules" if e.actor == actions.ENGINE else e.actor),
                "detail": detail,
                "action": e.action,
                "outcome": kind.outcome_label(alert, outcome) if outcome else "",
            }
        )
    return out


def _lifecycle_context(
    request: HttpRequest,
    alert: Alert,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    now = timezone.now()
    _decorate(alert, now)
    user = request.user
    can_act = can(user, Capability.ACT_ON_ALERTS)
    live = alert.status in actions.LIVE
    kind = work_registry.kind_of(alert)
    return {
        "alert": alert,
        "events": _history(alert),
        "can_act": can_act,
        "assignees": [
            {"value": f"user:{u.pk}", "label": _person_label(u)} for u in assignable_users()
        ]
        if can_act and live
        else [],
        "teams": [
            {"value": f"team:{t.pk}", "label": f"{t.name} (unassigned work)"}
            for t in Team.objects.filter(active=True)
        ]
        if can_act and live
        else [],
        "holds_it": alert.assigned_to_id is not None
        and alert.assigned_to_id == getattr(user, "pk", None),
        "outcomes": outcomes(alert)
        if can_act and alert.status == Alert.Status.ACKNOWLEDGED
        else (),
        "outcome_label": kind.outcome_label(alert, alert.outcome) if alert.outcome else "",
        "errors": errors or {},
        "values": values or {},
        "live": live,
    }


def _get_alert(alert_id: str) -> Alert:
    return get_object_or_404(
        Alert.objects.select_related(
            "assigned_to__team", "assigned_team", "assigned_by", "acknowledged_by", "closed_by"
        ),
        alert_id=alert_id,
    )


@requires(Capability.VIEW_ALERTS)
@require_GET
def alert_detail(request: HttpRequest, alert_id: str) -> HttpResponse:
    alert = _get_alert(alert_id)
    log_access(
        request,
        AuditAction.ALERT_VIEW,
        f"alert:{alert.alert_id}",
        detail={"person_id": alert.person_id, "code": alert.code},
    )
    return render(request, "alerts/alert.html", _page_context(request, alert))


def _page_context(request: HttpRequest, alert: Alert, **lifecycle: Any) -> dict[str, Any]:
    return {
        **_lifecycle_context(request, alert, **lifecycle),
        "evidence": _evidence(alert, request.user),
        "subject": subjects([alert], viewer_for(request.user))[alert.pk],
        "duty_links": (
            work_registry.duty_links(request.user, alert) if alert.status in actions.LIVE else []
        ),
    }


def _respond(
    request: HttpRequest,
    alert: Alert,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    """After an action: htmx gets the lifecycle panel; a plain form post a page or a redirect."""
    if is_htmx(request):
        context = _lifecycle_context(request, alert, errors, values)
        context.update(done=done, panel_summary=True)
        response = render(request, "alerts/_alert_lifecycle.html", context)
        response["Vary"] = "HX-Request"
        return response
    if errors:
        return render(
            request,
            "alerts/alert.html",
            _page_context(request, alert, errors=errors, values=values),
            status=400,
        )
    messages.success(request, done)
    return redirect("alerts:alert", alert_id=alert.alert_id)


def _act(
    request: HttpRequest,
    alert_id: str,
    what: str,
    fields: dict[str, str],
    change: Any,
    done: str,
    error_field: str,
    note_field: str = "",
) -> HttpResponse:
    with transaction.atomic():
        alert = get_object_or_404(Alert.objects.select_for_update(), alert_id=alert_id)
        log_access(
            request,
            AuditAction.ALERT_SUBMIT_CHANGE,
            f"alert:{alert.alert_id}",
            detail={"action": what, "person_id": alert.person_id},
        )
        try:
            change(alert)
        except WorkActionError as exc:
            message, at_fault = str(exc), exc.field
            failed = True
        else:
            failed = False
    alert = _get_alert(alert_id)
    if failed:
        # A hand-on refused for want of a note is the note's error, not the person's.
        field = note_field if note_field and at_fault == "note" else (at_fault or error_field)
        return _respond(request, alert, errors={field: _sentence(message)}, values=fields)
    return _respond(request, alert, done=done)


def _me(request: HttpRequest) -> User:
    """The signed-in account (the middleware and ``@requires`` let no one else this far)."""
    assert isinstance(request.user, User)
    return request.user


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


FIELD_IDS = {"note": "assign_note"}  # the assign form's note, apart from the acknowledge form's


def _refused(
    request: HttpRequest,
    alert_id: str,
    what: str,
    form: Any,
    field: str,
    keep: dict[str, str] | None = None,
    all_errors: bool = False,
) -> HttpResponse:
    """A form that was not valid: logged as a refused change, each error shown by its field."""
    alert = _get_alert(alert_id)
    log_access(
        request,
        AuditAction.ALERT_SUBMIT_CHANGE,
        f"alert:{alert.alert_id}",
        detail={"action": what, "refused": sorted(form.errors), "person_id": alert.person_id},
    )
    if all_errors:
        errors = {name: first_error(form, name) for name in form.errors}
    else:
        errors = {
            field: first_error(form, field if field in form.errors else next(iter(form.errors)))
        }
    if what == "assign":
        errors = {FIELD_IDS.get(k, k): v for k, v in errors.items()}
    return _respond(request, alert, errors=errors, values=keep or {field: shown(form, field)})


@requires(Capability.ACT_ON_ALERTS)
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: str) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _refused(request, alert_id, "acknowledge", form, "note")
    note = form.cleaned_data["note"]
    return _act(
        request,
        alert_id,
        "acknowledge",
        {"note": note},
        lambda alert: actions.acknowledge(alert, actor=_me(request), note=note),
        "Alert acknowledged.",
        "note",
    )


@requires(Capability.ACT_ON_ALERTS)
@require_POST
def alert_close(request: HttpRequest, alert_id: str) -> HttpResponse:
    alert = _get_alert(alert_id)
    form = CloseForm(request.POST, outcomes=outcomes(alert))
    if not form.is_valid():
        field = "outcome" if "outcome" in form.errors else "rationale"
        return _refused(
            request,
            alert_id,
            "close",
            form,
            field,
            keep={"outcome": shown(form, "outcome"), "rationale": shown(form, "rationale")},
            all_errors=True,
        )
    outcome, rationale = form.cleaned_data["outcome"], form.cleaned_data["rationale"]
    return _act(
        request,
        alert_id,
        "close",
        {"outcome": outcome, "rationale": rationale},
        lambda alert: actions.close(
            alert, actor=_me(request), outcome=outcome, rationale=rationale
        ),
        "Alert closed.",
        "rationale",
    )


@requires(Capability.ACT_ON_ALERTS)
@require_POST
def alert_note(request: HttpRequest, alert_id: str) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, alert_id, "note", form, "text")
    text = form.cleaned_data["text"]
    return _act(
        request,
        alert_id,
        "note",
        {"text": text},
        lambda alert: actions.add_note(alert, actor=_me(request), text=text),
        "Note added.",
        "text",
    )


@requires(Capability.ACT_ON_ALERTS)
@require_POST
def alert_assign(request: HttpRequest, alert_id: str) -> HttpResponse:
    form = AssignForm(request.POST)
    person: User | None = None
    team: Team | None = None
    if form.is_valid():
        kind, pk = form.cleaned_data["assignee"]
        if kind == "user":
            person = User.objects.filter(pk=pk).select_related("team").first()
            if person is None:
                form.add_error("assignee", "Choose a person or a team from the list")
        elif kind == "team":
            team = Team.objects.filter(pk=pk).first()
            if team is None:
                form.add_error("assignee", "Choose a person or a team from the list")
    if not form.is_valid():
        field = "assignee" if "assignee" in form.errors else "assign_note"
        return _refused(
            request,
            alert_id,
            "assign",
            form,
            field,
            keep={"assignee": shown(form, "assignee"), "assign_note": shown(form, "note")},
        )
    note = form.cleaned_data["note"]
    if person is not None and person.pk == _me(request).pk:
        done = "You have taken this alert: it is on your My work."
    elif person is not None:
        done = f"Alert given to {person.display_name}."
    elif team is not None:
        done = f"Alert given to {team.name}."
    else:
        done = "Alert taken back: nobody holds it now."
    values = {"assignee": shown(form, "assignee"), "assign_note": note}
    return _act(
        request,
        alert_id,
        "assign",
        values,
        lambda alert: actions.assign(
            alert, actor=_me(request), assignee=person, team=team, note=note
        ),
        done,
        "assignee",
        note_field="assign_note",
    )
