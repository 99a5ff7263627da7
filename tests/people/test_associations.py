"""Who is around a person (/people/<id>/around/): the rules' one-hop associations, with why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_user
from tests.people import network_force
from vigil.access.disclosure import viewer_for
from vigil.audit.models import AuditEntry
from vigil.identity.models import Person
from vigil.people.around import IN_MATTER, OFFENDER, SEXUAL_SUSPECT, around

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None, tmp_path: Path) -> dict[str, Person]:
    return network_force.build(tmp_path)


def _around(person: Person, role: str = "investigator") -> dict[str, Any]:
    found = around(person, viewer_for(make_user(role)))
    return {a.person_id: a for a in found.associates} | {"_": found}


def test_named_on_the_same_record_says_which_record_and_roles(
    people: dict[str, Person],
) -> None:
    found = _around(people["kayla"])
    assert set(found) - {"_"} == {"P-marcus", "P-dean"}
    marcus = found["P-marcus"]
    assert marcus.kinds == ["Named on the same record"]
    (reason,) = marcus.reasons
    assert reason.text == (
        "Named together on Sexual activity with a child (crime), "
        f"{reason.records[0].text.split(', ', 1)[1]}: this person as victim, "
        "Marcus Reed as suspect."
    )
    assert reason.records[0].url and reason.records[0].url.startswith("/records/")
    assert marcus.since == reason.at


def test_adults_in_sexual_matters_and_suspects_are_marked(people: dict[str, Person]) -> None:
    found = _around(people["kayla"])
    assert SEXUAL_SUSPECT in found["P-dean"].tags
    assert IN_MATTER in found["P-dean"].tags
    assert found["P-dean"].concern and found["P-marcus"].concern
    assert not found["P-marcus"].is_child and found["P-marcus"].age == 34
    assert found["_"].in_matters == 2


def test_shared_private_dwelling_links_and_marks_the_offender(people: dict[str, Person]) -> None:
    found = _around(people["amy"])
    derek = found["P-derek"]
    assert derek.kinds == ["Shared home address"]
    assert derek.reasons[0].text == "Both recorded as living at 5 Elm Road, Leeds, LS6 2AB."
    assert derek.tags == [OFFENDER]
    assert found["_"].offenders == 1
    # The offender comes first: staff must see him before anyone else.
    assert found["_"].associates[0].person_id == "P-derek"


def test_a_care_home_and_a_witness_link_no_one(people: dict[str, Person]) -> None:
    found = _around(people["amy"])
    assert "P-tom" not in found  # both at Oak House, a care home
    assert "P-sue" not in found  # a witness on Amy's call


def test_shared_vehicle_however_written(people: dict[str, Person]) -> None:
    found = _around(people["amy"])
    vic = found["P-vic"]
    assert vic.kinds == ["Shared vehicle"]
    assert "YX19 ABC" in vic.reasons[0].text
    assert len(vic.reasons[0].records) == 2


def test_shared_phone(people: dict[str, Person]) -> None:
    found = _around(people["jade"])
    assert found["P-marcus"].kinds == ["Shared phone"]
    assert "07700 900999" in found["P-marcus"].reasons[0].text


def test_children_are_marked_with_their_age(people: dict[str, Person]) -> None:
    found = _around(people["marcus"])
    kayla = found["P-kayla"]
    assert kayla.is_child and kayla.age == 14
    assert "Flagged at risk of sexual exploitation" in kayla.tags
    assert found["_"].children == 3


def test_intelligence_links_are_left_out_for_roles_that_may_not_see_it(
    people: dict[str, Person],
) -> None:
    found = _around(people["leon"], role="call_handler")
    assert "P-marcus" not in found
    assert found["_"].withheld == 1
    assert "P-marcus" in _around(people["leon"])


def test_the_page_shows_why_and_logs_the_view(
    people: dict[str, Person], as_role: Callable[..., Any]
) -> None:
    client, user = as_role("investigator")
    response = client.get("/people/P-amy/around/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Who is around this person" in html
    assert "Derek Hale" in html and "Registered sex offender" in html
    assert "Shared home address" in html and "Shared vehicle" in html
    assert "Tom Rigg" not in html and "Sue Wise" not in html
    assert "Child, aged 12" not in html  # Amy is the subject, not her own associate
    entry = AuditEntry.objects.filter(action="person.view_associations").latest("pk")
    assert entry.actor == user.username and entry.target == "P-amy"
    assert set(entry.detail["associates"]) == {"P-derek", "P-vic"}


def test_the_person_page_links_to_it(
    people: dict[str, Person], as_role: Callable[..., Any]
) -> None:
    client, _ = as_role("call_handler")
    html = client.get("/people/P-amy/").content.decode()
    assert 'href="/people/P-amy/around/"' in html
    assert "Who is around this person" in html


@pytest.mark.parametrize("role", ["partner_csc", "partner_health", "partner_education", "admin"])
def test_partners_and_administrators_may_not_see_it(
    people: dict[str, Person], as_role: Callable[..., Any], role: str
) -> None:
    client, _ = as_role(role)
    assert client.get("/people/P-amy/around/").status_code == 403
    assert not AuditEntry.objects.filter(action="person.view_associations").exists()


def test_the_same_associations_as_the_whole_stores_casebook(people: dict[str, Person]) -> None:
    """The page loads only the person's neighbourhood: it must find exactly what a casebook of
    every record finds (the rules' one-hop association), for everyone."""
    from django.utils import timezone

    from vigil.alerts.engine import load_casebook

    book = load_casebook()
    now = timezone.now()
    for key, person in people.items():
        whole = {other for other, _ in book.associations(person.person_id, now)}
        found = _around(person)
        assert set(found) - {"_"} == whole, key
        for other, events in book.associations(person.person_id, now):
            assert found[other].since == min(e.at for e in events), (key, other)
