"""Managing staff accounts (administrators only): the list, adding an account, changing its
role, team or whether it may sign in, setting a new password, and lifting a lockout.

Every change goes through ``vigil.accounts.actions`` (the change and its audit entry in one
transaction); reading the list or an account is logged too, as it names staff. An administrator
cannot take away their own role or access (so the last one cannot lock everyone out).
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.accounts import actions
from vigil.accounts.models import Role, User
from vigil.accounts.permissions import Capability, requires
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction

PER_PAGE = 50
STATUSES = [("active", "May sign in"), ("inactive", "May not sign in")]


class AddForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+$", max_length=150, label="Username",
        error_messages={"required": "Enter a username",
                        "invalid": "A username may hold only letters, digits and @ . + - _"})
    role = forms.ChoiceField(choices=Role.choices, label="Role",
                             error_messages={"required": "Choose a role"})
    team = forms.CharField(required=False, max_length=100, label="Team (optional)")
    password = forms.CharField(strip=False, label="First password", widget=forms.PasswordInput,
                               error_messages={"required": "Enter a first password"})

    def clean_username(self) -> str:
        name: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise ValidationError("An account with that username already exists")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("username"):
            try:
                validate_password(data["password"], User(username=data["username"]))
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class ChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role",
                             error_messages={"required": "Choose a role"})
    team = forms.CharField(required=False, max_length=100, label="Team (optional)")
    status = forms.ChoiceField(choices=STATUSES, widget=forms.RadioSelect, label="Signing in",
                               error_messages={"required": "Choose whether the account may sign in"})


class PasswordForm(forms.Form):
    password = forms.CharField(strip=False, label="New password", widget=forms.PasswordInput,
                               error_messages={"required": "Enter a new password"})


def _locked_usernames(usernames: list[str]) -> set[str]:
    return set(AccessAttempt.objects.filter(
        username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
    ).values_list("username", flat=True))


def _list_context(request: HttpRequest, form: AddForm) -> dict[str, Any]:
    accounts = (User.objects.order_by("username")
                .annotate(has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"),
                                                                      confirmed=True))))
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
    form = AddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            user = actions.add_user(data["username"], data["role"], data["password"],
                                    actor=request.user.get_username(), team=data["team"])
            messages.success(request, f"Account {user.username} created with role "
                                      f"{user.get_role_display()}.")
            return redirect("accounts:user", pk=user.pk)
        context = _list_context(request, form)
        log_access(request, AuditAction.ACCOUNT_LIST, "accounts", detail={"page": context["page"].number})
        return render(request, "accounts/manage/list.html", context, status=400)
    context = _list_context(request, form)
    log_access(request, AuditAction.ACCOUNT_LIST, "accounts", detail={"page": context["page"].number})
    return render(request, "accounts/manage/list.html", context)


def _user_context(request: HttpRequest, user: User, change: ChangeForm | None = None,
                  password: PasswordForm | None = None) -> dict[str, Any]:
    own = user.pk == request.user.pk
    return {
        "account": user, "own": own,
        "change": change or ChangeForm(initial={
            "role": user.role, "team": user.team,
            "status": "active" if user.is_active else "inactive"}),
        "password_form": password or PasswordForm(),
        "locked": bool(_locked_usernames([user.username])),
        "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }


@requires(Capability.MANAGE_ACCOUNTS)
@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        form = ChangeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            active = data["status"] == "active"
            if user.pk == request.user.pk and (data["role"] != user.role or not active):
                form.add_error(None, "You cannot change your own role or stop yourself signing "
                                     "in: ask another administrator")
            else:
                changes = actions.change_user(user, role=data["role"], team=data["team"],
                                              active=active, actor=request.user.get_username())
                messages.success(request, "Account changed." if changes else "Nothing changed.")
                return redirect("accounts:user", pk=user.pk)
        log_access(request, AuditAction.ACCOUNT_VIEW, f"user:{user.pk}")
        return render(request, "accounts/manage/user.html", _user_context(request, user, form),
                      status=400)
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
            actions.set_password(user, form.cleaned_data["password"],
                                 actor=request.user.get_username())
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(request, f"A new password is set for {user.username}: give it to "
                                      "them in person, and ask them to change it.")
            return redirect("accounts:user", pk=user.pk)
    log_access(request, AuditAction.ACCOUNT_VIEW, f"user:{user.pk}")
    return render(request, "accounts/manage/user.html",
                  _user_context(request, user, password=form), status=400)


@requires(Capability.MANAGE_ACCOUNTS)
@require_POST
def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    cleared = actions.unlock(user, actor=request.user.get_username())
    messages.success(request, f"{user.username} may sign in again." if cleared
                     else f"{user.username} was not locked out.")
    return redirect("accounts:user", pk=user.pk)
