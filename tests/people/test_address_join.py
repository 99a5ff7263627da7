"""Issue 15 item 7: "107 Newton Street, Birmingham" recorded with postcode B18 9HD and again
without one is one address in the briefing (read time, the store is not rekeyed), and the briefing
says so; the same first line and town under two postcodes joins nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import person, record
from vigil.access.disclosure import Viewer
from vigil.audit.models import AuditEntry
from vigil.identity.store import relink_all
from vigil.people.briefing import briefing, find_locations, joined
from vigil.records.models import Location

pytestmark = pytest.mark.django_db
NEWTON = "107 Newton Street, Birmingham"
POLICE = Viewer(intelligence=True, agreement=None)


@pytest.fixture
def newton(import_records: Callable[..., Any]) -> dict[str, Location]:
    import_records(
        [
            record(
                "call",
                "C-1",
                [
                    person(
                        "c",
                        "child_present",
                        "Amy",
                        "Stone",
                        "2014-04-01",
                        address=NEWTON,
                        postcode="b18 9hd",
                    )
                ],
                day="2025-03-01",
                category="domestic",
                location={
                    "address": NEWTON,
                    "postcode": "B18 9HD",
                    "premises_type": "private_dwelling",
                },
            ),
            record(
                "crime",
                "CR-2",
                [
                    person(
                        "v",
                        "victim",
                        "Ben",
                        "Stone",
                        "2012-06-02",
                        address="107 Newton St, BIRMINGHAM",
                        postcode=None,
                    )
                ],
                day="2025-04-01",
                offence_group="domestic_abuse",
                location={
                    "address": "107 Newton St, BIRMINGHAM",
                    "premises_type": "private_dwelling",
                },
            ),
            # Two homes at "12 Mill Lane, Leeds" in two postcodes, and one without a postcode.
            record(
                "call",
                "C-3",
                [
                    person(
                        "a",
                        "child_present",
                        "Cara",
                        "Lee",
                        "2013-01-01",
                        address="12 Mill Lane, Leeds",
                        postcode="LS1 1AA",
                    )
                ],
            ),
            record(
                "call",
                "C-4",
                [
                    person(
                        "a",
                        "child_present",
                        "Dan",
                        "Moss",
                        "2013-02-02",
                        address="12 Mill Lane, Leeds",
                        postcode="LS6 2BB",
                    )
                ],
            ),
            record(
                "call",
                "C-5",
                [
                    person(
                        "a",
                        "child_present",
                        "Eve",
                        "Ray",
                        "2013-03-03",
                        address="12 Mill Lane, Leeds",
                        postcode=None,
                    )
                ],
            ),
        ]
    )
    relink_all(actor="test")
    return {
        "with": Location.objects.get(key="B18 9HD|107 newton street"),
        "without": Location.objects.get(key="|107 newton street, birmingham"),
        "mill_bare": Location.objects.get(key="|12 mill lane, leeds"),
        "mill_1": Location.objects.get(key="LS1 1AA|12 mill lane"),
    }


def test_an_address_without_its_postcode_joins_the_one_with_it(
    newton: dict[str, Location],
) -> None:
    for opened in (newton["with"], newton["without"]):
        group = joined(opened)
        assert group.primary == newton["with"] and group.without_postcode == [newton["without"]]
        brief = briefing(opened, POLICE)
        assert brief.location == newton["with"]
        assert sorted(r.summary.best_name for r in brief.residents) == ["Amy Stone", "Ben Stone"]
        assert len(brief.da_incidents) == 2  # the call here and the crime recorded without
        assert brief.records_without_postcode == 1


def test_two_candidates_join_nothing(newton: dict[str, Location]) -> None:
    group = joined(newton["mill_bare"])
    assert group.primary == newton["mill_bare"] and group.without_postcode == []
    assert joined(newton["mill_1"]).without_postcode == []
    brief = briefing(newton["mill_bare"], POLICE)
    assert [r.summary.best_name for r in brief.residents] == ["Eve Ray"]
    assert brief.records_without_postcode == 0


def test_the_briefing_says_when_it_joined(as_role: Any, newton: dict[str, Location]) -> None:
    client, user = as_role("response_officer")
    page = client.get(reverse("people:address", args=[newton["without"].pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Also recorded without a postcode: 1 record" in text
    assert "B18 9HD" in text and "Amy Stone" in text and "Ben Stone" in text
    entry = AuditEntry.objects.filter(action="address.view", actor=user.username).last()
    assert entry is not None
    assert entry.detail["joined"] == [newton["with"].pk, newton["without"].pk]
    plain = client.get(reverse("people:address", args=[newton["mill_1"].pk])).content.decode()
    assert "Also recorded without a postcode" not in plain


def test_the_address_search_lists_the_address_once(newton: dict[str, Location]) -> None:
    rows = find_locations("Newton")
    assert [r["pk"] for r in rows] == [newton["with"].pk]
    assert rows[0]["people"] == 2 and rows[0]["also_without_postcode"] == 1
    by_postcode = find_locations("B18 9HD")
    assert by_postcode[0]["also_without_postcode"] == 1
    mill = find_locations("Mill Lane")
    assert len(mill) == 3 and all(r["also_without_postcode"] == 0 for r in mill)


def test_a_postcode_search_finds_those_recorded_without_it(
    as_role: Any, newton: dict[str, Location]
) -> None:
    client, _ = as_role("response_officer")
    found = client.post(reverse("people:search"), {"place": "B18 9HD"})
    names = sorted(p.best_name for p in found.context["result"].people)
    assert names == ["Amy Stone", "Ben Stone"]
    mill = client.post(reverse("people:search"), {"place": "LS1 1AA"})
    assert [p.best_name for p in mill.context["result"].people] == ["Cara Lee"]
