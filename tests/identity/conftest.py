"""Identity tests share one loaded model (the linker's tests need no database); the review
pages' tests use the suite's ``as_role`` and ``import_records`` (tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.identity import IdentityModel, load_model


@pytest.fixture(scope="session")
def model() -> IdentityModel:
    return load_model()


def mention(key: str, record: str | None = None, **fields: Any) -> dict[str, Any]:
    """One input row; ``record`` defaults to a record of its own."""
    row: dict[str, Any] = {
        "mention_key": key,
        "record_key": record or f"rec-{key}",
        "forename": None,
        "middle_names": None,
        "surname": None,
        "aliases": None,
        "date_of_birth": None,
        "age_estimate": None,
        "occurred_on": "2014-03-01",
        "gender": None,
        "address": None,
        "postcode": None,
        "phone": None,
        "pnc": None,
        "nhs": None,
    }
    row.update(fields)
    return row
