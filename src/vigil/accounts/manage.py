"""Managing staff accounts (administrators only): the list, adding an account, changing its
name, rank, collar number, role, team or whether it may sign in, setting a new password, and
lifting a lockout. Teams are managed in ``teams``.

Every change goes through ``vigil.accounts.actions`` (the change and its audit entry in one
transaction); reading the list or an account is logged too, as it names staff. An administrator
cannot take away their own role or access (so the last one cannot lock everyone out).
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.access.permissions import Capability, requires
from vigil.accounts import actions
from vigil.accounts.forms import AddAccountForm, ChangeAccountForm, PasswordForm
from vigil.accounts.models import User
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction

PER_PAGE = 50


def _locked_usernames(usernames: list[str]) -> set[str]:
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        ).values_list("username", flat=True)
    )


def _list_context(request: HttpRequest, form: AddAccountForm) -> dict[str, Any]:
    # By name, as staff look for each other; accounts with no name yet sort by username.
    accounts = (
        User.objects.select_related("team")
        .order_by(Coalesce(NullIf("full_name", Value("")), "username").asc(), "username")
        .annotate(has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
    )
    page = Paginator(accounts, PER_PAGE).get_page(request.GET.get("page"))
    locked = _locked_usernames([u.username for u in page.object_list])
    for user in page.object_list:
        user.locked = user.username in locked
    return {"page": page, "form": form}


@requires(Capability.MANAGE_ACCOUNTS)
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def accounts(request: HttpRequest) -> HttpResponse:
    form = AddAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = actions.add_user(
                    data["username"],
                    data["role"],
                    data["password"],
                    actor=request.user.get_username(),
                    full_name=data["full_name"],
                    rank=data["rank"],
                    staff_number=data["staff_number"],
                    team=data["team"],
                )
            except actions.AccountError as exc:  # e.g. the team stopped meanwhile
                form.add_error(None, capfirst(str(exc)))
            else:
                messages.success(
                    request,
                    f"Account {user.username} created for "
                    f"{user.display_name}, role {user.get_role_display()}.",
                )
                return redirect("accounts:user", pk=user.pk)
        context = _list_context(request, form)
        log_access(
            request, AuditAction.ACCOUNT_LIST, "accounts", detail={"page": context["page"].number}
        )
        return render(request, "accounts/manage/list.html", context, status=400)
    context = _list_context(request, form)
    log_access(
        request, AuditAction.ACCOUNT_LIST, "accounts", detail={"page": context["page"].number}
    )
    return render(request, "accounts/manage/list.html", context)


def _user_context(
    request: HttpRequest,
    user: User,
    change: ChangeAccountForm | None = None,
    password: PasswordForm | None = None,
) -> dict[str, Any]:
    own = user.pk == request.user.pk
    return {
        "account": user,
        "own": own,
        "change": change or ChangeAccountForm.of(user),
        "password_form": password or PasswordForm(),
        "locked": bool(_locked_usernames([user.username])),
        "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }


@requires(Capability.MANAGE_ACCOUNTS)
@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.select_related("team"), pk=pk)
    if request.method == "POST":
        form = ChangeAccountForm(request.POST, account=user)
        if form.is_valid():
            data = form.cleaned_data
            active = data["status"] == "active"
            if user.pk == request.user.pk and (data["role"] != user.role or not active):
                form.add_error(
                    None,
                    "You cannot change your own role or stop yourself signing "
                    "in: ask another administrator",
                )
            else:
                try:
                    changes = actions.change_user(
                        user,
                        role=data["role"],
                        active=active,
                        full_name=data["full_name"],
                        rank=data["rank"],
                        staff_number=data["staff_number"],
                        team=data["team"],
                        actor=request.user.get_username(),
                    )
                except actions.AccountError as exc:  # e.g. the team stopped meanwhile
                    form.add_error(None, capfirst(str(exc)))
                else:
                    messages.success(request, "Account changed." if changes else "Nothing changed.")
                    return redirect("accounts:user", pk=user.pk)
        log_access(request, AuditAction.ACCOUNT_VIEW, f"user:{user.pk}")
        return render(
            request, "accounts/manage/user.html", _user_context(request, user, form), status=400
        )
    log_access(request, AuditAction.ACCOUNT_VIEW, f"user:{user.pk}")
    return render(request, "accounts/manage/user.html", _user_context(request, user))


@requires(Capability.MANAGE_ACCOUNTS)
@sensitive_post_parameters("password")
@never_cache
@require_POST
def account_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            actions.set_password(
                user, form.cleaned_data["password"], actor=request.user.get_username()
            )
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(
                request,
                f"A new password is set for {user.display_name}: give it to "
                "them in person, and ask them to change it.",
            )
            return redirect("accounts:user", pk=user.pk)
    log_access(request, AuditAction.ACCOUNT_VIEW, f"user:{user.pk}")
    return render(
        request,
        "accounts/manage/user.html",
        _user_context(request, user, password=form),
        status=400,
    )


@requires(Capability.MANAGE_ACCOUNTS)
@require_POST
def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    cleared = actions.unlock(user, actor=request.user.get_username())
    messages.success(
        request,
        f"{user.display_name} may sign in again."
        if cleared
        else f"{user.display_name} was not locked out.",
    )
    return redirect("accounts:user", pk=user.pk)
