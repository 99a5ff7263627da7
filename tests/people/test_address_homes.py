"""Households and the address briefing rest on the dwelling, not the first comma (issue 11
item 21): without a postcode, 'Flat 4, 1 Henry Avenue, Coventry' and 'Flat 4, 103 Garner
Street, Birmingham' were both the location 'flat 4', so the briefing for Henry Avenue listed
a man recorded at Garner Street, with his open alert, as living there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import write_ndjson
from tests.factories import add_alert, record
from tests.people.conftest import link_by_test_key
from vigil.people.search import reset_name_index
from vigil.records.importer import import_files
from vigil.records.models import Location, PersonMention

HENRY = "Flat 4, 1 Henry Avenue, Coventry"
GARNER = "Flat 4, 103 Garner Street, Birmingham"


def person(
    mention_id: str, forename: str, surname: str, dob: str, address: str, key: str, **extra: Any
) -> dict[str, Any]:
    return {
        "mention_id": mention_id,
        "role": "victim",
        "forename": forename,
        "surname": surname,
        "date_of_birth": dob,
        "address": address,
        "test_person": key,
        **extra,
    }


@pytest.fixture
def homes(db: None, tmp_path: Path) -> None:
    rows = [
        record(
            "call",
            "CALL-H",
            [
                person("c", "Lily", "Grant", "2015-04-01", HENRY, "lily"),
                person(
                    "m", "Sara", "Grant", "1988-02-02", "flat 4, 1 Henry Ave., COVENTRY", "sara"
                ),
            ],
            "2023-01-01",
            location={"address": HENRY, "premises_type": "private_dwelling"},
            category="domestic",
        ),
        record(
            "rso",
            "RSO-G",
            [
                person(
                    "o",
                    "Karl",
                    "Moss",
                    "1970-03-03",
                    GARNER,
                    "karl",
                    role="offender",
                    flags=["rso"],
                )
            ],
            "2023-02-01",
            risk_level="high",
            management="active",
        ),
        record(
            "call",
            "CALL-G",
            [person("k", "Karl", "Moss", "1970-03-03", GARNER, "karl")],
            "2023-03-01",
            location={"address": GARNER, "premises_type": "private_dwelling"},
            category="other",
        ),
    ]
    summary = import_files([write_ndjson(tmp_path / "homes.ndjson", rows)], started_by="test")
    assert summary.quarantined == 0, summary.errors
    reset_name_index()
    link_by_test_key()
    add_alert(
        "P-karl",
        code="RSO_NOT_FLAGGED",
        evidence=[["test", "RSO-G"]],
        explanation="KARL-ALERT-EXPLANATION",
    )


def home_of(forename: str) -> Location:
    location = PersonMention.objects.filter(forename=forename).first().location  # type: ignore[union-attr]
    assert location is not None
    return location


def test_the_briefing_lists_only_those_at_the_dwelling(
    homes: None, client_for: Callable[[str], Client]
) -> None:
    henry, garner = home_of("Lily"), home_of("Karl")
    assert henry != garner and home_of("Sara") == henry
    page = client_for("response_officer").get(f"/addresses/{henry.pk}/").content.decode()
    assert "Lily Grant" in page and "Sara Grant" in page
    assert "Karl Moss" not in page and "KARL-ALERT" not in page and "RSO_NOT_FLAGGED" not in page
    theirs = client_for("response_officer").get(f"/addresses/{garner.pk}/").content.decode()
    assert "Karl Moss" in theirs and "Lily Grant" not in theirs


def test_the_household_and_rso_flag_follow_the_dwelling(
    homes: None, client_for: Callable[[str], Client]
) -> None:
    page = client_for("investigator").get("/people/P-lily/").content.decode()
    assert "/people/P-sara/" in page
    assert "/people/P-karl/" not in page
    assert "Registered sex offender in the household" not in page


def test_searching_the_street_finds_one_dwelling(
    homes: None, client_for: Callable[[str], Client]
) -> None:
    found = (
        client_for("response_officer")
        .post("/addresses/", {"place": "Henry Avenue"})
        .content.decode()
    )
    assert f"/addresses/{home_of('Lily').pk}/" in found
    assert f"/addresses/{home_of('Karl').pk}/" not in found
