"""The exploitation network around a person (/people/<id>/network/): the rule's network, its
graph and counts, and the SVG with its text alternative."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factories import add_alert, make_user
from tests.people import network_force
from vigil.access.disclosure import viewer_for
from vigil.audit.models import AuditEntry
from vigil.identity.models import Person
from vigil.people.network import Network, graph_of, network_around

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None, tmp_path: Path) -> dict[str, Person]:
    return network_force.build(tmp_path)


def _network(person: Person, role: str = "mash") -> Network:
    return network_around(person, viewer_for(make_user(role)))


def test_the_adults_network_is_the_rules(people: dict[str, Person]) -> None:
    network = _network(people["marcus"])
    assert [n.key for n in network.adults] == ["P-marcus"]
    assert {n.key for n in network.children} == {"P-kayla", "P-leon", "P-jade"}
    # Dean is linked to one child only (the policy asks for 2): not in the network.
    assert "P-dean" not in {n.key for n in network.nodes}
    assert [n.key for n in network.flagged_children] == ["P-kayla"]
    assert network.subject is not None and network.subject.key == "P-marcus"


def test_a_childs_page_finds_the_same_network(people: dict[str, Person]) -> None:
    mine = _network(people["jade"])
    assert {n.key for n in mine.nodes} == {n.key for n in _network(people["marcus"]).nodes}
    assert mine.subject is not None and mine.subject.key == "P-jade"


def test_edges_and_counts_by_kind(people: dict[str, Person]) -> None:
    network = _network(people["marcus"])
    pairs = {frozenset((link.a.key, link.b.key)): link.kinds for link in network.links}
    assert pairs == {
        frozenset(("P-marcus", "P-kayla")): ["Named on the same record"],
        frozenset(("P-marcus", "P-leon")): ["Named on the same record"],
        frozenset(("P-marcus", "P-jade")): ["Shared phone"],
    }
    assert network.links_by_kind == [("Named on the same record", 2), ("Shared phone", 1)]
    graph = graph_of(network.nodes, network.links)
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() == 3
    assert {n.key: n.degree for n in network.nodes}["P-marcus"] == 3


def test_no_network_around_someone_outside_one(people: dict[str, Person]) -> None:
    network = _network(people["amy"])
    assert network.nodes == [] and network.links == []
    assert network.text_alternative == "No network to draw."


def test_the_layout_is_stable_and_inside_the_drawing(people: dict[str, Person]) -> None:
    first = {n.key: (n.x, n.y) for n in _network(people["marcus"]).nodes}
    again = {n.key: (n.x, n.y) for n in _network(people["marcus"]).nodes}
    assert first == again
    assert all(0 < x < 960 and 0 < y < 640 for x, y in first.values())


def test_svg_is_an_image_with_a_text_alternative(people: dict[str, Person]) -> None:
    network = _network(people["marcus"])
    svg = network.svg
    assert 'role="img"' in svg
    assert 'aria-labelledby="network-title network-desc"' in svg
    desc = re.search(r'<desc id="network-desc">(.*?)</desc>', svg)
    assert desc is not None
    text = desc.group(1)
    assert text.startswith("A network of 1 adult and 3 children, 1 of the children flagged")
    assert "Marcus Reed, adult aged 34" in text
    assert "Kayla Moss, child aged 14, flagged at risk of exploitation" in text
    # Adults are squares and children circles; each labelled with name and age.
    assert svg.count("<rect ") == 2  # the background and Marcus
    assert svg.count('r="14"') == 3
    assert ">Kayla Moss, 14 (flagged)</text>" in svg and ">Leon Ward, 15</text>" in svg


def test_the_page_shows_the_profile_and_logs_the_view(
    people: dict[str, Person], as_role: Callable[..., Any]
) -> None:
    client, user = as_role("mash")
    response = client.get("/people/P-kayla/network/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="count-children">3<', html)
    assert re.search(r'id="count-flagged">1<', html)
    assert re.search(r'id="count-adults">1<', html)
    assert "2 of the 3 children in this network are not flagged" in html
    assert "<svg" in html and "Shared phone" in html
    entry = AuditEntry.objects.filter(action="person.view_network").latest("pk")
    assert entry.actor == user.username and entry.target == "P-kayla"
    assert entry.detail["adults"] == ["P-marcus"]


def test_the_alert_page_links_to_it(people: dict[str, Person], as_role: Callable[..., Any]) -> None:
    alert = add_alert("P-marcus", code="EXPLOITATION_NETWORK", evidence=[["test", "CSE-1"]])
    other = add_alert("P-amy")
    client, _ = as_role("supervisor")
    html = client.get(f"/alerts/{alert.alert_id}/").content.decode()
    assert 'href="/people/P-marcus/network/"' in html
    assert "/network/" not in client.get(f"/alerts/{other.alert_id}/").content.decode()
    around = client.get("/people/P-marcus/around/").content.decode()
    assert 'href="/people/P-marcus/network/"' in around


@pytest.mark.parametrize(
    "role", ["partner_csc", "partner_health", "partner_education", "admin", "call_handler"]
)
def test_roles_without_intelligence_may_not_see_it(
    people: dict[str, Person], as_role: Callable[..., Any], role: str
) -> None:
    client, _ = as_role(role)
    assert client.get("/people/P-marcus/network/").status_code == 403
    assert not AuditEntry.objects.filter(action="person.view_network").exists()


def test_everyone_the_rule_raises_is_in_the_network_and_no_one_else(
    people: dict[str, Person],
) -> None:
    from django.utils import timezone

    from vigil.alerts.engine import current_policy, load_casebook
    from vigil.rules import evaluate

    findings = evaluate(load_casebook(), current_policy(), timezone.now())
    raised = {f.person_id for f in findings if f.code == "EXPLOITATION_NETWORK"}
    assert raised == {"P-marcus", "P-kayla", "P-leon", "P-jade"}
    for person_id in raised:
        network = _network(people[person_id.removeprefix("P-")])
        assert {n.key for n in network.nodes} == raised, person_id
