"""Pages. Views stay thin: they ask the store and render."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigil.records.models import ImportBatch, QuarantinedRecord, Record


def home(request: HttpRequest) -> HttpResponse:
    by_type = Record.objects.values("record_type").annotate(n=Count("id")).order_by("record_type")
    return render(request, "web/home.html", {"by_type": list(by_type)})


def import_status(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.order_by("-started_at")[:50]
    waiting = QuarantinedRecord.objects.filter(resolved_by_batch__isnull=True).count()
    return render(request, "web/imports.html", {"batches": batches, "waiting": waiting})
