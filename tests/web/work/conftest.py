"""Fixtures for the work pages: clients signed in as a new account of a role, and small record
sets imported through the importer (the records, accounts and alerts come from
``tests/factories.py``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.test import Client

from tests.factories import make_user
from vigil.accounts.models import User
from vigil.records.importer import import_files

_serial = itertools.count(1)


@pytest.fixture
def as_role(db: None) -> Callable[..., tuple[Client, User]]:
    """A test client signed in as a new account of a role (CSRF checks on, as in production)."""

    def sign_in(role: str, team: str = "") -> tuple[Client, User]:
        user = make_user(role, **({"team": team} if team else {}))
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        return client, user

    return sign_in


@pytest.fixture
def import_records(db: None, tmp_path: Path) -> Callable[[list[dict[str, Any]]], Any]:
    def run(records: list[dict[str, Any]]) -> Any:
        path = tmp_path / f"records-{next(_serial)}.ndjson"
        path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
        return import_files([path])

    return run
