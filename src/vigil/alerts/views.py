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

from vigil.accounts.models import Team, User
from vigil.accounts.permissions import ROLE_CAPABILITIES, Capability, can, requires
from vigil.alerts import actions
from vigil.alerts.forms import AcknowledgeForm, AssignForm, CloseForm
from vigil.alerts.models import Alert
from vigil.alerts.queries import (
    AGE_BANDS,
    SEVERITIES,
    STATUSES,
    AlertFilters,
    BadFilters,
)
from vigil.alerts.subjects import Subject, group_key, subjects
from vigil.alerts.titles import title
from vigil.audit.access import log_access
from vigil.records.models import Record
from vigil.ui.forms import first_error, shown
from vigil.ui.pages import bad_request, is_htmx, optional_url, page_of
from vigil.web.disclosure import kind_label, viewer_for

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
    alert.person_url = optional_url("web:person", alert.person_id) if alert.person_id else None  # type: ignore[attr-defined]
    return alert


@requires(Capability.VIEW_ALERTS)
@require_GET
def alert_queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        filters = AlertFilters.from_query(request.GET)
    except BadFilters as bad:
        return bad_request(request, bad.form, "The alert queue's filters are not valid",
                           back=reverse("alerts:queue"))
    matching = filters.apply(Alert.objects.all(), request.user, now)
    totals = matching.figures(now)
    page = page_of(request, filters.grouped(matching, totals["total"]), PER_PAGE,
                   count=totals["total"])
    ids = list(page.object_list)
    by_id = Alert.objects.select_related("assigned_to__team").in_bulk(ids)
    shown = [by_id[pk] for pk in ids if pk in by_id]
    page.object_list = shown
    for alert in shown:
        _decorate(alert, now)
    codes = Alert.objects.live().by_code()
    selected_codes = set(filters.codes)
    known_codes = {c["code"] for c in codes}
    codes += [{"code": c, "n": 0} for c in filters.codes if c not in known_codes]
    teams = list(Team.objects.filter(members__isnull=False).distinct().values_list("name", flat=True))
    assignee_name = ""
    if filters.assignee.isdigit():
        assignee = User.objects.filter(pk=int(filters.assignee)).only("username", "full_name").first()
        assignee_name = assignee.display_name if assignee else "unknown account"
    named = subjects(shown, viewer_for(request.user))
    # The queue shows people by name, age and date of birth: the log says whom.
    log_access(request, "view", "alert-queue", detail={
        "filters": filters.params(), "shown": len(page),
        "people": sorted({pid for s in named.values() for pid in s.person_ids})})
    return render(request, "alerts/alert_queue.html", {
        "page": page, "filters": filters, "totals": totals, "now": now,
        "groups": _groups(shown, named),
        "codes": sorted((dict(c, selected=c["code"] in selected_codes, title=title(c["code"]))
                         for c in codes), key=lambda c: c["title"]),
        "severities": [{"value": s, "selected": s in filters.severities} for s in SEVERITIES],
        "statuses": [{"value": k, "label": v, "selected": k == filters.status} for k, v in STATUSES.items()],
        "ages": [{"value": b[0], "label": b[1], "selected": b[0] == filters.age} for b in AGE_BANDS],
        "teams": [{"value": t, "selected": t == filters.team} for t in teams],
        "tags": _tags(filters, assignee_name),
        "columns": _columns(filters),
        "page_query": filters.query(),
    })


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
        tags.append({"label": title(code), "query": filters.query(code=[c for c in filters.codes if c != code])})
    for severity in filters.severities:
        tags.append({"label": severity.capitalize(),
                     "query": filters.query(severity=[s for s in filters.severities if s != severity])})
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
    for key, label in (("code", "Alert"), ("severity", "Severity"), ("status", "Status"),
                       ("raised", "Raised"), ("due", "Due"), ("assignee", "Assigned to")):
        current = filters.sort == key
        descending = not filters.descending if current else False
        out.append({
            "label": label,
            "sort": ("descending" if filters.descending else "ascending") if current else "none",
            "query": filters.query(sort=key, dir="desc" if descending else "", page=""),
        })
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
    found = {(r.source_system, r.source_id): r for r in Record.objects.filter(q).only(
        "id", "source_system", "source_id", "record_type", "occurred_at", "summary")}
    see_intelligence = can(user, Capability.VIEW_INTELLIGENCE)
    rows = []
    for system, source_id in keys:
        record = found.get((system, source_id))
        rows.append({
            "system": system, "source_id": source_id, "record": record,
            "url": optional_url("web:record", record.pk) if record else None,
            "kind": kind_label(record.record_type) if record else "",
            "summary": (record.summary if record and (record.record_type != "intelligence"
                                                      or see_intelligence) else ""),
        })
    rows.sort(key=lambda r: (r["record"].occurred_at if r["record"] else timezone.now()))
    return rows


def assignable_users() -> list[User]:
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.ACT_ON_ALERTS in caps]
    return list(User.objects.filter(is_active=True, role__in=roles).select_related("team").order_by("team__name", "username"))


