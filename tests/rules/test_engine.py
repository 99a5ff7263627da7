"""evaluate(): the contract's scenarios, determinism, as-of and incremental evaluation."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.rules.scenario_support import EXAMPLES, run_scenario
from tests.rules.synthetic_force import Force
from vigil.rules import ALERT_CODES, Casebook, MentionKey, RecordKey, evaluate
from vigil.rules.model import SEVERITIES

AS_OF = dt.datetime(2014, 12, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "scenario", sorted(p.name for p in EXAMPLES.iterdir() if (p / "expect.json").exists())
)
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


def test_every_code_fires_somewhere_in_a_synthetic_force_and_findings_are_well_formed(
    book: Casebook,
) -> None:
    findings = evaluate(book, None, AS_OF)
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
    first = evaluate(book, None, AS_OF)
    shuffled = force.parsed()
    random.Random(3).shuffle(shuffled)
    again = evaluate(Casebook(shuffled, dict(reversed(list(force.identity.items())))), None, AS_OF)
    assert first == again


def test_records_after_as_of_change_nothing(force: Force, book: Casebook) -> None:
    as_of = dt.datetime(2013, 6, 1, tzinfo=dt.UTC)
    earlier = [r for r in force.parsed() if r.occurred_at <= as_of]
    assert evaluate(Casebook(earlier, force.identity), None, as_of) == evaluate(book, None, as_of)


def test_incremental_evaluation_equals_full_evaluation_for_those_people(book: Casebook) -> None:
    full = evaluate(book, None, AS_OF)
    people = set(random.Random(5).sample(sorted(book.persons), 300))
    partial = evaluate(book, None, AS_OF, persons=people)
    expected = [
        f
        for f in full
        if (f.person_id in people) or (f.record is not None and book.persons_on(f.record) & people)
    ]
    assert partial == expected
    assert partial


def test_affected_persons_covers_what_a_new_record_changes(force: Force, book: Casebook) -> None:
    before = evaluate(book, None, AS_OF)
    extra = force.parsed()
    late = max(extra, key=lambda r: r.occurred_at)
    added = late.model_copy(
        update={"source_id": "NEW-1", "occurred_at": AS_OF - dt.timedelta(days=1)}
    )
    identity = dict(force.identity)
    for mention in added.people:
        identity[MentionKey("sys", "NEW-1", mention.mention_id)] = force.identity[
            MentionKey("sys", late.source_id, mention.mention_id)
        ]
    after_book = Casebook([*extra, added], identity)
    after = evaluate(after_book, None, AS_OF)
    touched = after_book.affected_persons([RecordKey("sys", "NEW-1")])
    changed = {f.person_id or f.record for f in set(before) ^ set(after)}
    for subject in changed:
        if isinstance(subject, str):
            assert subject in touched
        else:
            assert after_book.persons_on(subject) & touched


def test_finding_as_json_has_the_cli_shape(book: Casebook) -> None:
    finding = evaluate(book, None, AS_OF)[0]
    shape = finding.as_json()
    assert set(shape) >= {
        "code",
        "severity",
        "raised_at",
        "due_at",
        "subject",
        "explanation",
        "evidence",
    }
    assert shape["subject"]["kind"] in ("person", "record")
