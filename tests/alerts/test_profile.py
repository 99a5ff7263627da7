"""`vigil person`'s profile: a person's names, dates of birth and chronology across records."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES
from vigil.alerts.profile import MentionNotFound, person_profile
from vigil.identity.store import person_map, relink_all
from vigil.records.importer import import_files
from vigil.rules import MentionKey

pytestmark = pytest.mark.django_db


def test_person_profile() -> None:
    import_files([EXAMPLES / "cumulative_domestic_abuse" / "records.ndjson"])
    relink_all(actor="test")
    profile = person_profile("storm", "CAD-1001", "k")
    assert profile["person_id"] == person_map()[MentionKey("storm", "CAD-1001", "k")]
    assert set(profile["names"]) == {"Kayleigh Collins", "Kayley Collins"}
    assert profile["best_name"] == "Kayleigh Collins"
    assert profile["dates_of_birth"] == ["2008-05-06", "2008-06-05"]
    assert [c["source_id"] for c in profile["chronology"]] == [
        "CAD-1001",
        "PPN-2001",
        "CR-3001",
        "PPN-2002",
    ]
    with pytest.raises(MentionNotFound):
        person_profile("storm", "CAD-1001", "nobody")
