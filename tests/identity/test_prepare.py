"""Derived columns."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.identity.conftest import mention
from vigil.identity import IdentityModel, prepare
from vigil.identity.frames import canonical_forename


def test_derived_columns() -> None:
    frame = prepare(
        pd.DataFrame(
            [
                mention(
                    "a",
                    forename=" Kayleigh ",
                    surname="Smith-Jones",
                    date_of_birth="2008-05-06",
                    postcode="b12 9qd",
                    phone="+44 7700 900123",
                    pnc="14/123456 a",
                    aliases=["Kay Smith"],
                ),
                mention("b", forename="", surname=None, age_estimate=14, occurred_on="2014-06-20"),
            ]
        )
    ).set_index("mention_key")
    a, b = frame.loc["a"], frame.loc["b"]
    assert a["forename"] == "kayleigh"
    assert a["dob_swapped"] == "2008-06-05"
    assert a["postcode"] == "B129QD" and a["postcode_sector"] == "B12 9"
    assert a["phone"] == "07700900123"
    assert a["pnc"] == "14123456A"
    assert {"smith", "jones", "smithjones"} <= set(a["surname_keys"])
    assert "kay" in a["alias_tokens"]
    assert bool(a["has_name"]) and not bool(b["has_name"])
    assert b["forename"] is None and b["dob"] is None
    epoch = dt.date(1970, 1, 1)
    assert b["birth_lo"] <= (dt.date(2000, 2, 11) - epoch).days <= b["birth_hi"]


def test_nicknames() -> None:
    assert canonical_forename("bill") == canonical_forename("william")
    assert canonical_forename("kayley") == "kayley"


def test_diacritics_are_transliterated_not_dropped() -> None:
    """'Zoë' used to become 'zo' and 'José' 'jos': they matched their plain spellings only
    through the one-typo level."""
    frame = prepare(
        pd.DataFrame(
            [
                mention("a", forename="Zoë", surname="Brontë", aliases=["Łucja Nowak"]),
                mention(
                    "b", forename="José", middle_names="Renée", surname="Łukasiewicz-Søndergård"
                ),
                mention("c", forename="Æsa", surname="O\u2019Brien-Straße"),
            ]
        )
    ).set_index("mention_key")
    assert (frame.loc["a", "forename"], frame.loc["a", "surname"]) == ("zoe", "bronte")
    assert "lucja" in frame.loc["a", "alias_tokens"]
    assert "nowak" in frame.loc["a", "surname_keys"]
    assert frame.loc["b", "forename"] == "jose"
    assert frame.loc["b", "first_middle"] == "renee"
    assert frame.loc["b", "surname"] == "lukasiewiczsondergard"
    assert {"lukasiewicz", "sondergard"} <= set(frame.loc["b", "surname_keys"])
    assert frame.loc["c", "forename"] == "aesa"
    assert frame.loc["c", "surname"] == "obrienstrasse"


def test_accented_and_plain_spellings_agree_exactly(model: IdentityModel) -> None:
    from vigil.identity import explain_pair

    for accented, plain in (("Zoë", "Zoe"), ("José", "Jose"), ("Łukasz", "Lukasz")):
        why = explain_pair(
            mention("a", forename=accented, surname="Walsh", date_of_birth="2008-05-06"),
            mention("b", forename=plain, surname="Walsh", date_of_birth="2008-05-06"),
            model,
        )
        assert {c: level for c, level, _ in why.terms}["forename"] == "exact", accented