def _lifecycle_context(request: HttpRequest, alert: Alert, errors: dict[str, str] | None = None,
                       values: dict[str, str] | None = None) -> dict[str, Any]:
    now = timezone.now()
    _decorate(alert, now)
    user = request.user
    return {
        "alert": alert,
        "events": list(alert.events.all()),
        "can_act": can(user, Capability.ACT_ON_ALERTS),
        "can_assign": can(user, Capability.ASSIGN_ALERTS),
        "assignees": assignable_users() if can(user, Capability.ASSIGN_ALERTS) and alert.status in actions.LIVE else [],
        "errors": errors or {},
        "values": values or {},
        "live": alert.status in actions.LIVE,
    }


def _get_alert(alert_id: str) -> Alert:
    return get_object_or_404(Alert.objects.select_related("assigned_to", "acknowledged_by", "closed_by"),
                             alert_id=alert_id)


@requires(Capability.VIEW_ALERTS)
@require_GET
def alert_detail(request: HttpRequest, alert_id: str) -> HttpResponse:
    alert = _get_alert(alert_id)
    log_access(request, "view", f"alert:{alert.alert_id}",
               detail={"person_id": alert.person_id, "code": alert.code})
    return render(request, "alerts/alert.html", _page_context(request, alert))


def _page_context(request: HttpRequest, alert: Alert, **lifecycle: Any) -> dict[str, Any]:
    return {
        **_lifecycle_context(request, alert, **lifecycle),
        "evidence": _evidence(alert, request.user),
        "subject": subjects([alert], viewer_for(request.user))[alert.pk],
    }


def _respond(request: HttpRequest, alert: Alert, *, done: str = "",
             errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> HttpResponse:
    """After an action: htmx gets the lifecycle panel; a plain form post a page or a redirect."""
    if is_htmx(request):
        context = _lifecycle_context(request, alert, errors, values)
        context.update(done=done, panel_summary=True)
        response = render(request, "alerts/_alert_lifecycle.html", context)
        response["Vary"] = "HX-Request"
        return response
    if errors:
        return render(request, "alerts/alert.html",
                      _page_context(request, alert, errors=errors, values=values), status=400)
    messages.success(request, done)
    return redirect("alerts:alert", alert_id=alert.alert_id)


def _act(request: HttpRequest, alert_id: str, what: str, fields: dict[str, str],
         change: Any, done: str, error_field: str) -> HttpResponse:
    with transaction.atomic():
        alert = get_object_or_404(Alert.objects.select_for_update(), alert_id=alert_id)
        log_access(request, "change", f"alert:{alert.alert_id}",
                   detail={"action": what, "person_id": alert.person_id})
        try:
            change(alert)
        except actions.AlertActionError as exc:
            message = str(exc)
            failed = True
        else:
            failed = False
    alert = _get_alert(alert_id)
    if failed:
        return _respond(request, alert, errors={error_field: _sentence(message)}, values=fields)
    return _respond(request, alert, done=done)


def _me(request: HttpRequest) -> User:
    """The signed-in account (the middleware and ``@requires`` let no one else this far)."""
    assert isinstance(request.user, User)
    return request.user


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _refused(request: HttpRequest, alert_id: str, what: str, form: Any, field: str) -> HttpResponse:
    """A form that was not valid: logged as a refused change, the error shown by the field."""
    alert = _get_alert(alert_id)
    log_access(request, "change", f"alert:{alert.alert_id}",
               detail={"action": what, "refused": sorted(form.errors), "person_id": alert.person_id})
    return _respond(request, alert, errors={field: first_error(form, field)},
                    values={field: shown(form, field)})


@requires(Capability.ACT_ON_ALERTS)
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: str) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _refused(request, alert_id, "acknowledge", form, "note")
    note = form.cleaned_data["note"]
    return _act(request, alert_id, "acknowledge", {"note": note},
                lambda alert: actions.acknowledge(alert, actor=_me(request), note=note),
                "Alert acknowledged.", "note")


@requires(Capability.ACT_ON_ALERTS)
@require_POST
def alert_close(request: HttpRequest, alert_id: str) -> HttpResponse:
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _refused(request, alert_id, "close", form, "rationale")
    rationale = form.cleaned_data["rationale"]
    return _act(request, alert_id, "close", {"rationale": rationale},
                lambda alert: actions.close(alert, actor=_me(request), rationale=rationale),
                "Alert closed.", "rationale")


@requires(Capability.ASSIGN_ALERTS)
@require_POST
def alert_assign(request: HttpRequest, alert_id: str) -> HttpResponse:
    form = AssignForm(request.POST)
    assignee: User | None = None
    if form.is_valid() and form.cleaned_data["assignee"]:
        assignee = User.objects.filter(pk=int(form.cleaned_data["assignee"])).first()
        if assignee is None:
            form.add_error("assignee", "Choose a person from the list")
    if not form.is_valid():
        return _refused(request, alert_id, "assign", form, "assignee")
    chosen = form.cleaned_data["assignee"]
    done = f"Alert assigned to {assignee.get_username()}." if assignee else "Alert unassigned."
    return _act(request, alert_id, "assign", {"assignee": chosen},
                lambda alert: actions.assign(alert, actor=_me(request), assignee=assignee),
                done, "assignee")
