"""Fixtures for the work core: named accounts in teams, and alerts stored as the engine would."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from vigil.accounts.models import Team, User
from vigil.alerts.actions import sync_findings
from vigil.alerts.models import Alert
from vigil.rules import Finding, MentionKey, RecordKey

_serial = itertools.count(1)


@pytest.fixture
def person(db: None) -> Callable[..., User]:
    """An account with a full name (as staff are shown), a role and optionally a team."""

    def make(
        role: str, full_name: str, team: str = "", email: str = "", active: bool = True
    ) -> User:
        return User.objects.create(
            username=f"{role.replace('_', '-')}-{next(_serial)}",
            role=role,
            full_name=full_name,
            email=email,
            is_active=active,
            team=Team.objects.get_or_create(name=team)[0] if team else None,
        )

    return make


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


def at(**kwargs: Any) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


@pytest.fixture
def alert(db: None) -> Callable[..., Alert]:
    """A stored alert for a made-up child (the engine's path, ``sync_findings``)."""

    def make(code: str = "REPEAT_MISSING", due_at: dt.datetime | None = None) -> Alert:
        child = f"P{next(_serial)}"
        finding = Finding(
            code=code,
            severity="high",
            subject_kind="person",
            person_id=child,
            record=None,
            mentions=(MentionKey("compact", "M-1", "p1"),),
            explanation=f"{code} for {child}",
            evidence=(RecordKey("compact", "M-1"),),
            thresholds={},
            raised_at=at(days=-1),
            due_at=due_at,
        )
        sync_findings([finding], timezone.now(), in_scope=[])
        return Alert.objects.get(person_id=child, code=code)

    return make


@pytest.fixture
def named_alert(db: None, tmp_path: Any) -> Callable[[], Alert]:
    """An alert about a child with a name and date of birth on record (Amy Stone, born
    1 April 2009: ``tests.conftest.call``), imported through the importer."""

    def make() -> Alert:
        import orjson

        from tests.factories import call
        from vigil.records.importer import import_files

        source_id = f"C-{next(_serial)}"
        path = tmp_path / f"{source_id}.ndjson"
        path.write_bytes(orjson.dumps(call(source_id)) + b"\n")
        import_files([path])
        child = f"P-amy-{source_id}"
        sync_findings(
            [
                Finding(
                    code="CHILD_NOT_SEEN_OR_HEARD",
                    severity="high",
                    subject_kind="person",
                    person_id=child,
                    record=None,
                    mentions=(MentionKey("storm", source_id, "c1"),),
                    explanation="Amy Stone was not spoken to",
                    evidence=(RecordKey("storm", source_id),),
                    thresholds={},
                    raised_at=timezone.now(),
                    due_at=None,
                )
            ],
            timezone.now(),
            in_scope=[],
        )
        return Alert.objects.get(person_id=child)

    return make
