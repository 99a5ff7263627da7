"""Fixtures for the security tests: an account of every role, a small imported force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import PASSWORD, make_user


@pytest.fixture
def signed_in(db: None) -> Callable[[str], Client]:
    """A client signed in (without the form) as a new account of the role."""

    def sign_in(role: str) -> Client:
        client = Client()
        client.force_login(make_user(role, f"u-{role}", password=PASSWORD))
        return client

    return sign_in


@pytest.fixture
def small_force(db: None, tmp_path: Path) -> Path:
    """A few dozen synthetic people imported, linked and assessed (about 2 s)."""
    from vigil.alerts.engine import assess
    from vigil.identity.store import relink_all
    from vigil.records.actions import import_and_log
    from vigil.synth import generate

    out = tmp_path / "force"
    generate(out, people=40, seed=3)
    import_and_log(sorted((out / "records").glob("*.ndjson")), actor="test")
    relink_all(actor="test")
    assess(dt.datetime.now(dt.UTC))
    return out
