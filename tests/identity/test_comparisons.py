"""Comparison levels that encode how police records go wrong (and how families look alike)."""

from __future__ import annotations

from typing import Any

from tests.identity.conftest import mention
from vigil.identity import IdentityModel, explain_pair, link


def _levels(
    model: IdentityModel, a: dict[str, Any], b: dict[str, Any]
) -> dict[str, tuple[str, float]]:
    return {name: (label, weight) for name, label, weight in explain_pair(a, b, model).terms}


def test_date_of_birth_digits_transposed_across_the_separator(model: IdentityModel) -> None:
    # '1942-07-04' keyed as '1940-27-04': one swap of two digits, not two edits.
    a = mention("a", forename="Zali", surname="White", date_of_birth="1942-07-04")
    b = mention("b", forename="Zali", surname="White", date_of_birth="1940-27-04")
    assert _levels(model, a, b)["date_of_birth"][0] == "one typo"


def test_near_miss_forename_counts_only_within_a_gender(model: IdentityModel) -> None:
    frank = mention("a", forename="Frank", surname="Naylor", gender="male")
    frances = mention("b", forename="Frances", surname="Naylor", gender="female")
    franc = mention("c", forename="Franc", surname="Naylor", gender="male")
    assert _levels(model, frank, frances)["forename"][0] == "all other"
    assert _levels(model, frank, franc)["forename"][0] == "one typo"
    # An exact forename is one whatever the genders recorded.
    jordan_m = mention("d", forename="Jordan", surname="Naylor", gender="male")
    jordan_f = mention("e", forename="Jordan", surname="Naylor", gender="female")
    assert _levels(model, jordan_m, jordan_f)["forename"][0] == "exact"


def test_half_swap_weighed_once(model: IdentityModel) -> None:
    a = mention("a", forename="Harrison", surname="Capurso")
    b = mention("b", forename="Capurso", surname="Ruby")
    levels = _levels(model, a, b)
    assert levels["forename"][0] == "forename is the other's surname"
    assert levels["forename"][1] > 0
    assert levels["surname"] == ("forename is the other's surname (weighed under forename)", 0.0)


def test_forename_like_the_shared_surname_is_no_swap(model: IdentityModel) -> None:
    # 'Liam Kay' and 'Katy Kay': one family's surname, two people.
    a = mention("a", forename="Liam", surname="Kay", gender="male")
    b = mention("b", forename="Katy", surname="Kay", gender="female")
    levels = _levels(model, a, b)
    assert levels["forename"][0] == "all other"
    assert levels["surname"][0] == "exact"


def test_address_written_without_a_part_is_similar(model: IdentityModel) -> None:
    a = mention(
        "a",
        forename="Lee",
        surname="Kowalski",
        address="Flat 3, 108 Baker Rise, Dudley",
        postcode="DY3 1AA",
    )
    b = mention("b", forename="Lee", surname="Kowalski", address="108 Baker Rise, Dudley")
    c = mention("c", forename="Lee", surname="Kowalski", address="Dudley")
    assert _levels(model, a, b)["location"][0] == "similar address"
    # A bare town is in every address there: not similar.
    assert _levels(model, a, c)["location"][0] == "all other"


def test_swapped_names_with_a_mistyped_date_are_paired_and_linked(model: IdentityModel) -> None:
    # No blocking rule used to pair these: names swapped, dates and addresses differ a little;
    # only 'postcode + forename = surname' pairs them now.
    rows = [
        mention(
            "a",
            forename="Lucy",
            surname="Fitzpatrick",
            date_of_birth="2006-02-22",
            gender="female",
            address="264 Ainsworth Street, Coventry",
            postcode="CV1 2AB",
        ),
        mention(
            "b",
            forename="Fitzpatrick",
            surname="Lucy",
            date_of_birth="2007-02-22",
            gender="female",
            address="264 Ainsworthstreet, Coventry",
            postcode="CV1 2AB",
        ),
    ]
    result = link(rows, model)
    assert result.clusters["a"] == result.clusters["b"]


def test_aliases_under_one_surname_are_not_one_alias(model: IdentityModel) -> None:
    # 'Rena Kaur' and 'Cassie Kaur' share a surname, not a name: two women.
    irene = mention("a", forename="Irene", surname="Kaur", aliases=["Rena Kaur"])
    carol = mention("b", forename="Carol", surname="Kaur", aliases=["Cassie Kaur"])
    assert _levels(model, irene, carol)["forename"][0] == "all other"
    # An alias forename still answers to the forename it stands for.
    also = mention("c", forename="Rena", surname="Kaur")
    assert _levels(model, irene, also)["forename"][0] == "nickname or alias"
