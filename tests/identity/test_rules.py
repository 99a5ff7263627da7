"""Hard rules and person decisions: siblings, nameless mentions, same record, PNC, must/cannot."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.identity.conftest import mention
from vigil.identity import IdentityModel, link, train

HOME = {"address": "14 Alder Road, Birmingham", "postcode": "B12 9QD"}


def _household(record: str, occurred: str) -> list[dict]:  # type: ignore[type-arg]
    kw = {"record": record, "surname": "Collins", "occurred_on": occurred, **HOME}
    return [
        mention(
            f"{record}|mum", forename="Sarah", date_of_birth="1988-03-14", gender="female", **kw
        ),
        mention(
            f"{record}|dad", forename="Darren", date_of_birth="1985-11-02", gender="male", **kw
        ),
        mention(
            f"{record}|k", forename="Kayleigh", date_of_birth="2008-05-06", gender="female", **kw
        ),
        mention(f"{record}|t", forename="Tyler", date_of_birth="2011-09-23", gender="male", **kw),
        # Twins: same date of birth and household, different forenames.
        mention(f"{record}|a", forename="Amber", date_of_birth="2012-07-01", gender="female", **kw),
        mention(f"{record}|b", forename="Jade", date_of_birth="2012-07-01", gender="female", **kw),
    ]


def test_siblings_and_twins_stay_apart_but_each_child_links(model: IdentityModel) -> None:
    rows = (
        _household("r1", "2013-11-02")
        + _household("r2", "2014-02-15")
        + _household("r3", "2014-05-30")
    )
    result = link(pd.DataFrame(rows), model)
    for role in ("mum", "dad", "k", "t", "a", "b"):
        assert len({result.clusters[f"r{i}|{role}"] for i in (1, 2, 3)}) == 1, role
    persons = {result.clusters[f"r1|{role}"] for role in ("mum", "dad", "k", "t", "a", "b")}
    assert len(persons) == 6


def test_namesakes_with_different_dob_and_address_stay_apart(model: IdentityModel) -> None:
    rows = [
        mention(
            "a",
            forename="Tyler",
            surname="Collins",
            date_of_birth="2011-09-23",
            gender="male",
            **HOME,
        ),
        mention(
            "b",
            forename="Tyler",
            surname="Collins",
            date_of_birth="2011-03-02",
            gender="male",
            address="3 Birch Close, Coventry",
            postcode="CV1 2AB",
        ),
    ]
    result = link(pd.DataFrame(rows), model)
    assert result.clusters["a"] != result.clusters["b"]


def test_nameless_mentions_never_merge(model: IdentityModel) -> None:
    rows = [
        mention(f"n{i}", date_of_birth="2008-05-06", gender="female", phone="07700900123", **HOME)
        for i in range(4)
    ]
    rows += [mention("e1", forename="", surname=" ", date_of_birth="2008-05-06", **HOME)]
    result = link(pd.DataFrame(rows), model)
    assert len(set(result.clusters.values())) == 5


def test_same_record_mentions_never_merge(model: IdentityModel) -> None:
    twin = {
        "forename": "Kayleigh",
        "surname": "Collins",
        "date_of_birth": "2008-05-06",
        "gender": "female",
        **HOME,
    }
    rows = [
        mention("x1", record="R", **twin),
        mention("x2", record="R", **twin),
        mention("y", record="S", **twin),
    ]
    result = link(pd.DataFrame(rows), model)
    assert result.clusters["x1"] != result.clusters["x2"]
    # The third mention joins exactly one of them.
    assert result.clusters["y"] in {result.clusters["x1"], result.clusters["x2"]}


def test_pnc_conflict_never_merges(model: IdentityModel) -> None:
    same = {
        "forename": "Jordan",
        "surname": "Price",
        "date_of_birth": "1998-08-19",
        "gender": "male",
        "address": "7 Elm Grove, Birmingham",
        "postcode": "B23 5TT",
    }
    rows = [
        mention("p1", pnc="14/123456A", **same),
        mention("p2", pnc="15/654321B", **same),
        mention("p3", **same),
    ]
    result = link(pd.DataFrame(rows), model)
    assert result.clusters["p1"] != result.clusters["p2"]
    # NHS works the same way.
    rows = [mention("h1", nhs="4000000001", **same), mention("h2", nhs="400 000 0002", **same)]
    result = link(pd.DataFrame(rows), model)
    assert result.clusters["h1"] != result.clusters["h2"]


def test_equal_pnc_links_despite_name_change(model: IdentityModel) -> None:
    rows = [
        mention(
            "p1", forename="Jordan", surname="Price", date_of_birth="1998-08-19", pnc="14/123456A"
        ),
        mention(
            "p2",
            forename="Jordan",
            surname="Wallace",
            date_of_birth="1998-08-19",
            pnc="14/123456 a",
        ),
    ]
    result = link(pd.DataFrame(rows), model)
    assert result.clusters["p1"] == result.clusters["p2"]


def test_cannot_link_splits_and_must_link_joins(model: IdentityModel) -> None:
    rows = _household("r1", "2013-11-02") + _household("r2", "2014-02-15")
    frame = pd.DataFrame(rows)
    base = link(frame, model)
    assert base.clusters["r1|k"] == base.clusters["r2|k"]
    split = link(frame, model, cannot_link=[("r1|k", "r2|k")])
    assert split.clusters["r1|k"] != split.clusters["r2|k"]
    joined = link(frame, model, must_link=[("r1|k", "r2|t")], cannot_link=[("r1|k", "r2|k")])
    assert joined.clusters["r1|k"] == joined.clusters["r2|t"]
    assert joined.clusters["r1|k"] != joined.clusters["r2|k"]


def test_cannot_link_holds_against_transitivity(model: IdentityModel) -> None:
    child = {"forename": "Kayleigh", "surname": "Collins", "gender": "female", **HOME}
    rows = [
        mention("a", date_of_birth="2008-05-06", **child),
        mention("b", date_of_birth="2008-05-06", **child),
        mention("c", date_of_birth="2008-05-06", **child),
    ]
    result = link(pd.DataFrame(rows), model, cannot_link=[("a", "c")])
    assert result.clusters["a"] != result.clusters["c"]
    assert result.clusters["b"] in {result.clusters["a"], result.clusters["c"]}


def test_must_link_cannot_break_a_hard_rule(model: IdentityModel) -> None:
    rows = [
        mention("a", record="R", forename="Amy", surname="Stone"),
        mention("b", record="R", forename="Amy", surname="Stone"),
    ]
    result = link(pd.DataFrame(rows), model, must_link=[("a", "b")])
    assert result.clusters["a"] != result.clusters["b"]
    assert result.refused and "same_record" in result.refused[0].reason


def test_nickname_and_age_estimate(model: IdentityModel) -> None:
    rows = [
        mention(
            "a",
            forename="William",
            surname="Hughes",
            date_of_birth="2001-04-03",
            gender="male",
            **HOME,
        ),
        mention(
            "b",
            forename="Bill",
            surname="Hughes",
            age_estimate=13,
            occurred_on="2014-06-01",
            gender="male",
            **HOME,
        ),
        mention(
            "c",
            forename="Billy",
            surname="Hughes",
            aliases=["Will Hughes"],
            date_of_birth="2001-04-03",
            gender="male",
            address="2 Oak Avenue, Dudley",
        ),
    ]
    result = link(pd.DataFrame(rows), model)
    assert result.clusters["a"] == result.clusters["b"] == result.clusters["c"]


def test_train_refuses_too_little_data() -> None:
    with pytest.raises(ValueError, match="too few"):
        train(pd.DataFrame([mention("a", forename="Amy")]))
