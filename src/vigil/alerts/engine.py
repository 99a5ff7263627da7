"""The I/O around the pure rules: load a casebook from the store, evaluate, store the alerts.

The rules (``vigil.rules``) see contract records and who each mention is; this module reads
both from the database, and turns findings into the JSON of CLI.md.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from pydantic import BaseModel

from vigil.alerts.actions import SyncOutcome, alert_id_for, subject_key, sync_findings
from vigil.alerts.models import Alert
from vigil.alerts.neighbourhood import Neighbourhood, ensure_statistics
from vigil.records.contract import RecordBase, parse_record_json
from vigil.records.models import Record
from vigil.rules import Casebook, Finding, MentionKey, Policy, RecordKey, evaluate, load_policy


def load_records() -> list[RecordBase]:
    """Every record in force, parsed from the payload exactly as received.

    The records are for reading only (the rules never assign to them), so each is made
    lighter as it is parsed: see :class:`_Lighter`.
    """
    table = Record._meta.db_table
    records: list[RecordBase] = []
    lighter = _Lighter()
    # A server-side cursor on PostgreSQL: the rows come 5,000 at a time, not all at once.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        # The payload's text, not Django's decoded JSON: the contract parser reads JSON text.
        column = "payload::text" if connection.vendor == "postgresql" else "payload"
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        while rows := cursor.fetchmany(5000):
            for (text,) in rows:
                record = parse_record_json(text)
                lighter(record)
                records.append(record)
    return records


def identity_map() -> dict[MentionKey, str]:
    """Mention -> person id for every linked mention (``person_map``'s answer), streamed.

    Its strings are interned: a record's system and id are then the very objects its parsed
    record holds (see :class:`_Lighter`), and each person id is held once, not once a mention.
    """
    from vigil.identity.models import MentionLink, Person
    from vigil.records.models import PersonMention

    sql = (
        f"SELECT r.source_system, r.source_id, m.mention_id, p.person_id "
        f"FROM {MentionLink._meta.db_table} l "
        f"JOIN {PersonMention._meta.db_table} m ON m.id = l.mention_id "
        f"JOIN {Record._meta.db_table} r ON r.id = m.record_id "
        f"JOIN {Person._meta.db_table} p ON p.id = l.person_id"
    )
    found: dict[MentionKey, str] = {}
    intern = sys.intern
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(20_000):
            for system, source_id, mention_id, person in rows:
                found[MentionKey(intern(system), intern(source_id), intern(mention_id))] = intern(
                    person
                )
    return found


class _Lighter:
    """Halves the memory of parsed records that are only read (7.2 KB to 3.7 KB a record on
    the synthetic force, so a million people's records fit in a few gigabytes).

    Pydantic keeps, on every model and sub-model, a set of the fields the input gave (a few
    hundred bytes each) and a dict of extra fields. Records of one kind give the same fields, so
    one set per distinct combination is shared; an empty extras dict becomes None (which
    pydantic reads as no extras); short strings (roles, codes, grades, postcodes, names) are
    interned. Values, and what any attribute reads, are unchanged.
    """

    _SHORT = 40

    def __init__(self) -> None:
        self._sets: dict[frozenset[str], set[str]] = {}

    def __call__(self, model: BaseModel) -> None:
        given = model.__pydantic_fields_set__
        key = frozenset(given)
        shared = self._sets.get(key)
        if shared is None:
            shared = self._sets[key] = set(key)
        object.__setattr__(model, "__pydantic_fields_set__", shared)
        if not model.__pydantic_extra__:
            object.__setattr__(model, "__pydantic_extra__", None)
        values = model.__dict__
        for name, value in values.items():
            if isinstance(value, str):
                if len(value) <= self._SHORT:
                    values[name] = sys.intern(value)
            elif isinstance(value, BaseModel):
                self(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, BaseModel):
                        self(item)


def load_casebook() -> Casebook:
    return Casebook(load_records(), identity_map())


def current_policy() -> Policy:
    """The force's policy file (``VIGIL_POLICY_FILE``) over the contract's defaults."""
    return load_policy(settings.VIGIL_POLICY_FILE)


def chunk_persons() -> int:
    """Persons per chunk of a full evaluation (``VIGIL_ASSESS_CHUNK``); 0 means never chunk."""
    return int(os.environ.get("VIGIL_ASSESS_CHUNK", DEFAULT_CHUNK))


# Off by default: see docs/rules.md (on the synthetic force a chunk's support is most of the store).
DEFAULT_CHUNK = 0


@dataclass
class FullEvaluation:
    """What a full evaluation read, chunk by chunk (for benchmarks and the docs)."""

    persons: int = 0
    chunks: int = 0
    records_loaded: int = 0
    largest_chunk_records: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("neighbourhood", "load", "build", "evaluate"), 0.0)
    )


def _persons_by_first_address() -> list[int]:
    """Every person the rules will see (``Neighbourhood``'s ints), households together.

    Linked persons are ``identity_person`` keys and a mention no one linked is its own person
    (minus its key). Ordered by the lowest address key they were recorded at, so that the people
    of one household, whose findings read each other's records, fall in one chunk.
    """
    from vigil.identity.models import MentionLink
    from vigil.records.models import PersonMention

    sql = (
        f"SELECT COALESCE(l.person_id, -m.id), MIN(m.location_id) "
        f"FROM {PersonMention._meta.db_table} m "
        f"LEFT JOIN {MentionLink._meta.db_table} l ON l.mention_id = m.id GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    rows.sort(key=lambda row: (row[1] is None, row[1] or 0, row[0]))
    return [person for person, _ in rows]


def _records_naming_no_one() -> list[int]:
    from vigil.records.models import PersonMention

    sql = (
        f"SELECT r.id FROM {Record._meta.db_table} r WHERE NOT EXISTS "
        f"(SELECT 1 FROM {PersonMention._meta.db_table} m WHERE m.record_id = r.id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [pk for (pk,) in cursor.fetchall()]


def evaluate_everyone(
    as_of: dt.datetime, chunk: int | None = None, stats: FullEvaluation | None = None
) -> list[Finding]:
    """Every finding at ``as_of``, exactly as one casebook of every record would give them.

    A store with more persons than ``chunk`` (default :func:`chunk_persons`) is evaluated a
    chunk of persons at a time: each chunk's casebook holds only the records its findings can
    rest on (:meth:`Neighbourhood.support`, the same support incremental assessment relies
    on), so memory is bounded by the chunk, not the store. Findings about a record naming
    people in two chunks come out of both, identical; they are kept once.
    """
    stats = stats if stats is not None else FullEvaluation()
    policy = current_policy()
    chunk = chunk_persons() if chunk is None else chunk
    started = time.perf_counter()
    persons = _persons_by_first_address() if chunk else []
    stats.persons = len(persons)
    if not chunk or len(persons) <= chunk:
        del persons
        casebook = _whole_casebook(stats)
        moment = time.perf_counter()
        findings = evaluate(casebook, policy, as_of)
        stats.seconds["evaluate"] += time.perf_counter() - moment
        return findings
    stats.seconds["neighbourhood"] += time.perf_counter() - started
    ensure_statistics()
    found: dict[tuple[str, str], Finding] = {}
    for start in range(0, len(persons), chunk):
        part = persons[start : start + chunk]
        moment = time.perf_counter()
        hood = Neighbourhood()
        support = hood.support(part)
        people = hood.person_ids(part)
        stats.seconds["neighbourhood"] += time.perf_counter() - moment
        moment = time.perf_counter()
        records, identity = hood.load(support)
        del hood
        stats.seconds["load"] += time.perf_counter() - moment
        stats.chunks += 1
        stats.records_loaded += len(records)
        stats.largest_chunk_records = max(stats.largest_chunk_records, len(records))
        for finding in _timed_evaluation(records, identity, policy, as_of, people, stats):
            found.setdefault((finding.code, subject_key(finding)), finding)
        del records, identity
    # A record that names no one is in no chunk's scope: its own findings (an overdue MARAC
    # action, a device not examined) rest on it and on the records linked to it.
    lonely = _records_naming_no_one()
    if lonely:
        moment = time.perf_counter()
        hood = Neighbourhood()
        closure = hood.link_closure(lonely)
        support = closure | hood.timeline(hood.persons_on(closure))
        keys = hood.record_keys(lonely)
        records, identity = hood.load(support)
        stats.seconds["load"] += time.perf_counter() - moment
        stats.records_loaded += len(records)
        for finding in _timed_evaluation(records, identity, policy, as_of, None, stats):
            if finding.subject_kind == "record" and finding.record in keys:
                found.setdefault((finding.code, subject_key(finding)), finding)
    return sorted(found.values(), key=Finding.sort_key)


def _whole_casebook(stats: FullEvaluation) -> Casebook:
    """One casebook of every record (the records list and identity map are dropped after)."""
    moment = time.perf_counter()
    records = load_records()
    identity = identity_map()
    stats.seconds["load"] += time.perf_counter() - moment
    stats.chunks, stats.records_loaded = 1, len(records)
    stats.largest_chunk_records = len(records)
    moment = time.perf_counter()
    casebook = Casebook(records, identity)
    stats.seconds["build"] += time.perf_counter() - moment
    stats.persons = len(casebook.timeline)
    return casebook


def _timed_evaluation(
    records: list[RecordBase],
    identity: dict[MentionKey, str],
    policy: Policy,
    as_of: dt.datetime,
    persons: set[str] | None,
    stats: FullEvaluation,
) -> list[Finding]:
    moment = time.perf_counter()
    casebook = Casebook(records, identity)
    stats.seconds["build"] += time.perf_counter() - moment
    moment = time.perf_counter()
    findings = evaluate(casebook, policy, as_of, persons=persons)
    stats.seconds["evaluate"] += time.perf_counter() - moment
    return findings


def findings_at(
    as_of: dt.datetime, casebook: Casebook | None = None, persons: Iterable[str] | None = None
) -> list[Finding]:
    if casebook is None and persons is None:
        return evaluate_everyone(as_of)
    return evaluate(casebook or load_casebook(), current_policy(), as_of, persons=persons)


def assess(
    as_of: dt.datetime, persons: Iterable[str] | None = None, stats: FullEvaluation | None = None
) -> tuple[list[Finding], SyncOutcome]:
    """Evaluate (everyone, or the people named) at ``as_of`` and store the alerts."""
    if persons is None:
        return (findings := evaluate_everyone(as_of, stats=stats)), sync_findings(findings, as_of)
    casebook = load_casebook()
    scope = sorted(set(persons))
    findings = findings_at(as_of, casebook, scope)
    people = set(scope)
    in_scope = {f"person:{p}" for p in people}
    live = Alert.objects.filter(
        subject_kind="record", status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]
    )
    for key, system, source_id in live.values_list(
        "subject_key", "record_system", "record_source_id"
    ):
        if not people.isdisjoint(casebook.persons_on(RecordKey(system, source_id))):
            in_scope.add(key)
    return findings, sync_findings(findings, as_of, in_scope)


def _when(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def alert_json(finding: Finding, stored: Alert | None) -> dict[str, Any]:
    """CLI.md's alert object: the finding at this moment, with its stored lifecycle status."""
    key = subject_key(finding)
    mentions = [
        {"source_system": m.source_system, "source_id": m.source_id, "mention_id": m.mention_id}
        for m in finding.mentions
    ]
    subject: dict[str, Any]
    if finding.subject_kind == "person":
        subject = {"kind": "person", "person_id": finding.person_id, "mentions": mentions}
    else:
        assert finding.record is not None
        subject = {
            "kind": "record",
            "source_system": finding.record.source_system,
            "source_id": finding.record.source_id,
            "mentions": mentions,
        }
    return {
        "alert_id": stored.alert_id if stored else alert_id_for(finding.code, key),
        "code": finding.code,
        "severity": finding.severity,
        "status": stored.status if stored else Alert.Status.OPEN.value,
        "raised_at": _when(finding.raised_at),
        "due_at": _when(finding.due_at),
        "subject": subject,
        "explanation": finding.explanation,
        "evidence": [
            {"source_system": k.source_system, "source_id": k.source_id} for k in finding.evidence
        ],
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
        "alert_id": alert.alert_id,
        "code": alert.code,
        "severity": alert.severity,
        "status": alert.status,
        "raised_at": _when(alert.raised_at),
        "due_at": _when(alert.due_at),
        "subject": subject,
        "explanation": alert.explanation,
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


def evaluate_touched(
    record_ids: Iterable[int],
    as_of: dt.datetime,
    *,
    persons: Iterable[int] = (),
    extra: Sequence[RecordBase] = (),
    extra_identity: dict[MentionKey, str] | None = None,
    outcome: IncrementalOutcome | None = None,
) -> tuple[list[Finding], set[str]]:
    """The findings about everyone the touched records (and ``persons``, person pks) can affect,
    and the stored alerts' subject keys those findings answer for.

    ``extra`` are records not in the store, evaluated as if held (with ``extra_identity`` saying
    who their mentions are): what a form would change, before it is saved.
    """
    started = time.perf_counter()
    outcome = outcome if outcome is not None else IncrementalOutcome()
    ensure_statistics()
    hood = Neighbourhood()
    affected = hood.affected(record_ids) | set(persons)
    outcome.affected = len(affected)
    support = hood.support(affected)
    outcome.records = len(support)
    outcome.seconds["neighbourhood"] = time.perf_counter() - started
    records, identity = hood.load(support)
    if extra:
        records = [*records, *extra]
        identity.update(extra_identity or {})
    casebook = Casebook(records, identity)
    outcome.seconds["load"] = time.perf_counter() - started - outcome.seconds["neighbourhood"]
    people = hood.person_ids(affected)
    findings = evaluate(casebook, current_policy(), as_of, persons=people)
    outcome.findings = len(findings)
    outcome.seconds["evaluate"] = (
        time.perf_counter() - started - outcome.seconds["neighbourhood"] - outcome.seconds["load"]
    )
    # Stored alerts this evaluation answers for: about the affected people, or about a record
    # naming one of them (every such record is in the partial casebook).
    in_scope = {f"person:{p}" for p in people}
    for key in casebook.records:
        if not people.isdisjoint(casebook.persons_on(key)):
            in_scope.add(f"record:{key.source_system}/{key.source_id}")
    return findings, in_scope


def assess_touched(
    record_ids: Iterable[int], as_of: dt.datetime, *, persons: Iterable[int] = ()
) -> IncrementalOutcome:
    """Re-evaluate only the people the touched records (and ``persons``) can affect
    (docs/rules.md 'Engine').

    The stored alerts end up exactly as ``assess(as_of)`` over everyone would leave them,
    provided they were already in line with an evaluation at ``as_of`` before the change.
    """
    started = time.perf_counter()
    outcome = IncrementalOutcome()
    findings, in_scope = evaluate_touched(record_ids, as_of, persons=persons, outcome=outcome)
    outcome.sync = sync_findings(findings, as_of, in_scope)
    outcome.seconds["total"] = time.perf_counter() - started
    return outcome
