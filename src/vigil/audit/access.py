"""Logging who looked at, searched for, exported or changed personal data (DPA 2018 s62).

Call ``log_access`` from every view that shows or changes personal data. The target names the
thing by an internal id (never a name or date of birth), and ``detail`` holds what a later
reviewer needs to reconstruct the disclosure, e.g. the search terms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.audit.models import AuditEntry

# The session's record of the links the server has put on the pages it showed this user:
# target path -> the path of the page that linked it (``vigil.web.middleware.ViaLinksMiddleware``).
VIA_SESSION_KEY = "vigil_via"


def via(request: HttpRequest) -> str:
    """The page of Vigil that linked to this one, as the server rendered it (its path: ids only,
    never a query string), so a reviewer sees the context of a look-up: from a search, an alert,
    an address briefing. Taken from the links the server itself put on pages it showed this
    session, never from anything the browser sends (the Referer can claim any page). Empty when
    no page shown in this session linked here (the address was typed or bookmarked)."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    links = session.get(VIA_SESSION_KEY)
    if not isinstance(links, dict):
        return ""
    found = links.get(request.path, "")
    return found if isinstance(found, str) else ""


def log_access(
    request: HttpRequest,
    action: AuditAction,
    target: str = "",
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    user = request.user
    actor = user.get_username() if user.is_authenticated else "anonymous"
    role = getattr(user, "role", "")
    context: dict[str, Any] = {"role": role, "method": request.method}
    if came_from := via(request):
        context["via"] = came_from
    return log.record(actor, action, target, reason=reason, detail={**context, **(detail or {})})


# Pages under these paths show or change personal data: a successful response from one that
# wrote nothing to the access log is refused (AccessLogRequiredMiddleware), in tests and live.
LOGGED_PREFIXES = (
    "/search/",
    "/people/",
    "/records/",
    "/addresses/",
    "/alerts/",
    "/supervisor/",
    "/imports/",
    "/identity/",
    "/audit/",
    "/work/",
    "/casework/",
    "/case-audits/",
)

F = TypeVar("F", bound=Callable[..., HttpResponse])


def discloses_nothing(view: F) -> F:
    """Mark a view under a logged path that never shows personal data (e.g. an empty form)."""
    view.discloses_nothing = True  # type: ignore[attr-defined]
    return view


def nothing_disclosed(request: HttpRequest) -> None:
    """Say that this one response shows no personal data (e.g. a search with no terms yet)."""
    request.vigil_nothing_disclosed = True  # type: ignore[attr-defined]
