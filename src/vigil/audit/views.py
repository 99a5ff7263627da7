"""The access-log viewer for auditors and administrators. Reading the log is itself logged."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from vigil.access.permissions import Capability, requires
from vigil.audit import actions
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.audit.models import AuditEntry

PAGE_SIZE = 50


class LogFilter(forms.Form):
    actor = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=64)
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])


def _names(usernames: set[str]) -> dict[str, str]:
    """Each username's full name as held now, to show beside the username the entry stores (the
    entry itself never changes). Through the user model Django is configured with, so the log
    does not depend on the accounts app that sits above it."""
    users = get_user_model().objects.filter(username__in=usernames).exclude(full_name="")
    return dict(users.values_list("username", "full_name"))


def _usernames(who: str) -> set[str]:
    """The usernames an auditor means by "who": the text as a username, and the usernames of
    anyone whose full name it is (any case), since staff know each other by name."""
    named = get_user_model().objects.filter(full_name__iexact=" ".join(who.split()))
    return {who, *named.values_list("username", flat=True)}


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@requires(Capability.VIEW_AUDIT_LOG)
@require_http_methods(["GET"])
def entries(request: HttpRequest) -> HttpResponse:
    form = LogFilter(request.GET)
    rows = AuditEntry.objects.order_by("-id")
    used: dict[str, str] = {}
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            rows = rows.filter(actor__in=_usernames(data["actor"]))
            used["actor"] = data["actor"]
        if data["action"]:
            # Today's name finds the entries written under an old one too; an old string that is
            # no action now (``audit.keyed``) is matched as written.
            action = actions.current(data["action"])
            rows = rows.filter(actions.matching(action) if action else Q(action=data["action"]))
            used["action"] = data["action"]
        if data["since"]:
            rows = rows.filter(at__gte=_day_start(data["since"]))
            used["since"] = data["since"].isoformat()
        if data["until"]:
            rows = rows.filter(at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
            used["until"] = data["until"].isoformat()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _names({entry.actor for entry in page.object_list})
    for entry in page.object_list:
        entry.actor_name = names.get(entry.actor, "")
    log_access(
        request, AuditAction.AUDIT_VIEW, "audit-log", detail={"filters": used, "page": page.number}
    )
    query = urlencode(used)
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "actions": _choices(),
            "query": query,
            "filtered": bool(used),
        },
    )


def _choices() -> list[str]:
    """The actions the log holds, each once under today's name; an old string stays as written
    when it is no action now or only its target says which action it was (the first "view")."""
    stored = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
    return sorted({str(actions.current(action) or action) for action in stored})
