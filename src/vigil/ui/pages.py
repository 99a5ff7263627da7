"""Small helpers the work pages share: optional links, htmx, paging."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse


def optional_url(name: str, *args: Any) -> str | None:
    """The URL of a page another area builds, or None while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_of(
    request: HttpRequest, items: Any, per_page: int, param: str = "page", count: int | None = None
) -> Page[Any]:
    """One page of ``items``; pass ``count`` when it is already known, to save a COUNT query."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached property
    return paginator.get_page(request.GET.get(param))


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without some parameters (for paging and sorting links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def bad_request(request: HttpRequest, form: forms.Form, title: str, back: str = "") -> HttpResponse:
    """A 400 page listing what was wrong with a form (or a query string read through one), in
    plain words and never echoing the value sent."""
    errors = [str(e) for errs in form.errors.values() for e in errs]
    return render(
        request,
        "web/bad_request.html",
        {"errors": errors, "title": title, "back": back},
        status=400,
    )
