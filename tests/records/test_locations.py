"""Locations in the store: one per dwelling, and stores keyed the old way corrected (issue 11
item 21)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from tests.conftest import write_ndjson
from vigil.records.importer import import_files
from vigil.records.models import Location, PersonMention, Record
from vigil.records.normalise import location_key
from vigil.records.relocate import rekey_locations

pytestmark = pytest.mark.django_db

HENRY = "Flat 4, 1 Henry Avenue, Coventry"
GARNER = "Flat 4, 103 Garner Street, Birmingham"


def call(
    source_id: str, forename: str, address: str, postcode: str | None = None
) -> dict[str, Any]:
    place = {
        "address": address,
        "premises_type": "private_dwelling",
        **({"postcode": postcode} if postcode else {}),
    }
    return {
        "record_type": "call",
        "source_system": "storm",
        "source_id": source_id,
        "occurred_at": "2024-01-01T10:00:00+00:00",
        "category": "domestic",
        "location": place,
        "people": [
            {"mention_id": "p1", "role": "victim", "forename": forename, "surname": "Test", **place}
        ],
    }


def located(forename: str) -> Location:
    return PersonMention.objects.get(forename=forename).location


def load(tmp_path: Path) -> None:
    import_files(
        [
            write_ndjson(
                tmp_path / "calls.ndjson",
                [
                    call("C-1", "Amy", HENRY),
                    call("C-2", "Karl", GARNER),
                    call("C-3", "Bea", "flat 4, 1 Henry Ave., COVENTRY"),
                    call("C-4", "Dan", "12 Oak Rd, Coventry", "cv1 2ab"),
                    call("C-5", "Eve", "12 Oak Road", "CV12AB"),
                ],
            )
        ]
    )


def test_import_puts_each_dwelling_in_its_own_location(tmp_path: Path) -> None:
    load(tmp_path)
    assert located("Amy") != located("Karl")
    assert located("Amy") == located("Bea")
    assert located("Amy").key == "|flat 4 1 henry avenue, coventry"
    assert located("Dan") == located("Eve")
    assert Record.objects.get(source_id="C-2").location == located("Karl")


def test_stores_keyed_the_old_way_are_corrected(tmp_path: Path) -> None:
    """A store imported before: every postcode-less 'Flat 4' was the one location '|flat 4'."""
    load(tmp_path)
    old = Location.objects.create(key="|flat 4", address=GARNER)  # first written at Garner St
    for forename in ("Amy", "Karl", "Bea"):
        mention = PersonMention.objects.get(forename=forename)
        Record.objects.filter(pk=mention.record_id).update(location=old)
        PersonMention.objects.filter(pk=mention.pk).update(location=old)
    Location.objects.exclude(pk=old.pk).filter(residents__isnull=True).delete()
    dan = located("Dan")

    counts = rekey_locations(Location, PersonMention, Record)

    assert located("Amy") != located("Karl") and located("Amy") == located("Bea")
    assert located("Amy").pk == old.pk  # renamed: its page and audit targets carry on
    assert located("Amy").key == location_key(HENRY, None)
    assert located("Amy").address == HENRY and located("Karl").address == GARNER
    assert located("Karl").key == location_key(GARNER, None)
    assert located("Dan") == located("Eve") == dan  # unchanged keys stay where they were
    for record in Record.objects.select_related("location"):
        place = record.payload["location"]
        assert record.location.key == location_key(place["address"], place.get("postcode"))
    assert not Location.objects.filter(residents__isnull=True, records__isnull=True).exists()
    assert counts["locations_renamed"] == 1 and counts["locations_created"] == 1
    assert counts["mentions_moved"] == 1 and counts["records_moved"] == 1
    assert rekey_locations(Location, PersonMention, Record)["mentions_moved"] == 0  # idempotent


def test_an_address_that_no_longer_identifies_a_dwelling_loses_its_location(tmp_path: Path) -> None:
    load(tmp_path)
    old = Location.objects.create(key="|1 henry avenue", address="1 Henry Avenue")
    mention = PersonMention.objects.get(forename="Amy")
    PersonMention.objects.filter(pk=mention.pk).update(location=old, address="1 Henry Avenue")
    rekey_locations(Location, PersonMention, Record)
    assert located("Amy") is None
    assert not Location.objects.filter(pk=old.pk).exists()


def test_the_migration_recomputes_the_keys(tmp_path: Path) -> None:
    load(tmp_path)
    old = Location.objects.create(key="|flat 4", address=HENRY)
    PersonMention.objects.filter(forename__in=["Amy", "Karl"]).update(location=old)
    migration = importlib.import_module("vigil.records.migrations.0006_dwelling_location_keys")
    # What the migration is handed of its schema editor: the connection it migrates on.
    migration.forwards(apps, SimpleNamespace(connection=connection))
    assert located("Amy") != located("Karl")
