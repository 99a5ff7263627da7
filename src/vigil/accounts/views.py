"""Signing in (password, then a TOTP code where the account has one or its role needs one),
signing out, the account page, password change and second-factor enrolment.

A password alone never makes a session when a second factor is due: the checked password is
remembered in the (anonymous, rotated) session for a few minutes while the code is asked for,
and only a right code signs in. Wrong codes count towards the same lockout as wrong passwords.
"""

from __future__ import annotations

import time
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.access.permissions import DESCRIPTIONS, Capability, any_signed_in, capabilities
from vigil.accounts import actions
from vigil.accounts.forms import CodeForm, ReplaceCodeForm
from vigil.accounts.lockout import locked_out
from vigil.accounts.models import User

PENDING = "vigil_pending_sign_in"


def second_factor_required(user: Any) -> bool:
    return getattr(user, "role", "") in settings.VIGIL_TOTP_REQUIRED_ROLES


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- signing in -------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if confirmed_device(user) or second_factor_required(user):
            request.session.cycle_key()
            request.session[PENDING] = {
                "user": user.pk,
                "at": time.time(),
                "next": next_url,
                "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            }
            if confirmed_device(user):
                return redirect("accounts:second-factor")
            return redirect("accounts:second-factor-enrol")
        login(request, user)
        return redirect(next_url)
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > settings.VIGIL_SECOND_FACTOR_SECONDS:
        del request.session[PENDING]
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return (user, pending) if user else None


def _finish_sign_in(
    request: HttpRequest, user: User, pending: dict[str, Any], device: TOTPDevice
) -> HttpResponse:
    del request.session[PENDING]
    request.vigil_second_factor = True  # type: ignore[attr-defined]
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    return redirect(_safe_next(request, pending.get("next")))


def _code_failed(request: HttpRequest, user: User) -> None:
    request.vigil_second_factor_stage = True  # type: ignore[attr-defined]
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponseBase:
    found = _pending_user(request)
    if found is None:
        return redirect("accounts:sign-in")
    user, pending = found
    device = confirmed_device(user)
    if device is None:
        return redirect("accounts:second-factor-enrol")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not AxesProxyHandler.is_allowed(request, {"username": user.get_username()}):
            return locked_out(request)
        if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
            return _finish_sign_in(request, user, pending, device)
        _code_failed(request, user)
        if form.is_valid():
            form.add_error(
                "code",
                "The code is not right, or has expired: enter the code "
                "your authenticator app shows now",
            )
    return render(request, "accounts/second_factor.html", {"form": form})


def _qr_svg(device: TOTPDevice) -> str:
    # Inline SVG: no script and no style attribute, so it passes the Content Security Policy.
    return str(
        segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, omitsize=False)
    )


def _enrolment_context(device: TOTPDevice, form: CodeForm) -> dict[str, Any]:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return {
        "form": form,
        "qr_svg": _qr_svg(device),
        "replacing": isinstance(form, ReplaceCodeForm),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


def _enrol(
    request: HttpRequest, user: User, current: TOTPDevice | None = None
) -> tuple[TOTPDevice | None, HttpResponse | None]:
    """Show the QR code (GET) or confirm a code against the unconfirmed device (POST). When
    ``current`` (a confirmed device) is given, it is being replaced: its code is needed too."""
    form_class = ReplaceCodeForm if current is not None else CodeForm
    if request.method == "POST":
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        form = form_class(request.POST)
        if device is None:
            return None, redirect(request.path)
        if (
            current is not None
            and form.is_valid()
            and not current.verify_token(form.cleaned_data["current_code"])
        ):
            form.add_error(
                "current_code",
                "The code from your current authenticator app is "
                "not right: enter the code it shows now",
            )
        if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
            actions.confirm_second_factor(user, device, replaced=current is not None)
            return device, None
        if form.is_valid():
            form.add_error(
                "code", "The code is not right: enter the code your authenticator app shows now"
            )
        return None, render(
            request,
            "accounts/enrol.html",
            _enrolment_context(device, form) | {"pending": not request.user.is_authenticated},
            status=400,
        )
    device = actions.start_second_factor(user)
    return None, render(
        request,
        "accounts/enrol.html",
        _enrolment_context(device, form_class()) | {"pending": not request.user.is_authenticated},
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: HttpRequest) -> HttpResponseBase:
    """Enrolment during sign-in, for a role that must use a second factor and has none yet."""
    found = _pending_user(request)
    if found is None:
        return redirect("accounts:sign-in")
    user, pending = found
    if confirmed_device(user):
        return redirect("accounts:second-factor")
    if request.method == "POST" and not AxesProxyHandler.is_allowed(
        request, {"username": user.get_username()}
    ):
        return locked_out(request)
    device, response = _enrol(request, user)
    if device is not None:
        return _finish_sign_in(request, user, pending, device)
    assert response is not None
    return response


# --- the account page -------------------------------------------------------------------------


@any_signed_in
@never_cache
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "device": confirmed_device(user),
            "required": second_factor_required(user),
            "capabilities": [DESCRIPTIONS[c] for c in Capability if c in capabilities(user)],
        },
    )


@any_signed_in
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)
    device, response = _enrol(request, user, current=confirmed_device(user))
    if device is not None:
        otp_login(request, device)
        messages.success(
            request, "Your authenticator app is set up. Sign-in will now ask for a code."
        )
        return redirect("accounts:account")
    assert response is not None
    return response


@any_signed_in
@sensitive_post_parameters("code")
@csrf_protect
@require_POST
def remove_second_factor(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)
    device = confirmed_device(user)
    if device is None:
        return redirect("accounts:account")
    if second_factor_required(user):
        messages.error(request, "Your role must use a second factor, so it cannot be removed.")
        return redirect("accounts:account")
    form = CodeForm(request.POST)
    if not (form.is_valid() and device.verify_token(form.cleaned_data["code"])):
        messages.error(request, "Enter the code your authenticator app shows now to remove it.")
        return redirect("accounts:account")
    actions.remove_second_factor(user)
    messages.success(request, "Your authenticator app was removed.")
    return redirect("accounts:account")


@any_signed_in
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.change_own_password(form.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, form.user)
        messages.success(request, "Your password was changed.")
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "accounts/csrf_failure.html", status=403)
