"""Teams (administrators only): the list with how many people each holds, adding a team, and a
team's page with its members by name, renaming it and stopping or resuming its use.

A team is never deleted: accounts, work given to it and the access log go on naming it, so one no
longer needed is stopped, which keeps it off the account forms. Every change goes through
``vigil.accounts.actions``; reading a team's page is logged, as it names staff.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from vigil.access.permissions import Capability, requires
from vigil.accounts import actions
from vigil.accounts.forms import TeamForm, TeamStatusForm
from vigil.accounts.models import Team
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction


def _teams() -> list[Team]:
    return list(
        Team.objects.annotate(
            people=Count("members", filter=Q(members__is_active=True)),
            stopped_people=Count("members", filter=Q(members__is_active=False)),
        ).order_by("-active", "name")
    )


@requires(Capability.MANAGE_ACCOUNTS)
@never_cache
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        team = actions.create_team(form.cleaned_data["name"], actor=request.user.get_username())
        messages.success(
            request, f"Team {team.name} added. Choose it on an account's page to put someone in it."
        )
        return redirect("accounts:teams")
    return render(
        request,
        "accounts/manage/teams.html",
        {"form": form, "teams": _teams()},
        status=400 if form.is_bound else 200,
    )


def _team_context(
    team: Team, rename: TeamForm | None = None, status: TeamStatusForm | None = None
) -> dict[str, Any]:
    members = list(team.members.order_by("-is_active", "full_name", "username"))
    return {
        "team": team,
        "members": members,
        "active_members": sum(1 for m in members if m.is_active),
        "rename": rename or TeamForm(team=team, initial={"name": team.name}),
        "status": status or TeamStatusForm(),
    }


@requires(Capability.MANAGE_ACCOUNTS)
@never_cache
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Team, pk=pk)
    if request.method == "POST":
        form = TeamForm(request.POST, team=found)
        if form.is_valid():
            old = found.name
            if actions.rename_team(
                found, form.cleaned_data["name"], actor=request.user.get_username()
            ):
                messages.success(request, f"{old} is now called {found.name}.")
            else:
                messages.success(request, "Nothing changed.")
            return redirect("accounts:team", pk=found.pk)
        log_access(request, AuditAction.TEAM_VIEW, f"team:{found.pk}")
        return render(
            request, "accounts/manage/team.html", _team_context(found, rename=form), status=400
        )
    log_access(request, AuditAction.TEAM_VIEW, f"team:{found.pk}")
    return render(request, "accounts/manage/team.html", _team_context(found))


@requires(Capability.MANAGE_ACCOUNTS)
@never_cache
@require_POST
def team_status(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Team, pk=pk)
    form = TeamStatusForm(request.POST)
    if not form.is_valid():
        log_access(request, AuditAction.TEAM_VIEW, f"team:{found.pk}")
        return render(
            request, "accounts/manage/team.html", _team_context(found, status=form), status=400
        )
    active = form.cleaned_data["active"]
    actions.set_team_active(found, active, actor=request.user.get_username())
    if active:
        messages.success(
            request, f"{found.name} is in use again: it is offered on the account forms."
        )
    else:
        messages.success(
            request,
            f"{found.name} is no longer used: it is not offered for new "
            "accounts. Its members stay in it until you move them.",
        )
    return redirect("accounts:team", pk=found.pk)
