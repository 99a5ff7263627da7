"""Test data, built one way: source records (as the contract's dicts, for the real importer),
staff accounts, and alerts (as the rule engine stores them, or one row written directly).

Plain functions: every record goes through the importer and every alert through
``sync_findings`` where a test depends on how they are stored, so a model-driven factory
library would add little. Each builder takes ``**fields`` passed through unchanged, so a test
sets what it is about and new model fields need no change here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from vigil.access.roles import Role
from vigil.accounts.models import Team, User
from vigil.alerts.actions import sync_findings
from vigil.alerts.models import Alert
from vigil.rules import Finding, MentionKey, RecordKey

PASSWORD = "correct horse battery staple 7"
HIGH_STREET = {"address": "1 High Street, Leeds", "postcode": "LS1 1AA"}

_serial = itertools.count(1)


# ---- source records ------------------------------------------------------------------------


def person(
    mention_id: str = "c1",
    role: str = "child_present",
    forename: str = "Amy",
    surname: str = "Stone",
    date_of_birth: str = "2009-04-01",
    **fields: Any,
) -> dict[str, Any]:
    """One person as a record names them, living on the High Street unless ``fields`` say
    otherwise (a field given as None is left out)."""
    mention = {
        "mention_id": mention_id,
        "role": role,
        "forename": forename,
        "surname": surname,
        "date_of_birth": date_of_birth,
        **HIGH_STREET,
        **fields,
    }
    return {key: value for key, value in mention.items() if value is not None}


def record(
    record_type: str,
    source_id: str,
    people: list[dict[str, Any]],
    day: str = "2026-01-05",
    **fields: Any,
) -> dict[str, Any]:
    """A source record from the ``test`` system, at 10:00 UTC on ``day``."""
    return {
        "record_type": record_type,
        "source_system": "test",
        "source_id": source_id,
        "occurred_at": f"{day}T10:00:00+00:00",
        "people": people,
        **fields,
    }


def call(source_id: str = "C-1", **fields: Any) -> dict[str, Any]:
    """A small valid call record from Storm naming one child; ``fields`` replace the record's."""
    return {
        "record_type": "call",
        "source_system": "storm",
        "source_id": source_id,
        "occurred_at": "2014-03-01T10:00:00+00:00",
        "people": [person(postcode="ls1 1aa")],
        "category": "child_concern",
        **fields,
    }


# ---- staff accounts ------------------------------------------------------------------------


def make_user(
    role: str = Role.INVESTIGATOR,
    username: str | None = None,
    *,
    password: str | None = None,
    **fields: Any,
) -> User:
    """A saved account of the role; a password only when given (hashing one takes a while). A team
    may be given by name: the team is made if it is not held."""
    if isinstance(fields.get("team"), str):
        name = fields.pop("team")
        fields["team"] = Team.objects.get_or_create(name=name)[0] if name else None
    user = User(
        username=username or f"{role.replace('_', '-')}-{next(_serial)}", role=role, **fields
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


# ---- alerts --------------------------------------------------------------------------------


def ago(**kwargs: Any) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def ahead(**kwargs: Any) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


def finding(
    person: str,
    code: str = "REPEAT_MISSING",
    severity: str = "high",
    *,
    raised_at: dt.datetime,
    due_at: dt.datetime | None = None,
    evidence: tuple[tuple[str, str], ...] = (("compact", "M-1"),),
) -> Finding:
    """What a rule would find about a person."""
    return Finding(
        code=code,
        severity=severity,
        subject_kind="person",
        person_id=person,
        record=None,
        mentions=(MentionKey(evidence[0][0], evidence[0][1], "p1"),),
        explanation=f"{code} for {person}",
        evidence=tuple(RecordKey(s, i) for s, i in evidence),
        thresholds={},
        raised_at=raised_at,
        due_at=due_at,
    )


def make_alerts(*findings: Finding) -> list[Alert]:
    """Store findings as the rule engine does (``sync_findings``); the alerts in their order."""
    sync_findings(list(findings), timezone.now(), in_scope=[])
    persons = [f.person_id for f in findings]
    stored = {a.person_id + a.code: a for a in Alert.objects.filter(person_id__in=persons)}
    return [stored[f"{f.person_id}{f.code}"] for f in findings]


def add_alert(
    person_id: str,
    code: str = "REPEAT_MISSING",
    evidence: list[list[str]] | None = None,
    explanation: str = "Missing three times in 90 days",
    **fields: Any,
) -> Alert:
    """One open alert row written directly, for pages that only show it."""
    now = timezone.now()
    return Alert.objects.create(
        **{
            "alert_id": f"A-{code}-{person_id}",
            "code": code,
            "severity": "high",
            "subject_kind": "person",
            "subject_key": f"person:{person_id}",
            "person_id": person_id,
            "raised_at": now,
            "due_at": now + dt.timedelta(days=1),
            "explanation": explanation,
            "evidence": evidence or [["test", "MIS-1"]],
            "mentions": [],
            "evidence_hash": "x",
            "evaluated_at": now,
            **fields,
        }
    )


# ---- case audits (vigil.inspection) ---------------------------------------------------------


def make_audit(audit_id: str = "", **fields: Any) -> Any:
    """An audit of a period, written directly (the command and pages have their own tests)."""
    from vigil.inspection.models import Audit

    return Audit.objects.create(
        **{
            "audit_id": audit_id or f"AUD-{next(_serial)}",
            "name": "Quarterly case audit",
            "period_from": dt.date(2026, 1, 1),
            "period_to": dt.date(2026, 3, 31),
            "created_by": "test",
            "created_at": timezone.now(),
            **fields,
        }
    )


def add_audit_case(audit: Any, case_ref: str, **fields: Any) -> Any:
    """A case of an audit from its reference ``AREA:SYSTEM:ID``."""
    from vigil.inspection.models import AuditCase

    area, system, source_id = case_ref.split(":", 2)
    return AuditCase.objects.create(
        **{
            "audit": audit,
            "case_ref": case_ref,
            "area": area,
            "index_system": system,
            "index_source_id": source_id,
            "origin": AuditCase.Origin.CSV,
            "added_at": timezone.now(),
            **fields,
        }
    )


def assess_case(
    case: Any, assessor: str, grade: str, *, submitted: bool = True, **fields: Any
) -> Any:
    """One assessor's grade of a case, submitted unless told otherwise."""
    from vigil.inspection.models import Assessment

    now = timezone.now()
    return Assessment.objects.update_or_create(
        case=case,
        assessor=assessor,
        defaults={
            "grade": grade,
            "updated_at": now,
            "submitted_at": now if submitted else None,
            **fields,
        },
    )[0]
