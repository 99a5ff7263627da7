"""The casebook's shared definitions: child, address, household, incident, association."""

from __future__ import annotations

from tests.rules.builders import HOME, Case, t
from vigil.records.normalise import location_key
from vigil.rules import Casebook, MentionKey, unresolved_person_id
from vigil.rules.definitions import address_key


def test_address_key_normalises_postcode_and_first_line() -> None:
    assert address_key("14 Alder Road, Birmingham", "b12 9qd") == address_key(
        "14  ALDER road", "B129QD"
    )
    assert address_key("14 Alder Road", None) is None  # no postcode and no town: which Alder Road?
    assert address_key("", "B12 9QD") is None


def test_address_key_is_the_stores_location_key() -> None:
    """ALERTS.md 'Address' in the rules is the store's key, so households, the briefing and
    the rules group the same addresses (issue 11 item 21)."""
    for address, code in [
        ("Flat 4, 1 Henry Avenue, Coventry", None),
        ("Flat 4, 1 Henry Avenue, Coventry", "CV1 1AA"),
        ("Flat 4, 103 Garner Street, Birmingham", None),
        ("14 Alder Road", None),
        ("", "B12 9QD"),
    ]:
        assert address_key(address, code) == location_key(address, code)


def test_flats_in_different_towns_without_a_postcode_are_different_homes() -> None:
    """Before, both were 'flat 4': Karl at Garner Street became Amy's household at Henry
    Avenue, and the address linked them."""
    case = Case()
    henry = {"address": "Flat 4, 1 Henry Avenue, Coventry", "postcode": None}
    garner = {"address": "Flat 4, 103 Garner Street, Birmingham"}
    same_flat = {"address": "flat 4, 1 Henry Ave., COVENTRY"}
    case.add("call", "A", "2014-01-01 10:00", [("amy", "victim", henry)])
    case.add("call", "B", "2014-01-02 10:00", [("karl", "suspect", garner)])
    case.add("call", "C", "2014-01-03 10:00", [("bea", "victim", same_flat)])
    book = case.book()
    as_of = t("2014-06-01 00:00")
    assert book.address_on("amy", as_of.date(), as_of) != book.address_on(
        "karl", as_of.date(), as_of
    )
    assert {p for p, _ in book.associations("amy", as_of)} == {"bea"}
    assert dict(book.associations("karl", as_of)) == {}


def test_child_by_any_recorded_date_and_by_age_estimate() -> None:
    case = Case()
    case.add("call", "A", "2014-01-01 10:00", [("amy", "victim", {"date_of_birth": "1990-01-01"})])
    case.add("call", "B", "2014-02-01 10:00", [("amy", "victim", {"date_of_birth": "2000-01-01"})])
    case.add(
        "call",
        "C",
        "2014-02-01 10:00",
        [("eve", "victim", {"date_of_birth": None, "age_estimate": 15})],
    )
    book = case.book()
    assert book.is_child("amy", t("2014-01-01 10:00"), t("2014-06-01 00:00"))
    assert not book.is_child("amy", t("2014-01-01 10:00"), t("2014-01-15 00:00"))  # as of then
    assert book.is_child("eve", t("2016-01-31 10:00"), t("2016-06-01 00:00"))
    assert not book.is_child("eve", t("2017-02-02 10:00"), t("2017-06-01 00:00"))
    assert not book.is_child("nobody", t("2014-01-01 10:00"), t("2014-06-01 00:00"))


def test_usual_birth_date_is_the_most_recorded_latest_on_tie() -> None:
    case = Case()
    for sid, dob in [("A", "2000-01-01"), ("B", "2000-01-01"), ("C", "2001-01-01")]:
        case.add("call", sid, "2014-01-01 10:00", [("amy", "victim", {"date_of_birth": dob})])
    book = case.book()
    assert str(book.usual_birth_date("amy", t("2014-06-01 00:00"))) == "2000-01-01"
    case.add("call", "D", "2014-01-02 10:00", [("amy", "victim", {"date_of_birth": "2001-01-01"})])
    assert str(case.book().usual_birth_date("amy", t("2014-06-01 00:00"))) == "2001-01-01"


