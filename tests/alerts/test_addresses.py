"""Exposure through a shared address without a postcode (issue 11 item 21): the rules match
such an address by its dwelling and town, as the store's locations do, so a DA incident at
'Flat 4, 1 Henry Avenue, Coventry' exposes the child living there and not the child at
'Flat 4, 103 Garner Street, Birmingham' (before, the rules ignored postcode-less addresses and
the store put both flats in one location). Incremental evaluation agrees with a full one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.test_incremental import import_one, snapshot
from tests.conftest import write_ndjson
from vigil.alerts.engine import assess
from vigil.alerts.models import Alert
from vigil.identity.store import relink_all
from vigil.records.importer import import_files

pytestmark = pytest.mark.django_db

AS_OF = dt.datetime(2014, 6, 1, 12, tzinfo=dt.UTC)
HENRY = {"address": "Flat 4, 1 Henry Avenue, Coventry"}
GARNER = {"address": "Flat 4, 103 Garner Street, Birmingham"}


def person(
    mention_id: str, role: str, forename: str, surname: str, born: str, home: dict[str, str]
) -> dict[str, Any]:
    return {
        "mention_id": mention_id,
        "role": role,
        "forename": forename,
        "surname": surname,
        "date_of_birth": born,
        **home,
    }


def da_call(source_id: str, when: str, people: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "record_type": "call",
        "source_system": "storm",
        "source_id": source_id,
        "occurred_at": when,
        "people": people,
        "category": "domestic",
        "location": {
            "address": "flat 4, 1 Henry Ave, COVENTRY",
            "premises_type": "private_dwelling",
        },
    }


def referral(source_id: str, child: dict[str, Any]) -> dict[str, Any]:
    return {
        "record_type": "referral",
        "source_system": "lccs",
        "source_id": source_id,
        "occurred_at": "2013-10-01T09:00:00+00:00",
        "people": [child],
        "to_agency": "childrens_social_care",
        "received_at": "2013-10-01T09:00:00+00:00",
        "decision_at": "2013-10-01T15:00:00+00:00",
        "decision": "no_further_action",
    }


def test_a_da_incident_at_a_postcode_less_flat_exposes_its_child_only(tmp_path: Path) -> None:
    mother = person("v", "victim", "Sarah", "Collins", "1988-03-14", HENRY)
    father = person("s", "suspect", "Darren", "Collins", "1985-11-02", HENRY)
    here = person("k", "subject", "Kayleigh", "Collins", "2008-05-06", HENRY)
    elsewhere = person("k", "subject", "Jade", "Hill", "2007-07-09", GARNER)
    first = [
        referral("REF-1", here),
        referral("REF-2", elsewhere),
        da_call("CAD-1", "2013-11-02T22:10:00+00:00", [mother, father]),
        da_call("CAD-2", "2014-02-15T21:00:00+00:00", [mother, father]),
    ]
    import_files([write_ndjson(tmp_path / "first.ndjson", first)], started_by="test")
    relink_all(actor="test")
    assess(AS_OF)
    assert not Alert.objects.filter(code="CUMULATIVE_DOMESTIC_ABUSE").exists()
    import_one(
        write_ndjson(
            tmp_path / "third.ndjson",
            [da_call("CAD-3", "2014-05-30T23:00:00+00:00", [mother, father])],
        ),
        AS_OF,
        incremental_link=False,
    )
    [alert] = Alert.objects.filter(code="CUMULATIVE_DOMESTIC_ABUSE")
    assert alert.mentions == [["lccs", "REF-1", "k"]]  # Kayleigh, not Jade
    assert [k[1] for k in alert.evidence] == ["CAD-1", "CAD-2", "CAD-3"]
    incremental = snapshot()
    _, full = assess(AS_OF)
    assert (full.raised, full.resolved, full.updated) == (0, 0, 0)
    assert snapshot() == incremental
