"""The contract scenarios' same_person / different_person pairs hold with the default model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.identity import IdentityModel, explain_pair, link, mention_rows
from vigil.records.contract import parse_record

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples"


def _scenarios() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if (p / "expect.json").exists())


@pytest.fixture(scope="module")
def examples(model: IdentityModel):  # type: ignore[no-untyped-def]
    records, pairs = [], []
    for scenario in _scenarios():
        records += [
            parse_record(json.loads(line))
            for line in (scenario / "records.ndjson").read_text().splitlines()
            if line.strip()
        ]
        expect = json.loads((scenario / "expect.json").read_text())
        pairs += [(True, "|".join(a), "|".join(b)) for a, b in expect.get("same_person", [])]
        pairs += [(False, "|".join(a), "|".join(b)) for a, b in expect.get("different_person", [])]
    frame = mention_rows(records)
    return frame, pairs, link(frame, model)


def test_mention_rows_shape(examples) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = examples
    assert frame["mention_key"].is_unique
    row = frame.set_index("mention_key").loc["storm|CAD-1001|k"]
    assert row["record_key"] == "storm|CAD-1001"
    assert row["forename"] == "Kayleigh"
    assert row["date_of_birth"] == "2008-05-06"
    assert row["occurred_on"] == "2013-11-02"


def test_expected_pairs(examples) -> None:  # type: ignore[no-untyped-def]
    _, pairs, result = examples
    assert pairs
    for same, a, b in pairs:
        assert (result.clusters[a] == result.clusters[b]) is same, (same, a, b)


def test_every_mention_has_a_cluster(examples) -> None:  # type: ignore[no-untyped-def]
    frame, _, result = examples
    assert set(result.clusters) == set(frame["mention_key"])


def test_same_record_mentions_apart_in_examples(examples) -> None:  # type: ignore[no-untyped-def]
    frame, _, result = examples
    for _record, group in frame.groupby("record_key"):
        ids = [result.clusters[k] for k in group["mention_key"]]
        assert len(ids) == len(set(ids))


def test_explain_swapped_dob_pair(examples, model: IdentityModel) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = examples
    rows = frame.set_index("mention_key", drop=False)
    explanation = explain_pair(
        rows.loc["storm|CAD-1001|k"].to_dict(), rows.loc["niche|PPN-2001|k"].to_dict(), model
    )
    terms = {name: (label, weight) for name, label, weight in explanation.terms}
    assert terms["date_of_birth"][0] == "day and month swapped"
    assert terms["date_of_birth"][1] > 3
    assert terms["surname"] == ("exact", pytest.approx(terms["surname"][1]))
    assert terms["surname"][1] > 0
    assert terms["phone"] == ("missing on either side", 0.0)
    assert explanation.total_weight == pytest.approx(
        explanation.prior_weight + sum(w for _, _, w in explanation.terms)
    )
    assert explanation.probability > model.thresholds.link


def test_explain_different_children(examples, model: IdentityModel) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = examples
    rows = frame.set_index("mention_key", drop=False)
    explanation = explain_pair(
        rows.loc["storm|CAD-1001|t"].to_dict(), rows.loc["niche|PPN-2999|t"].to_dict(), model
    )
    terms = {name: (label, weight) for name, label, weight in explanation.terms}
    assert terms["forename"][0] == "exact" and terms["forename"][1] > 0
    assert terms["location"][1] < 0
    assert explanation.probability < model.thresholds.review_lower
