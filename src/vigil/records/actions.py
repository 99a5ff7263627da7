"""Changes of state in the record store, each with its audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
from django.db.models import Q

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.records.importer import ImportSummary, Progress, import_files
from vigil.records.models import Record


def import_and_log(
    paths: Sequence[Path], *, actor: str, progress: Progress | None = None
) -> ImportSummary:
    """Import files and log who imported what.

    The import itself commits batch by batch (so a crash keeps whole batches); its audit entry
    follows, naming the batch whose rows carry the provenance of every record written.
    """
    summary = import_files(paths, started_by=actor, progress=progress)
    log.record(
        actor,
        AuditAction.RECORD_IMPORT,
        f"batch:{summary.batch_id}",
        detail={
            "files": [str(p) for p in paths],
            **{k: v for k, v in summary.as_contract().items() if k != "errors"},
            "deferred_indexes": summary.deferred_indexes,
        },
    )
    return summary


def export_records(
    write: Callable[[bytes], object],
    *,
    actor: str,
    source_system: str | None = None,
    since: dt.datetime | None = None,
    out: str = "",
) -> int:
    """CLI.md ``vigil export``: the latest version of each record held, exactly as it was
    received, one JSON object a line, handed to ``write``; then its audit entry (what was
    asked for and how many records left). Returns how many were written.

    ``since`` keeps the records of import batches that finished at or after it, and of any
    batch with no finish (one that stopped part way): a record's own write time is not held,
    so at the edge an export errs on giving a record twice, never on leaving one out.
    """
    records = Record.objects.order_by("pk")
    if source_system:
        records = records.filter(source_system=source_system)
    if since is not None:
        records = records.filter(
            Q(batch__finished_at__gte=since) | Q(batch__finished_at__isnull=True)
        )
    written = 0
    for payload in records.values_list("payload", flat=True).iterator(chunk_size=2000):
        write(orjson.dumps(payload) + b"\n")
        written += 1
    log.record(
        actor,
        AuditAction.RECORD_EXPORT,
        f"file:{out}" if out else "stdout",
        detail={
            "source_system": source_system,
            "since": since.isoformat() if since else None,
            "records": written,
        },
    )
    return written
