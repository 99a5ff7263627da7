"""Logging who looked at, searched for, exported or changed personal data (DPA 2018 s62).

Call ``log_access`` from every view that shows or changes personal data. The target names the
thing by an internal id (never a name or date of birth), and ``detail`` holds what a later
reviewer needs to reconstruct the disclosure, e.g. the search terms.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vigil.audit import log
from vigil.audit.models import AuditEntry


def log_access(request: HttpRequest, action: str, target: str = "", *, reason: str = "",
               detail: dict[str, Any] | None = None) -> AuditEntry:
    user = request.user
    actor = user.get_username() if user.is_authenticated else "anonymous"
    role = getattr(user, "role", "")
    return log.record(actor, action, target, reason=reason,
                      detail={"role": role, "method": request.method, **(detail or {})})
