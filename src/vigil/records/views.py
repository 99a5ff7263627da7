"""Import status: batches and their counts, and the quarantine with every reason (and as CSV)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from vigil.access.permissions import Capability, can, requires
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.records.models import ImportBatch, QuarantinedRecord
from vigil.ui.pages import page_of, query_without

BATCHES_PER_PAGE = 25
QUARANTINE_PER_PAGE = 50
CSV_COLUMNS = [
    "file",
    "line",
    "source_system",
    "source_id",
    "reasons",
    "first_batch",
    "last_batch",
    "raw",
]


def shown_status(batch: ImportBatch) -> str:
    if batch.status == ImportBatch.Status.RUNNING and not batch.is_running():
        return "interrupted"
    return batch.status


STATUS_COLOURS = {"running": "blue", "completed": "green", "failed": "red", "interrupted": "orange"}


def waiting_quarantine() -> Any:
    return QuarantinedRecord.objects.filter(resolved_by_batch__isnull=True)


@requires(Capability.VIEW_IMPORTS)
@require_GET
def imports(request: HttpRequest) -> HttpResponse:
    batches = page_of(
        request, ImportBatch.objects.order_by("-started_at", "-id").defer("files"), BATCHES_PER_PAGE
    )
    rows = []
    for batch in batches.object_list:
        status = shown_status(batch)
        rows.append(
            {"batch": batch, "status": status, "colour": STATUS_COLOURS.get(status, "grey")}
        )
    quarantine = waiting_quarantine().defer("raw").order_by("file", "line", "id")
    page = page_of(request, quarantine, QUARANTINE_PER_PAGE, param="qpage")
    log_access(request, AuditAction.IMPORT_LIST, "imports", detail={"quarantine_page": page.number})
    return render(
        request,
        "records/imports.html",
        {
            "batches": batches,
            "rows": rows,
            "quarantine": page,
            "waiting": page.paginator.count,
            "can_download": can(request.user, Capability.DOWNLOAD_QUARANTINE),
            "batches_query": query_without(request, "page"),
            "quarantine_query": query_without(request, "qpage"),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: one that starts, or starts after
    spaces or other leading whitespace (which spreadsheets skip), with a formula character gets
    a leading apostrophe (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


@requires(Capability.DOWNLOAD_QUARANTINE)
@require_GET
def quarantine_download(request: HttpRequest) -> StreamingHttpResponse:
    rows = waiting_quarantine().order_by("file", "line", "id")
    count = rows.count()
    log_access(
        request,
        AuditAction.QUARANTINE_EXPORT,
        "quarantine",
        reason="quarantine download for correction at source",
        detail={"rows": count, "format": "csv"},
    )
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(CSV_COLUMNS)
        for q in rows.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    _cell(v)
                    for v in (
                        q.file,
                        q.line,
                        q.source_system,
                        q.source_id,
                        "; ".join(str(r) for r in (q.reasons or [])),
                        q.first_batch_id,
                        q.last_batch_id,
                        q.raw,
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="vigil-quarantine-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
