"""The home page. Pages about people live in ``web/people``, pages for work in ``web/work``."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigil.records.models import Record


def home(request: HttpRequest) -> HttpResponse:
    by_type = Record.objects.values("record_type").annotate(n=Count("id")).order_by("record_type")
    return render(request, "web/home.html", {"by_type": list(by_type)})
