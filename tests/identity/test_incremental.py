"""Incremental matching agrees with a full link on a small set."""

from __future__ import annotations

import pandas as pd
import pytest

from vigil.identity import IdentityModel, PersonIndex, link, link_incremental
from vigil.identity.training_data import make_mentions


def test_incremental_agrees_with_full_link(model: IdentityModel) -> None:
    frame = make_mentions(600, seed=3)
    existing, new = frame.iloc[:500].copy(), frame.iloc[500:].copy()
    full = link(frame, model)
    base = link(existing, model)
    existing["person_id"] = existing["mention_key"].map(base.clusters)
    result = link_incremental(new, existing, model)
    assert set(result.assignments) == set(new["mention_key"])

    # Pairs (new, existing) and (new, new) together in the full link are together here too,
    # except where the full link merged existing persons a new mention bridged.
    person = dict(zip(existing["mention_key"], existing["person_id"], strict=True))
    person.update(result.assignments)
    agree = total = 0
    keys = list(frame["mention_key"])
    new_keys = set(new["mention_key"])
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if a not in new_keys and b not in new_keys:
                continue
            together_full = full.clusters[a] == full.clusters[b]
            together_inc = person[a] == person[b]
            if together_full or together_inc:
                total += 1
                agree += together_full == together_inc
    assert total > 0
    assert agree / total >= 0.95, (agree, total)


def test_person_index_reuses_existing_ids(model: IdentityModel) -> None:
    existing = pd.DataFrame(
        [
            {
                "mention_key": "e1",
                "record_key": "r1",
                "forename": "Chloe",
                "surname": "Ward",
                "date_of_birth": "2000-02-11",
                "gender": "female",
                "postcode": "WR1 3AA",
                "address": "Meadow House, 22 Station Road, Worcester",
                "person_id": "P-chloe",
            },
            {
                "mention_key": "e2",
                "record_key": "r1",
                "forename": "Linda",
                "surname": "Moss",
                "date_of_birth": "1970-01-30",
                "gender": "female",
                "postcode": "WR1 3AA",
                "address": "Meadow House, 22 Station Road, Worcester",
                "person_id": "P-linda",
            },
        ]
    )
    new = pd.DataFrame(
        [
            {
                "mention_key": "n1",
                "record_key": "r9",
                "forename": "Cloe",
                "surname": "Ward",
                "age_estimate": 14,
                "occurred_on": "2014-06-20",
                "gender": "female",
                "postcode": "WR1 3AA",
                "address": "Meadow House, 22 Station Road, Worcester",
            },
            {
                "mention_key": "n2",
                "record_key": "r9",
                "forename": "Chloe",
                "surname": "Ward",
                "date_of_birth": "2000-02-11",
                "gender": "female",
                "postcode": "WR1 3AA",
                "address": "Meadow House, 22 Station Road, Worcester",
            },
            {
                "mention_key": "n3",
                "record_key": "r9",
                "forename": "Nadia",
                "surname": "Okafor",
                "date_of_birth": "2001-12-01",
                "gender": "female",
                "postcode": "WR1 3AA",
            },
        ]
    )
    index = PersonIndex(existing, model)
    try:
        # Decisions naming existing mentions only, or unknown ones, are fine.
        result = index.match(new, cannot_link=[("e1", "e2"), ("e1", "gone"), ("n3", "e2")])
    finally:
        index.close()
    # n1 and n2 share a record, so only one of them can be the existing Chloe: the stronger.
    assert result.assignments["n2"] == "P-chloe"
    assert result.assignments["n1"] != "P-chloe"
    assert result.assignments["n3"] in result.new_person_ids
    assert result.assignments["n1"] in result.new_person_ids


def test_existing_without_person_id_is_ignored(model: IdentityModel) -> None:
    existing = pd.DataFrame(
        [
            {
                "mention_key": "e1",
                "record_key": "r1",
                "forename": "Amy",
                "surname": "Stone",
                "date_of_birth": "2009-04-01",
                "person_id": None,
            },
            {
                "mention_key": "e2",
                "record_key": "r2",
                "forename": "Amy",
                "surname": "Stone",
                "date_of_birth": "2009-04-01",
                "person_id": "P-amy",
            },
        ]
    )
    new = pd.DataFrame(
        [
            {
                "mention_key": "n1",
                "record_key": "r3",
                "forename": "Amy",
                "surname": "Stone",
                "date_of_birth": "2009-04-01",
            }
        ]
    )
    result = link_incremental(new, existing, model, cannot_link=[("e1", "e2")])
    assert result.assignments == {"n1": "P-amy"}


def test_small_batches_narrowed_to_candidates_score_as_the_whole_index(
    model: IdentityModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.identity import person_index
    from vigil.identity.frames import prepare
    from vigil.identity.model import blocking_rules
    from vigil.identity.person_index import candidate_filter

    frame = make_mentions(700, seed=11)
    existing, new = frame.iloc[:660].copy(), frame.iloc[660:].copy()
    existing["person_id"] = existing["mention_key"].map(link(existing, model).clusters)
    assert len(new) <= person_index.SMALL_BATCH
    index = PersonIndex(existing, model)
    try:
        narrowed = index.match(new)
        monkeypatch.setattr(person_index, "SMALL_BATCH", 0)
        whole = index.match(new)
    finally:
        index.close()
    assert narrowed.assignments == whole.assignments
    assert narrowed.review == whole.review
    assert narrowed.bridged_persons == whole.bridged_persons
    assert any(a in set(existing["person_id"]) for a in narrowed.assignments.values())
    assert candidate_filter(blocking_rules(), prepare(new)) is not None
    # Rules it cannot bound turn narrowing off rather than lose pairs.
    assert candidate_filter([*blocking_rules(), "l.dob = r.dob OR l.pnc = r.pnc"], new) is None
    assert candidate_filter(["levenshtein(l.surname, r.surname) < 2"], new) is None
