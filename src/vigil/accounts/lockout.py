"""Sign-in throttling: django-axes locks one username from one address after a few failures, and
``AddressThrottleHandler`` (Axes' database handler, extended) also locks one client address after
many failures across any usernames (password spraying). While either lock holds, Axes' backend
refuses before the password is checked, so a refused attempt costs no Argon2 hash. Also what a
locked-out sign-in sees (Axes calls ``locked_out``).
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def cool_off_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's client address, for any username, in the cool-off."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gt=get_cool_off_threshold(request)
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return int(total or 0)


def address_locked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.VIGIL_ADDRESS_LOCKOUT_FAILURES


class AddressThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler, plus a lock on a client address across all usernames."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return bool(super().is_locked(request, credentials)) or address_locked(request)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if address_locked(request):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            )


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "accounts/locked_out.html",
        {
            "minutes": cool_off_minutes(),
            "failures": settings.AXES_FAILURE_LIMIT,
            "address": address_locked(request),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
