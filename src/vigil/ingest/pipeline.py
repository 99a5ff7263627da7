"""The ingestion pipeline: import, then identity, then assessment, for records from any entry.

Every entry (``vigil import``, the demo, forms, the HTTP API) comes through ``ingest_files`` or
``ingest_records``, so the rules about what must be re-linked and re-assessed after an import
hold for all of them (docs/architecture.md 'How an import flows').
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from vigil.alerts import engine
from vigil.alerts.actions import SyncOutcome
from vigil.alerts.engine import IncrementalOutcome
from vigil.identity.models import MentionLink
from vigil.identity.store import LinkSummary, link_new
from vigil.records import locks
from vigil.records.actions import import_and_log
from vigil.records.importer import ImportSummary, Progress
from vigil.records.models import PersonMention
from vigil.rules import Finding


@dataclass
class IngestResult:
    """What each step of one ingestion did."""

    imported: ImportSummary
    linked: LinkSummary | None = None
    # "everyone", "touched" (only the people the new records can affect) or None (not assessed).
    assessed: str | None = None
    findings: int = 0
    # The findings themselves when everyone was assessed (an incremental assessment keeps only
    # their count), for whoever compares them with a ground truth.
    found: list[Finding] = field(default_factory=list)
    alerts: SyncOutcome | None = None
    incremental: IncrementalOutcome | None = None
    """What an incremental assessment looked at (people affected, records loaded, steps)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of each step (import, link, assess), for operators and benchmarks."""


def ingest_files(
    paths: Sequence[Path],
    *,
    actor: str,
    as_of: dt.datetime | None = None,
    assess: bool = True,
    progress: Progress | None = None,
    replacing: Collection[int] | None = None,
) -> IngestResult:
    """Import NDJSON files (RECORDS.md), then bring identities and alerts up to date.

    The whole sequence holds the store's import lock, so a second ingestion waits for this one
    to have linked and assessed too. Import failures propagate (the batches before are kept).
    ``replacing``: the persons (pks) every record that may be replaced named before, from a
    caller that knows them (a casework entry changed): a replacement is then assessed for
    them and the people the new version can affect, not for everyone.
    """
    with locks.exclusive(locks.IMPORTING):
        started = time.perf_counter()
        summary = import_and_log(paths, actor=actor, progress=progress)
        result = IngestResult(imported=summary)
        result.seconds["import"] = time.perf_counter() - started
        if assess:
            try:
                _link_and_assess(result, actor=actor, as_of=as_of or _now(), replacing=replacing)
            except BaseException as exc:
                # The records are stored whatever happens now: say so to whoever reports it.
                exc.add_note(AFTER_IMPORT_NOTE)
                raise
        return result


AFTER_IMPORT_NOTE = "vigil ingest: the records were imported; linking or assessing them failed"


def failed_after_import(exc: BaseException) -> bool:
    """Whether ``exc`` struck after the records were stored (while linking or assessing)."""
    return AFTER_IMPORT_NOTE in getattr(exc, "__notes__", ())


def ingest_records(
    records: Iterable[Mapping[str, Any] | BaseModel],
    *,
    actor: str,
    label: str = "records",
    as_of: dt.datetime | None = None,
    assess: bool = True,
    replacing: Collection[int] | None = None,
) -> IngestResult:
    """Ingest contract records held in memory (a form, the API) through the same code as files.

    They are written as one NDJSON file first, so they are validated, quarantined, versioned
    and logged exactly as a file's would be; quarantine entries name ``label``'s file.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", label):
        raise ValueError(f"label {label!r} is not a plain file name")
    with tempfile.TemporaryDirectory(prefix="vigil-ingest-") as folder:
        path = Path(folder) / f"{label}.ndjson"
        with path.open("wb") as handle:
            for record in records:
                if isinstance(record, BaseModel):
                    record = record.model_dump(mode="json", exclude_unset=True)
                handle.write(orjson.dumps(record) + b"\n")
        return ingest_files([path], actor=actor, as_of=as_of, assess=assess, replacing=replacing)


def reassess(as_of: dt.datetime | None = None) -> tuple[int, SyncOutcome]:
    """Who is who changed (a relink, a decision made or undone), so what the rules find may have
    too: evaluate everyone. Returns the number of findings and what happened to stored alerts."""
    findings, outcome = engine.assess(as_of or _now())
    return len(findings), outcome


def _link_and_assess(
    result: IngestResult,
    *,
    actor: str,
    as_of: dt.datetime,
    replacing: Collection[int] | None = None,
) -> None:
    started = time.perf_counter()
    touched_ids = result.imported.touched_record_ids
    touched = PersonMention.objects.filter(record_id__in=touched_ids)
    # Mentions left unlinked by an earlier import without assessment are linked now too
    # (link_new does), and the people they belong to were never assessed.
    unlinked = PersonMention.objects.count() - MentionLink.objects.count()
    if not touched_ids and unlinked <= 0:
        return
    touched_unlinked = touched.filter(link__isnull=True).count() if touched_ids else 0
    linked = link_new(touched.values_list("pk", flat=True), actor=actor)
    result.linked = linked
    result.seconds["link"] = time.perf_counter() - started
    started = time.perf_counter()
    # Only new records with new mentions keep the incremental argument (docs/rules.md
    # 'Engine'): a relink can move any mention, a replaced version may have dropped people,
    # addresses, objects or links the store no longer shows, and mentions linked late belong
    # to people never assessed with them. Then assess everyone.
    replaced_unknown = result.imported.replaced and replacing is None
    if linked.mode == "full" or replaced_unknown or unlinked > touched_unlinked:
        findings, outcome = engine.assess(as_of)
        result.assessed, result.findings, result.alerts = "everyone", len(findings), outcome
        result.found = findings
    else:
        incremental = engine.assess_touched(touched_ids, as_of, persons=replacing or ())
        result.assessed, result.findings = "touched", incremental.findings
        result.alerts, result.incremental = incremental.sync, incremental
    result.seconds["assess"] = time.perf_counter() - started


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
