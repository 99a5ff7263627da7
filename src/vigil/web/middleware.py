"""Request-wide protections (docs/security.md).

- ``SignInRequiredMiddleware``: every page but sign-in needs a signed-in account (CLI.md), and a
  session ends after an absolute limit however busy it is (the idle limit is the session cookie's
  age, renewed on every request).
- ``SecurityHeadersMiddleware``: headers Django does not set itself (Permissions-Policy,
  Cross-Origin-Resource-Policy) and ``Cache-Control: no-store`` on every page, so personal data
  is not kept in a shared browser's cache or shown again by the Back button after signing out.
- ``AccessLogRequiredMiddleware``: a page about people that answers without writing to the
  access log is an error, loudly in tests and refused (500) in service.
- ``ViaLinksMiddleware``: remembers, in the session, which page linked to each page about people
  it showed, so the access log's ``via`` comes from the server's own pages, not the Referer.
(``vigil.audit.redact.NoRequestDataFilter`` keeps request data out of the console log.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from vigil.accounts.sessions import SIGNED_IN_AT
from vigil.audit import log
from vigil.audit.access import LOGGED_PREFIXES, VIA_SESSION_KEY

OPEN_PREFIXES = ("/static/",)
# Reachable with a password checked but no session yet (second factor, enrolment).
OPEN_NAMES = ("accounts:sign-in", "accounts:second-factor", "accounts:second-factor-enrol")

Handler = Callable[[HttpRequest], HttpResponse]


class SignInRequiredMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._open: frozenset[str] | None = None

    def _open_paths(self) -> frozenset[str]:
        if self._open is None:
            self._open = frozenset(reverse(name) for name in OPEN_NAMES)
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            limit = settings.VIGIL_SESSION_ABSOLUTE_SECONDS
            reason = ""
            if not isinstance(started, int | float) or time.time() - started > limit:
                reason = "session limit reached"
            elif (
                getattr(request.user, "role", "") in settings.VIGIL_TOTP_REQUIRED_ROLES
                and not request.user.is_verified()  # type: ignore[attr-defined]
            ):
                reason = "second factor required"  # e.g. the role was made to need one
            if reason:
                request.vigil_sign_out_reason = reason  # type: ignore[attr-defined]
                logout(request)
                return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        elif request.path not in self._open_paths() and not request.path.startswith(OPEN_PREFIXES):
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith(OPEN_PREFIXES):
            response.headers["Cache-Control"] = "no-store, max-age=0"
        return response


class UnloggedAccess(RuntimeError):
    """A page about people answered without writing to the access log."""


class AccessLogRequiredMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(LOGGED_PREFIXES):
            return self.get_response(request)
        with log.watching() as written:
            response = self.get_response(request)
        if written or not _must_log(request, response):
            return response
        match = request.resolver_match
        view = match.func if match else None
        if getattr(view, "discloses_nothing", False) or getattr(
            request, "vigil_nothing_disclosed", False
        ):
            return response
        raise UnloggedAccess(
            f"{request.method} {request.path} ({match.view_name if match else '?'}) answered "
            f"{response.status_code} without writing to the access log: call "
            "vigil.audit.access.log_access(request, ...) in the view, or mark a view that shows "
            "no personal data with vigil.audit.access.discloses_nothing"
        )


def _must_log(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code == 200:
        return True
    # A change that succeeded (e.g. a redirect after POST) must have been logged too.
    return request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400


# Links (and form targets) on a page: same-origin paths only.
PAGE_LINK = re.compile(r"""(?:href|action|hx-get|hx-post)\s*=\s*["'](/[^"'?#\s]*)""")
VIA_REMEMBERED = 400  # links remembered per session, the most recently shown kept


class ViaLinksMiddleware:
    """After an HTML page is shown, remember each link on it to a page about people (a path
    under ``LOGGED_PREFIXES``) with the page that showed it; ``vigil.audit.access.via`` reads it
    when that link is followed."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in (200, 400)
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and request.user.is_authenticated
            and hasattr(request, "session")
        ):
            targets = {
                m
                for m in PAGE_LINK.findall(response.content.decode("utf-8", "replace"))
                if m.startswith(LOGGED_PREFIXES) and m != request.path
            }
            if targets:
                links = request.session.get(VIA_SESSION_KEY)
                links = dict(links) if isinstance(links, dict) else {}
                source = request.path[:200]
                for target in sorted(targets):
                    links.pop(target, None)
                    links[target] = source
                request.session[VIA_SESSION_KEY] = dict(list(links.items())[-VIA_REMEMBERED:])
        return response
