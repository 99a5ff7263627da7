"""Issue 15 item 9: search errors follow the GOV.UK pattern (one message per problem, on the field
it is about, a swapped day and month explained); a first name and an age range search; a year
typed one out still finds the child, after the exact matches."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import person, record
from vigil.audit.models import AuditEntry
from vigil.identity.store import relink_all
from vigil.people.search import _born_between
from vigil.records.models import PersonMention

pytestmark = pytest.mark.django_db
SEARCH = reverse("people:search")


def errors_of(text: str) -> list[tuple[str, str]]:
    """The error summary's (link, message) pairs."""
    summary = text.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


@pytest.mark.parametrize(
    ("day", "month", "year", "field", "message"),
    [
        ("12", "25", "2010", "id_dob_month", "did you mean 25 December 2010?"),
        ("3", "", "2010", "id_dob_month", "Date of birth must include a month"),
        ("", "", "2010", "id_dob_day", "Date of birth must include a day and a month"),
        ("31", "2", "2010", "id_dob_day", "February has no day 31"),
        ("31", "31", "2010", "id_dob_month", "Month must be a number from 1 to 12"),
        ("1", "4", "10", "id_dob_year", "Year must include 4 numbers"),
        ("1", "4", "2999", "id_dob_year", "Date of birth must be today or in the past"),
        ("x", "4", "2010", "id_dob_day", "Date of birth must be a real date, in numbers"),
    ],
)
def test_a_date_of_birth_gets_one_message_on_the_part_that_is_wrong(
    as_role: Any, day: str, month: str, year: str, field: str, message: str
) -> None:
    client, _ = as_role("investigator")
    response = client.post(
        SEARCH, {"surname": "Stone", "dob_day": day, "dob_month": month, "dob_year": year}
    )
    text = response.content.decode()
    found = errors_of(text)
    assert len(found) == 1, found  # one message per problem
    assert found[0][0] == field and message in found[0][1]
    assert "govuk-error-summary" in text and "autofocus" in text  # focused on load
    assert text.count('class="govuk-error-message"') == 1
    assert f'id="{field}"' in text
    marked = re.search(rf'<input class="([^"]*)" id="{field}"', text)
    assert marked is not None and "govuk-input--error" in marked.group(1)
    assert "<title>Error: " in text
    assert not AuditEntry.objects.filter(action="person.search").exists()


def test_the_swapped_date_is_explained_in_words(as_role: Any) -> None:
    client, _ = as_role("investigator")
    text = client.post(
        SEARCH, {"surname": "Stone", "dob_day": "12", "dob_month": "25", "dob_year": "2010"}
    ).content.decode()
    assert (
        "12/25 has no month 25: did you mean 25 December 2010? Enter the day first, then the "
        "month" in text
    )


def test_htmx_swaps_the_form_with_its_errors(as_role: Any) -> None:
    client, _ = as_role("investigator")
    response = client.post(
        SEARCH, {"surname": "Stone", "dob_day": "3", "dob_year": "2010"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # htmx swaps only a 2xx answer
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="search-area">')
    assert "govuk-error-summary" in text and "govuk-input--error" in text
    assert "<html" not in text


@pytest.fixture
def children(import_records: Callable[..., Any]) -> dict[str, str]:
    today = timezone.localdate()

    def born(age: int) -> str:
        return today.replace(year=today.year - age, month=1, day=1).isoformat()

    import_records(
        [
            record("call", "C-1", [person("a", "child_present", "Amy", "Stone", born(13))]),
            record("call", "C-2", [person("a", "child_present", "Amy", "Hart", born(17))]),
            record("call", "C-3", [person("a", "child_present", "Bo", "Reed", born(14))]),
            record("call", "C-4", [person("a", "child_present", "Amie", "Lowe", born(15))]),
            record("call", "C-5", [person("a", "child_present", "Ann", "Stone", "2009-04-01")]),
            record("call", "C-6", [person("a", "child_present", "Alex", "Stone", "2010-04-01")]),
        ]
    )
    relink_all(actor="test")
    return {"born13": born(13)}


def names_found(response: Any) -> list[str]:
    result = response.context["result"]
    return [p.best_name for p in result.people]


def test_a_first_name_and_an_age_range_search(as_role: Any, children: dict[str, str]) -> None:
    client, user = as_role("investigator")
    found = client.post(SEARCH, {"forename": "Amy", "age": "age 12 to 15"})
    assert found.status_code == 200
    # Amy Stone (13) and Amie Lowe (15, a spelling of Amy); not Amy Hart (17) nor Bo (14).
    assert sorted(names_found(found)) == ["Amie Lowe", "Amy Stone"]
    assert sorted(names_found(client.post(SEARCH, {"forename": "amy", "age": "16-18"}))) == [
        "Amy Hart"
    ]
    # One age is a year either side: 13 to 15.
    assert sorted(names_found(client.post(SEARCH, {"forename": "Amy", "age": "14"}))) == [
        "Amie Lowe",
        "Amy Stone",
    ]
    entry = AuditEntry.objects.filter(action="person.search", actor=user.username).first()
    assert entry is not None
    assert entry.detail["criteria"] == {"forename": "Amy", "age_min": 12, "age_max": 15}


@pytest.mark.parametrize(
    ("age", "message"),
    [
        ("15 to 12", "Give the younger age first, like 12 to 15"),
        ("twelve", "Enter an age, like 12, or a range of ages, like 12 to 15"),
        ("130", "Age must be 120 or less"),
    ],
)
def test_bad_ages_are_explained(as_role: Any, age: str, message: str) -> None:
    client, _ = as_role("investigator")
    text = client.post(SEARCH, {"forename": "Amy", "age": age}).content.decode()
    assert errors_of(text) == [("id_age", message)]


def test_an_age_alone_is_not_enough(as_role: Any) -> None:
    client, _ = as_role("investigator")
    text = client.post(SEARCH, {"age": "12 to 15"}).content.decode()
    assert "a first name and an age" in text and "govuk-error-summary" in text


def test_a_birth_year_one_out_still_finds_the_child_after_exact_matches(
    as_role: Any, children: dict[str, str]
) -> None:
    client, _ = as_role("investigator")
    # Ann was born in 2009 and Alex in 2010: asked for 1 April 2010, Alex (exact) comes first,
    # Ann (a year out) after, marked.
    response = client.post(
        SEARCH, {"surname": "Stone", "dob_day": "1", "dob_month": "4", "dob_year": "2010"}
    )
    assert names_found(response) == ["Alex Stone", "Ann Stone"]
    text = response.content.decode()
    assert text.count("A year from the date searched") == 1
    # By the date alone, too (no name): the year either side is searched on the index.
    alone = client.post(SEARCH, {"dob_day": "1", "dob_month": "4", "dob_year": "2008"})
    assert names_found(alone) == ["Ann Stone"]
    assert (
        names_found(client.post(SEARCH, {"dob_day": "1", "dob_month": "4", "dob_year": "2007"}))
        == []
    )


def test_ages_become_a_range_of_dates_of_birth() -> None:
    today = dt.date(2026, 12, 2)
    q = _born_between(12, 15, today)
    bounds = dict(q.children)  # type: ignore[arg-type]
    assert bounds["date_of_birth__lte"] == dt.date(2014, 12, 2)  # 12 today
    assert bounds["date_of_birth__gte"] == dt.date(2010, 12, 3)  # 15 until tomorrow
    assert PersonMention.objects.filter(q).query is not None
