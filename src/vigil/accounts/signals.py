"""Sign-in, sign-out, failed and locked-out sign-ins go to the audit log."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from vigil.accounts.sessions import SIGNED_IN_AT
from vigil.audit import log
from vigil.audit.actions import AuditAction


def _client(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", "")}


@receiver(user_logged_in)
def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
    second = bool(getattr(request, "vigil_second_factor", False))
    log.record(
        user.get_username(),
        AuditAction.ACCOUNT_SIGN_IN,
        f"user:{user.pk}",
        detail={"role": getattr(user, "role", ""), "second_factor": second, **_client(request)},
    )


@receiver(user_logged_out)
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, "vigil_sign_out_reason", "signed out")
    log.record(
        user.get_username(),
        AuditAction.ACCOUNT_SIGN_OUT,
        f"user:{user.pk}",
        detail={"reason": reason, **_client(request)},
    )


@receiver(user_login_failed)
def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    stage = "second factor" if getattr(request, "vigil_second_factor_stage", False) else "password"
    log.record(
        "anonymous",
        AuditAction.ACCOUNT_FAIL_SIGN_IN,
        f"username:{username}",
        detail={"stage": stage, **_client(request)},
    )


@receiver(user_locked_out)
def locked(
    sender: Any,
    request: HttpRequest | None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    log.record(
        "anonymous",
        AuditAction.ACCOUNT_LOCK_OUT,
        f"username:{(username or '')[:150]}",
        detail={"ip": ip_address or ""},
    )
