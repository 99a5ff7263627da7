"""Fixtures for the work pages: accounts of each role, alerts made through the lifecycle actions,
and small record sets imported through the importer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.test import Client
from django.utils import timezone

from vigil.accounts.models import Team, User
from vigil.alerts.actions import sync_findings
from vigil.alerts.models import Alert
from vigil.records.importer import import_files
from vigil.rules import Finding, MentionKey, RecordKey

_serial = itertools.count(1)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: str, team: str = "", username: str = "") -> User:
        name = username or f"{role.replace('_', '-')}-{next(_serial)}"
        return User.objects.create(username=name, role=role,
                                   team=Team.objects.get_or_create(name=team)[0] if team else None)
    return make


@pytest.fixture
def as_role(make_user: Callable[..., User]) -> Callable[..., tuple[Client, User]]:
    """A test client signed in as a new account of a role (CSRF checks on, as in production)."""
    def sign_in(role: str, team: str = "") -> tuple[Client, User]:
        user = make_user(role, team)
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        return client, user
    return sign_in


def finding(person: str, code: str = "REPEAT_MISSING", severity: str = "high", *,
            raised_at: dt.datetime, due_at: dt.datetime | None = None,
            evidence: tuple[tuple[str, str], ...] = (("compact", "M-1"),)) -> Finding:
    return Finding(
        code=code, severity=severity, subject_kind="person", person_id=person, record=None,
        mentions=(MentionKey(evidence[0][0], evidence[0][1], "p1"),),
        explanation=f"{code} for {person}", evidence=tuple(RecordKey(s, i) for s, i in evidence),
        thresholds={}, raised_at=raised_at, due_at=due_at,
    )


@pytest.fixture
def make_alerts(db: None) -> Callable[..., list[Alert]]:
    """Store alerts as the rule engine would (``sync_findings``); returns them by person order."""
    def make(*findings: Finding) -> list[Alert]:
        sync_findings(list(findings), timezone.now(), in_scope=[])
        persons = [f.person_id for f in findings]
        stored = {a.person_id + a.code: a for a in Alert.objects.filter(person_id__in=persons)}
        return [stored[f"{f.person_id}{f.code}"] for f in findings]
    return make


def ago(**kwargs: Any) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def ahead(**kwargs: Any) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


def person(mention_id: str, role: str, forename: str, surname: str, dob: str) -> dict[str, Any]:
    return {"mention_id": mention_id, "role": role, "forename": forename, "surname": surname,
            "date_of_birth": dob, "address": "1 High Street, Leeds", "postcode": "LS1 1AA"}


def record(record_type: str, source_id: str, people: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"record_type": record_type, "source_system": "test", "source_id": source_id,
            "occurred_at": "2026-01-05T10:00:00+00:00", "people": people, **fields}


@pytest.fixture
def import_records(db: None, tmp_path: Path) -> Callable[[list[dict[str, Any]]], Any]:
    def run(records: list[dict[str, Any]]) -> Any:
        path = tmp_path / f"records-{next(_serial)}.ndjson"
        path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
        return import_files([path])
    return run
