"""evaluate(): the contract's scenarios, determinism, as-of and incremental evaluation."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.rules.scenario_support import EXAMPLES, run_scenario
from tests.rules.synthetic_force import Force
from vigil.rules import ALERT_CODES, Casebook, evaluate
from vigil.rules.model import SEVERITIES

AS_OF = dt.datetime(2014, 12, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("scenario", sorted(p.name for p in EXAMPLES.iterdir() if (p / "expect.json").exists()))
def test_contract_scenarios_pass(scenario: str) -> None:
    failures, findings, _ = run_scenario(EXAMPLES / scenario)
    assert failures == [], failures
    assert findings


@pytest.fixture(scope="module")
def force() -> Force:
    return Force(3000, seed=7)


@pytest.fixture(scope="module")
def book(force: Force) -> Casebook:
    return Casebook(force.parsed(), force.identity)


def test_every_code_fires_somewhere_in_a_synthetic_force_and_findings_are_well_formed(book: Casebook) -> None:
    findings = evaluate(book, as_of=AS_OF)
    seen = {f.code for f in findings}
    # The little synthetic force plants most situations; every code is tested directly anyway.
    assert len(seen) >= 25
    assert seen <= set(ALERT_CODES)
    keys = [(f.code, f.subject) for f in findings]
    assert len(keys) == len(set(keys)), "at most one finding per code and subject"
    for f in findings:
        assert f.severity in SEVERITIES
        assert f.raised_at <= AS_OF
        assert f.due_at is None or f.due_at >= f.raised_at
        assert f.evidence and f.explanation.endswith(".")
        assert all(book.time_of[k] <= AS_OF for k in f.evidence)
        if f.subject_kind == "record":
            assert f.record in f.evidence


def test_evaluation_is_deterministic(force: Force, book: Casebook) -> None:
    first = evaluate(book, as_of=AS_OF)
    shuffled = force.parsed()
    random.Random(3).shuffle(shuffled)
    again = evaluate(Casebook(shuffled, dict(reversed(list(force.identity.items())))), as_of=AS_OF)
    assert first == again


def test_records_after_as_of_change_nothing(force: Force, book: Casebook) -> None:
    as_of = dt.datetime(2013, 6, 1, tzinfo=dt.UTC)
    earlier = [r for r in force.parsed() if r.occurred_at <= as_of]
    assert evaluate(Casebook(earlier, force.identity), as_of=as_of) == evaluate(book, as_of=as_of)


def test_incremental_evaluation_equals_full_evaluation_for_those_people(book: Casebook) -> None:
    full = evaluate(book, as_of=AS_OF)
    people = set(random.Random(5).sample(sorted(book.persons), 300))
    partial = evaluate(book, as_of=AS_OF, persons=people)
    expected = [
        f for f in full
        if (f.person_id in people) or (f.record is not None and book.persons_on(f.record) & people)
    ]
    assert partial == expected
    assert partial
