"""The I/O around the pure rules: load a casebook from the store, evaluate, store the alerts.

The rules (``vigil.rules``) see contract records and who each mention is; this module reads
both from the database, and turns findings into the JSON of CLI.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from vigil.alerts.actions import SyncOutcome, alert_id_for, subject_key, sync_findings
from vigil.alerts.models import Alert
from vigil.alerts.neighbourhood import Neighbourhood, ensure_statistics
from vigil.identity.store import person_map
from vigil.records.contract import RecordBase, parse_record_json
from vigil.records.models import Record
from vigil.rules import Casebook, Finding, Policy, RecordKey, evaluate, load_policy


def load_records() -> list[RecordBase]:
    """Every record in force, parsed from the payload exactly as received."""
    table = Record._meta.db_table
    records: list[RecordBase] = []
    with connection.cursor() as cursor:
        # The payload's text, not Django's decoded JSON: the contract parser reads JSON text.
        column = "payload::text" if connection.vendor == "postgresql" else "payload"
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        while rows := cursor.fetchmany(5000):
            records.extend(parse_record_json(text) for (text,) in rows)
    return records


def load_casebook() -> Casebook:
    return Casebook(load_records(), person_map())


def current_policy() -> Policy:
    """The force's policy file (``VIGIL_POLICY_FILE``) over the contract's defaults."""
    return load_policy(settings.VIGIL_POLICY_FILE)


def findings_at(as_of: dt.datetime, casebook: Casebook | None = None,
                persons: Iterable[str] | None = None) -> list[Finding]:
    return evaluate(casebook or load_casebook(), current_policy(), as_of, persons=persons)


def assess(as_of: dt.datetime, persons: Iterable[str] | None = None) -> tuple[list[Finding], SyncOutcome]:
    """Evaluate (everyone, or the people named) at ``as_of`` and store the alerts."""
    casebook = load_casebook()
    scope = None if persons is None else sorted(set(persons))
    findings = findings_at(as_of, casebook, scope)
    in_scope = None
    if scope is not None:
        people = set(scope)
        in_scope = {f"person:{p}" for p in people}
        live = Alert.objects.filter(subject_kind="record",
                                    status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
        for key, system, source_id in live.values_list("subject_key", "record_system", "record_source_id"):
            if not people.isdisjoint(casebook.persons_on(RecordKey(system, source_id))):
                in_scope.add(key)
    return findings, sync_findings(findings, as_of, in_scope)


def _when(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def alert_json(finding: Finding, stored: Alert | None) -> dict[str, Any]:
    """CLI.md's alert object: the finding at this moment, with its stored lifecycle status."""
    key = subject_key(finding)
    mentions = [{"source_system": m.source_system, "source_id": m.source_id,
                 "mention_id": m.mention_id} for m in finding.mentions]
    subject: dict[str, Any]
    if finding.subject_kind == "person":
        subject = {"kind": "person", "person_id": finding.person_id, "mentions": mentions}
    else:
        assert finding.record is not None
        subject = {"kind": "record", "source_system": finding.record.source_system,
                   "source_id": finding.record.source_id, "mentions": mentions}
    return {
        "alert_id": stored.alert_id if stored else alert_id_for(finding.code, key),
        "code": finding.code,
        "severity": finding.severity,
        "status": stored.status if stored else Alert.Status.OPEN.value,
        "raised_at": _when(finding.raised_at),
        "due_at": _when(finding.due_at),
        "subject": subject,
        "explanation": finding.explanation,
        "evidence": [{"source_system": k.source_system, "source_id": k.source_id}
                     for k in finding.evidence],
    }


def alerts_json(findings: Sequence[Finding], status: str | None = None) -> list[dict[str, Any]]:
    """Findings as CLI.md's alert objects, each with its stored status (one query)."""
    ids = {alert_id_for(f.code, subject_key(f)) for f in findings}
    stored = {a.alert_id: a for a in Alert.objects.filter(alert_id__in=sorted(ids))} if ids else {}
    out = [alert_json(f, stored.get(alert_id_for(f.code, subject_key(f)))) for f in findings]
    return [a for a in out if status is None or a["status"] == status]


def stored_alert_json(alert: Alert) -> dict[str, Any]:
    """A stored alert as CLI.md's alert object (as last evaluated)."""
    mentions = [{"source_system": s, "source_id": i, "mention_id": m} for s, i, m in alert.mentions]
    subject: dict[str, Any] = {"kind": alert.subject_kind, "mentions": mentions}
    if alert.subject_kind == "person":
        subject["person_id"] = alert.person_id
    else:
        subject.update(source_system=alert.record_system, source_id=alert.record_source_id)
    return {
        "alert_id": alert.alert_id, "code": alert.code, "severity": alert.severity,
        "status": alert.status, "raised_at": _when(alert.raised_at), "due_at": _when(alert.due_at),
        "subject": subject, "explanation": alert.explanation,
        "evidence": [{"source_system": s, "source_id": i} for s, i in alert.evidence],
    }


@dataclass
class IncrementalOutcome:
    """What an incremental assessment looked at, and what it did to the stored alerts."""

    affected: int = 0
    records: int = 0
    findings: int = 0
    sync: SyncOutcome = field(default_factory=SyncOutcome)
    seconds: dict[str, float] = field(default_factory=dict)


def assess_touched(record_ids: Iterable[int], as_of: dt.datetime) -> IncrementalOutcome:
    """Re-evaluate only the people the touched records can affect (docs/rules.md 'Engine').

    The stored alerts end up exactly as ``assess(as_of)`` over everyone would leave them,
    provided they were already in line with an evaluation at ``as_of`` before the change.
    """
    started = time.perf_counter()
    outcome = IncrementalOutcome()
    ensure_statistics()
    hood = Neighbourhood()
    affected = hood.affected(record_ids)
    outcome.affected = len(affected)
    support = hood.support(affected)
    outcome.records = len(support)
    outcome.seconds["neighbourhood"] = time.perf_counter() - started
    records, identity = hood.load(support)
    casebook = Casebook(records, identity)
    outcome.seconds["load"] = time.perf_counter() - started - outcome.seconds["neighbourhood"]
    people = hood.person_ids(affected)
    findings = evaluate(casebook, current_policy(), as_of, persons=people)
    outcome.findings = len(findings)
    outcome.seconds["evaluate"] = (time.perf_counter() - started - outcome.seconds["neighbourhood"]
                                   - outcome.seconds["load"])
    # Stored alerts this evaluation answers for: about the affected people, or about a record
    # naming one of them (every such record is in the partial casebook).
    in_scope = {f"person:{p}" for p in people}
    for key in casebook.records:
        if not people.isdisjoint(casebook.persons_on(key)):
            in_scope.add(f"record:{key.source_system}/{key.source_id}")
    outcome.sync = sync_findings(findings, as_of, in_scope)
    outcome.seconds["total"] = time.perf_counter() - started
    return outcome
