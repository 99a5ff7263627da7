"""My work, the team page, and notifications.

My work is the landing page of police and MASH roles: what I hold (overdue first, then due
today, then the rest), my team's unassigned work, and what I handed on that is still open.
The team page is the supervisor's: the team's live work by person, with overdue counts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from vigil.access.permissions import Capability, any_signed_in, can, requires
from vigil.accounts.models import Team, User
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.ui.pages import bad_request, page_of
from vigil.work import actions, queries
from vigil.work.forms import MarkReadForm, NotificationFilterForm, TeamChoiceForm
from vigil.work.models import Notification

PER_PAGE = 50


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _items_logged(*lists: queries.WorkList) -> list[str]:
    """The items a page showed, by kind and key (ids only), for the access log."""
    return [f"{r['kind'].key}:{r['kind'].item_key(r['item'])}" for wl in lists for r in wl.rows]


@requires(Capability.MY_WORK)
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    now = timezone.now()
    mine = queries.work_list(lambda kind: queries.assigned_to(kind, me), now, me)
    team = me.team
    tray = (
        queries.work_list(lambda kind: queries.team_tray(kind, team), now, me)
        if team is not None
        else queries.WorkList()
    )
    handed = queries.work_list(lambda kind: queries.handed_on_by(kind, me), now, me)
    unread = list(Notification.objects.filter(recipient=me, read_at=None)[:5])
    # A supervisor's landing page shows their team's work by person too (the team page has more).
    by_person = (
        list(queries.team_counts(team, now, me).values())
        if team is not None and can(me, Capability.SUPERVISE)
        else []
    )
    log_access(
        request,
        AuditAction.WORK_VIEW_MINE,
        "work:mine",
        detail={"shown": _items_logged(mine, tray, handed)},
    )
    return render(
        request,
        "work/my_work.html",
        {
            "mine": mine,
            "tray": tray,
            "handed": handed,
            "team": me.team,
            "now": now,
            "notifications": unread,
            "can_act": can(me, Capability.ACT_ON_ALERTS),
            "by_person": by_person,
            "team_url": reverse("work:team") if can(me, Capability.SUPERVISE) else None,
        },
    )


@requires(Capability.SUPERVISE)
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = TeamChoiceForm(request.GET)
    if not form.is_valid():
        return bad_request(
            request, form, "The team page's team is not valid", back=reverse("work:team")
        )
    teams = list(Team.objects.filter(active=True))
    chosen_pk = form.cleaned_data["team"] or me.team_id
    chosen = next((t for t in teams if t.pk == chosen_pk), None)
    if chosen is None and form.cleaned_data["team"]:
        chosen = Team.objects.filter(pk=form.cleaned_data["team"]).first()
    now = timezone.now()
    loads: list[queries.PersonLoad] = []
    tray = queries.WorkList()
    closed: list[dict[str, Any]] = []
    if chosen is not None:
        loads, tray, closed = queries.team_load(chosen, now, me)
    shown = [
        f"{r['kind'].key}:{r['kind'].item_key(r['item'])}" for load in loads for r in load.rows
    ]
    log_access(
        request,
        AuditAction.WORK_VIEW_TEAM,
        f"work:team:{chosen.pk}" if chosen else "work:team",
        detail={"shown": shown + _items_logged(tray)},
    )
    return render(
        request,
        "work/team.html",
        {
            "team": chosen,
            "teams": teams,
            "loads": loads,
            "tray": tray,
            "closed": closed,
            "now": now,
            "total": sum(x.total for x in loads),
            "overdue": sum(x.overdue for x in loads),
        },
    )


@any_signed_in
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = NotificationFilterForm(request.GET)
    if not form.is_valid():
        return bad_request(
            request,
            form,
            "The notifications page's filter is not valid",
            back=reverse("work:notifications"),
        )
    show_all = form.cleaned_data["show"] == "all"
    mine = Notification.objects.filter(recipient=me)
    listed = mine if show_all else mine.filter(read_at=None)
    page = page_of(request, listed, PER_PAGE)
    log_access(
        request,
        AuditAction.NOTIFICATION_LIST,
        "work:notifications",
        detail={"shown": [n.pk for n in page.object_list]},
    )
    return render(
        request,
        "work/notifications.html",
        {"page": page, "show_all": show_all, "page_query": "show=all" if show_all else ""},
    )


@any_signed_in
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        log_access(
            request,
            AuditAction.NOTIFICATION_SUBMIT_READ,
            "work:notifications",
            detail={"refused": sorted(form.errors)},
        )
        return bad_request(
            request, form, "Nothing was marked as read", back=reverse("work:notifications")
        )
    pk = form.cleaned_data["notification"]
    try:
        marked = actions.mark_read(me, pk=None if form.cleaned_data["all"] else pk)
    except actions.WorkActionError as exc:
        log_access(
            request,
            AuditAction.NOTIFICATION_SUBMIT_READ,
            "work:notifications",
            detail={"refused": str(exc)},
        )
        raise Http404(str(exc)) from exc
    messages.success(
        request,
        "Marked as read." if len(marked) == 1 else f"{len(marked)} notifications marked as read.",
    )
    return redirect("work:notifications")
