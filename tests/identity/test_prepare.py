"""Derived columns."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.identity.conftest import mention
from vigil.identity import prepare
from vigil.identity.frames import canonical_forename


def test_derived_columns() -> None:
    frame = prepare(pd.DataFrame([
        mention("a", forename=" Kayleigh ", surname="Smith-Jones", date_of_birth="2008-05-06",
                postcode="b12 9qd", phone="+44 7700 900123", pnc="14/123456 a",
                aliases=["Kay Smith"]),
        mention("b", forename="", surname=None, age_estimate=14, occurred_on="2014-06-20"),
    ])).set_index("mention_key")
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
