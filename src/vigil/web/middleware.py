"""Every page but sign-in needs a signed-in account (CLI.md: signed-out requests redirect)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

OPEN_PREFIXES = ("/static/",)


class SignInRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            sign_in = reverse(settings.LOGIN_URL)
            if request.path != sign_in and not request.path.startswith(OPEN_PREFIXES):
                return redirect_to_login(request.get_full_path(), sign_in)
        return self.get_response(request)
