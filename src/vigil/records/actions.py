"""Changes of state in the record store, each with its audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.records.importer import ImportSummary, Progress, import_files


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
