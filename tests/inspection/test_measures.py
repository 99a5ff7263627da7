"""Agreement measures (AUDIT.md 'Grades'): checked against figures worked by hand and the
contract's public example."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from vigil.inspection import grading
from vigil.inspection.measures import agreement, kappa

EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples_audit"


def test_the_public_examples_agreement() -> None:
    grades: dict[tuple[str, str], str] = {}
    with (EXAMPLE / "grades.csv").open() as handle:
        for row in csv.DictReader(handle):
            grades[(row["case_ref"], row["assessor"])] = row["grade"]
    cases = {c for c, _ in grades}
    pairs = [
        (grades[(c, "self")], grades[(c, "inspector")])
        for c in sorted(cases)
        if (c, "self") in grades and (c, "inspector") in grades
    ]
    expected = json.loads((EXAMPLE / "expected_report.json").read_text())["agreement"]
    assert agreement(pairs) == expected


def test_kappa_by_hand() -> None:
    # Two raters, four cases: agree on 2 (good, good), (inadequate, inadequate), disagree on
    # (good, adequate), (adequate, good). p_o = 0.5; marginals a = b = {good: .5, adequate:
    # .25, inadequate: .25}; p_e = .25 + .0625 + .0625 = .375; kappa = .125 / .625 = 0.2.
    pairs = [
        ("good", "good"),
        ("inadequate", "inadequate"),
        ("good", "adequate"),
        ("adequate", "good"),
    ]
    assert kappa(pairs) == pytest.approx(0.2)
    assert kappa(pairs, "quadratic") > kappa(pairs, "linear") > kappa(pairs)  # type: ignore[operator]


def test_undefined_measures_are_none() -> None:
    assert agreement([]) == dict.fromkeys(
        ("exact", "within_one", "kappa", "kappa_linear", "kappa_quadratic")
    )
    same = [("good", "good"), ("good", "good")]
    assert kappa(same) is None and agreement(same)["exact"] == 1.0


def test_deadlines_and_significant_difference() -> None:
    import datetime as dt

    published = dt.datetime(2026, 8, 31, 9, 0, tzinfo=dt.UTC)
    assert grading.update_due(published) == dt.datetime(2026, 10, 12, 9, 0, tzinfo=dt.UTC)
    assert grading.revisit_due(published) == dt.datetime(2027, 2, 28, 9, 0, tzinfo=dt.UTC)
    assert grading.differ_significantly("good", "requires_improvement")
    assert not grading.differ_significantly("good", "adequate")
