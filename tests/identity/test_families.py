"""Issue 11 items 16 and 18: a generation apart, twins, every typo kind, common names."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.identity.conftest import mention
from vigil.identity import IdentityModel, explain_pair, link

HOME = {"address": "12 Park Road, Walsall", "postcode": "WS1 2AB"}


def _pair(first: dict[str, Any], second: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return (mention("a", **{**HOME, **first}), mention("b", **{**HOME, **second}))


@pytest.mark.parametrize(
    ("forename", "gender", "parent", "child"),
    [
        ("David", "male", "1978-06-14", "2004-06-14"),  # 26 years: four digits differ
        ("Sarah", "female", "1981-02-03", "2007-02-03"),
        ("Mark", "male", "1985-09-30", "2007-09-30"),  # 22 years, four digits differ
        ("Lisa", "female", "1979-11-08", "2009-11-08"),  # 30 years
        ("Paul", "male", "1983-01-27", "2005-04-17"),  # 22 years, birthdays differ
    ],
)
def test_a_parent_and_child_of_one_name_and_home_stay_two_people(
    model: IdentityModel, forename: str, gender: str, parent: str, child: str
) -> None:
    """Merged at 0.966 before: exact names and address outweighed dates no typo explains."""
    a, b = _pair(
        {"forename": forename, "surname": "Walsh", "date_of_birth": parent, "gender": gender},
        {"forename": forename, "surname": "Walsh", "date_of_birth": child, "gender": gender},
    )
    result = link(pd.DataFrame([a, b]), model)
    assert result.clusters["a"] != result.clusters["b"]
    why = explain_pair(a, b, model, n_mentions=2)
    assert {c: lvl for c, lvl, _ in why.terms}["date_of_birth"] == "a generation apart"
    assert why.probability < model.thresholds.review_lower


@pytest.mark.parametrize(
    ("first", "second", "level"),
    [
        ("1975-04-09", "1975-04-06", "one typo"),  # one digit
        ("1975-04-09", "1957-04-09", "one typo"),  # a swapped pair of year digits
        ("1975-04-09", "1975-09-04", "day and month swapped"),
        ("1975-04-09", "1975-40-09", "one typo"),  # adjacent digits across the dash
        ("1969-04-09", "1996-04-09", "one typo"),  # 27 years, still a keying slip
    ],
)
def test_every_typo_kind_still_links(
    model: IdentityModel, first: str, second: str, level: str
) -> None:
    a, b = _pair(
        {"forename": "Liam", "surname": "Price", "date_of_birth": first, "gender": "male"},
        {"forename": "Liam", "surname": "Price", "date_of_birth": second, "gender": "male"},
    )
    result = link(pd.DataFrame([a, b]), model)
    assert result.clusters["a"] == result.clusters["b"], (first, second)
    why = explain_pair(a, b, model, n_mentions=2)
    assert {c: lvl for c, lvl, _ in why.terms}["date_of_birth"] == level


def test_twins_in_one_person_records_go_to_review(model: IdentityModel) -> None:
    """Jack and Oliver Walsh, one date of birth and home, each in a record of their own,
    were merged at 0.9999, above the review ceiling, so nobody was asked."""
    a, b = _pair(
        {"forename": "Jack", "surname": "Walsh", "date_of_birth": "2008-03-12", "gender": "male"},
        {"forename": "Oliver", "surname": "Walsh", "date_of_birth": "2008-03-12", "gender": "male"},
    )
    result = link(pd.DataFrame([a, b]), model)
    assert [(p.mention_key_a, p.mention_key_b) for p in result.review] == [("a", "b")]
    assert result.review[0].match_probability < model.thresholds.review_upper
    why = explain_pair(a, b, model, n_mentions=2)
    assert why.capped and why.probability == result.review[0].match_probability


def test_two_mohammed_khans_a_year_apart_in_a_small_store_stay_apart(model: IdentityModel) -> None:
    """Below 5,000 mentions no name was weighed by its frequency, so two of the commonest
    names agreeing counted as much as two rare ones: merged at 0.912 (linked at 0.770 since)."""
    pair = [
        mention(
            "a",
            forename="Mohammed",
            surname="Khan",
            date_of_birth="1990-03-12",
            gender="male",
            address="14 Alder Road, Birmingham",
        ),
        mention(
            "b",
            forename="Mohammed",
            surname="Khan",
            date_of_birth="1991-03-12",
            gender="male",
            address="41 Alder Road, Birmingham",
        ),
    ]
    result = link(pd.DataFrame(pair), model)
    assert result.clusters["a"] != result.clusters["b"]
    assert [(p.mention_key_a, p.mention_key_b) for p in result.review] == [("a", "b")]
    # Names the table does not show as common are not adjusted (it only ever discounts).
    rare = link(
        pd.DataFrame([{**row, "forename": "Ebenezer", "surname": "Quartermaine"} for row in pair]),
        model,
    )
    assert rare.clusters["a"] == rare.clusters["b"]
    why = explain_pair(pair[0], pair[1], model, n_mentions=2)
    shown = {c: w for c, _, w in why.terms}
    assert shown["forename: term frequency"] < 0 and shown["surname: term frequency"] < 0


def test_an_explanation_gives_the_probability_the_link_used(model: IdentityModel) -> None:
    """`vigil explain` left term-frequency adjustments out: 0.912 for a pair linked at 0.770."""
    rows = [
        mention(
            "a",
            forename="Mohammed",
            surname="Khan",
            date_of_birth="1990-03-12",
            gender="male",
            postcode="B10 0AA",
            address="4 Oak Avenue, Birmingham",
        ),
        mention(
            "b",
            forename="Mohammed",
            surname="Khan",
            date_of_birth="1990-12-03",
            gender="male",
            postcode="B10 0AA",
        ),
        mention(
            "c",
            forename="Mohamed",
            surname="Khan",
            date_of_birth="1990-03-12",
            gender="male",
            postcode="B10 0AB",
        ),
    ]
    result = link(pd.DataFrame(rows), model)
    assert result.review or result.pairs_scored
    by_key = {r["mention_key"]: r for r in rows}
    scored = {(p.mention_key_a, p.mention_key_b): p.match_probability for p in result.review}
    assert scored
    for (ka, kb), probability in scored.items():
        why = explain_pair(by_key[ka], by_key[kb], model, n_mentions=len(rows))
        assert why.probability == pytest.approx(probability, abs=1e-9)
        assert any(c.endswith(": term frequency") for c, _, _ in why.terms)