def test_unmapped_mentions_are_their_own_person() -> None:
    case = Case()
    case.add("call", "A", "2014-01-01 10:00", [("amy", "victim")])
    book = Casebook(case.records, {})
    person = unresolved_person_id(MentionKey("sys", "A", "m0"))
    assert person == "m:sys/A/m0"
    assert book.mentions_of(person, t("2014-06-01 00:00")) == (MentionKey("sys", "A", "m0"),)


def test_care_homes_do_not_link_people_but_homes_do() -> None:
    care_home = {
        "address": "Meadow House, 2 Station Road",
        "postcode": "WR1 3AA",
        "premises_type": "care_home",
    }
    # The children give the care home's address as the record does (a building name alone is
    # another address: the dwelling key keeps the street).
    home = {"address": "Meadow House, 2 Station Rd", "postcode": "WR1 3AA"}
    case = Case()
    case.add(
        "missing", "M1", "2014-01-01 10:00", [("amy", "missing_person", home)], location=care_home
    )
    case.add(
        "missing", "M2", "2014-01-02 10:00", [("finn", "missing_person", home)], location=care_home
    )
    case.add(
        "call", "X", "2014-01-03 10:00", [("cara", "victim"), ("ben", "subject")], location=HOME
    )
    case.add("call", "Y", "2014-01-04 10:00", [("dan", "suspect")], location=HOME)
    book = case.book()
    as_of = t("2014-06-01 00:00")
    assert dict(book.associations("amy", as_of)) == {}
    assert {p for p, _ in book.associations("dan", as_of)} == {"cara", "ben"}
    # Before the care home was recorded as one, the shared address did link them.
    assert {p for p, _ in book.associations("amy", t("2014-01-01 12:00"))} == set()


def test_association_excludes_reporters_and_uses_shared_identifiers() -> None:
    case = Case()
    case.add("call", "A", "2014-01-01 10:00", [("finn", "victim"), ("eve", "reporting_person")])
    case.add(
        "call",
        "B",
        "2014-01-05 10:00",
        [("finn", "subject")],
        objects=[{"object_type": "phone", "identifier": "07700 900123"}],
    )
    case.add(
        "call",
        "C",
        "2014-02-05 10:00",
        [("dan", "subject")],
        objects=[{"object_type": "phone", "identifier": "07700900123"}],
    )
    book = case.book()
    linked = dict(book.associations("finn", t("2014-06-01 00:00")))
    assert set(linked) == {"dan"}  # not the reporting person
    assert linked["dan"][0].evidence == (("sys", "C"), ("sys", "B"))
    assert dict(book.associations("finn", t("2014-02-01 00:00"))) == {}  # not yet


def test_links_join_records_into_one_incident_transitively_and_as_of() -> None:
    case = Case()
    case.add("call", "A", "2014-01-01 10:00", [], category="domestic")
    case.add(
        "crime",
        "B",
        "2014-01-01 11:00",
        [],
        offence_group="domestic_abuse",
        links=[{"source_system": "sys", "source_id": "A", "relation": "follows_from"}],
    )
    case.add(
        "concern",
        "C",
        "2014-01-03 11:00",
        [],
        concern_type="domestic_abuse_noncrime",
        links=[{"source_system": "sys", "source_id": "B", "relation": "part_of"}],
    )
    from vigil.rules.policy import DEFAULT_POLICY
    from vigil.rules.view import View

    book = case.book()
    assert len(View(book, DEFAULT_POLICY, t("2014-06-01 00:00")).da_incidents) == 1
    assert len(View(book, DEFAULT_POLICY, t("2014-01-02 00:00")).da_incidents) == 1
    view = View(book, DEFAULT_POLICY, t("2014-01-01 10:30"))
    assert [i.root.source_id for i in view.da_incidents.values()] == ["A"]


def test_people_linked_by_a_phone_and_a_home_on_the_same_records() -> None:
    case = Case()
    phone = [{"object_type": "phone", "identifier": "07700900123"}]
    case.add("call", "A", "2014-01-01 10:00", [("cara", "victim")], objects=phone, location=HOME)
    case.add("call", "B", "2014-01-02 10:00", [("dan", "suspect")], objects=phone, location=HOME)
    events = dict(case.book().associations("dan", t("2014-06-01 00:00")))["cara"]
    assert {e.address for e in events} == {None, "TN1 1AA|1 elm road"}
