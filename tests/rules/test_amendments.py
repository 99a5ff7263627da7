"""The effective record (RECORDS.md v1.1 'Records written in Vigil'): the pure merge."""

from __future__ import annotations

from typing import Any

from vigil.records.contract import parse_record
from vigil.rules import RecordKey
from vigil.rules.amendments import effective_record, own_fields, split_amendments


def _record(record_type: str, system: str, source_id: str, **fields: Any) -> Any:
    return parse_record(
        {
            "record_type": record_type,
            "source_system": system,
            "source_id": source_id,
            "occurred_at": "2025-03-07T22:10:00+00:00",
            "people": [],
            **fields,
        }
    )


def _amendment(record_type: str, source_id: str, target: str = "PP-1", **fields: Any) -> Any:
    links = [{"source_system": "niche", "source_id": target, "relation": "amends"}]
    fields.setdefault("occurred_at", "2025-03-08T10:00:00+00:00")
    return _record(record_type, "vigil", source_id, links=links, **fields)


def test_a_missing_field_takes_the_amendments_value_and_a_held_one_wins() -> None:
    source = _record(
        "police_protection", "niche", "PP-1", designated_officer="PS 1", protective_plan=""
    )
    amendment = _amendment(
        "police_protection",
        "A",
        designated_officer="Insp 2",
        local_authority_informed_at="2025-03-07T23:05:00+00:00",
        protective_plan="Placed with aunt",
    )
    effective = effective_record(source, [amendment])
    record: Any = effective.record
    assert record.designated_officer == "PS 1"
    assert record.local_authority_informed_at.isoformat() == "2025-03-07T23:05:00+00:00"
    assert record.protective_plan == "Placed with aunt"  # an empty string is missing
    assert effective.suppliers == (RecordKey("vigil", "A"),)
    assert set(effective.supplied) == {"local_authority_informed_at", "protective_plan"}
    assert source.local_authority_informed_at is None  # the source record is not changed


def test_the_first_amendment_by_recorded_at_then_occurred_at_wins() -> None:
    source = _record("police_protection", "niche", "PP-1")
    later = _amendment(
        "police_protection", "A", recorded_at="2025-03-09T10:00:00+00:00", end_reason="other"
    )
    earlier = _amendment(
        "police_protection",
        "B",
        recorded_at="2025-03-08T10:00:00+00:00",
        end_reason="returned_home",
    )
    # Without recorded_at, occurred_at orders it: before both of the others.
    first = _amendment(
        "police_protection",
        "C",
        occurred_at="2025-03-07T23:00:00+00:00",
        end_reason="la_accommodation",
    )
    two: Any = effective_record(source, [later, earlier]).record
    three: Any = effective_record(source, [later, earlier, first]).record
    assert two.end_reason == "returned_home"
    assert three.end_reason == "la_accommodation"


def test_lists_get_new_entries_appended_and_equal_ones_dropped() -> None:
    source = _record(
        "custody",
        "custody",
        "C-1",
        reviews=["2025-03-08T04:00:00+00:00"],
        charged_at="2025-03-08T09:00:00+00:00",
    )
    amendment = _amendment(
        "custody",
        "A",
        target="C-1",
        reviews=[
            "2025-03-08T05:00:00+01:00",  # the same instant as the held review
            "2025-03-08T10:00:00+00:00",
        ],
    )
    reviews = effective_record(source, [amendment]).record.reviews  # type: ignore[attr-defined]
    assert [r.isoformat() for r in reviews] == [
        "2025-03-08T04:00:00+00:00",
        "2025-03-08T10:00:00+00:00",
    ]


def test_list_entries_are_equal_without_null_or_absent_keys() -> None:
    source = _record(
        "investigation",
        "niche",
        "INV-1",
        activity=[{"at": "2025-03-08T10:00:00+00:00", "type": "visit", "note": None}],
    )
    amendment = _amendment(
        "investigation",
        "A",
        target="INV-1",
        activity=[
            {"at": "2025-03-08T10:00:00Z", "type": "visit"},
            {"at": "2025-03-09T10:00:00+00:00", "type": "call"},
        ],
    )
    activity = effective_record(source, [amendment]).record.activity  # type: ignore[attr-defined]
    assert [a.type for a in activity] == ["visit", "call"]


def test_an_empty_list_is_missing_and_a_nested_object_fills_only_a_missing_one() -> None:
    source = _record(
        "concern",
        "niche",
        "CON-1",
        referred_to=[],
        risk_assessment={"tool": "DASH", "level": "medium"},
    )
    amendment = _amendment(
        "concern",
        "A",
        target="CON-1",
        referred_to=[{"agency": "mash", "at": "2025-03-08T10:00:00+00:00"}],
        risk_assessment={"tool": "DASH", "level": "high", "yes_count": 15},
    )
    record: Any = effective_record(source, [amendment]).record
    assert [r.agency for r in record.referred_to] == ["mash"]
    assert record.risk_assessment.level == "medium" and record.risk_assessment.yes_count is None


def test_only_the_types_own_fields_and_extra_are_merged() -> None:
    source = _record("police_protection", "niche", "PP-1", summary="held", force_ref="X-1")
    amendment = _amendment(
        "police_protection",
        "A",
        summary="amendment's own",
        location={"address": "1 Elm Road", "postcode": "TN1 1AA"},
        people=[{"mention_id": "p1", "role": "professional"}],
        force_ref="ignored",
        force_note="kept",
    )
    record: Any = effective_record(source, [amendment]).record
    assert record.summary == "held" and record.location is None and record.people == []
    assert record.links == [] and record.source_id == "PP-1"
    assert record.extra == {"force_ref": "X-1", "force_note": "kept"}
    assert "summary" not in own_fields("police_protection")


def test_an_amendment_of_another_record_type_is_not_applied() -> None:
    source = _record("police_protection", "niche", "PP-1")
    amendment = _amendment("custody", "A", charged_at="2025-03-08T09:00:00+00:00")
    effective = effective_record(source, [amendment])
    assert effective.record is source and effective.suppliers == ()


def test_split_amendments_sets_them_apart_by_target() -> None:
    source = _record("police_protection", "niche", "PP-1")
    written = _record("strategy_discussion", "vigil", "SD-1")
    amendment = _amendment("police_protection", "A")
    own, amendments = split_amendments([source, written, amendment])
    assert own == [source, written]
    assert amendments == {RecordKey("niche", "PP-1"): [amendment]}


def test_rules_read_the_effective_record_as_of_the_amendments_own_occurred_at() -> None:
    from tests.rules.builders import Case, t
    from vigil.rules import evaluate

    case = Case()
    target = case.add(
        "police_protection",
        "PP-1",
        "2014-06-01 10:00",
        [("amy", "subject")],
        started_at="2014-06-01 10:00",
        designated_officer="PS 1",
    )
    # Written in Vigil on 3 June: the times it records are earlier, but it counts from then.
    late = case.add(
        "police_protection",
        "VGL-1",
        "2014-06-03 09:00",
        [],
        system="vigil",
        links=[{"source_system": "sys", "source_id": "PP-1", "relation": "amends"}],
        local_authority_informed_at="2014-06-01 11:00",
        ended_at="2014-06-02 10:00",
        protective_plan="Home with father",
    )
    book = case.book()
    assert set(book.records) == {target}  # an amendment is no record of its own for the rules
    before = evaluate(book, None, t("2014-06-02 12:00"), codes=["POLICE_PROTECTION_UNRESOLVED"])
    assert [f.evidence for f in before] == [(target,)]
    assert "not recorded as informed" in before[0].explanation
    assert evaluate(book, None, t("2014-06-05 12:00"), codes=["POLICE_PROTECTION_UNRESOLVED"]) == []
    # Where the values it supplied decide an alert, the amendment is evidence too.
    case.records[0] = case.records[0].model_copy(
        update={"local_authority_informed_at": t("2014-06-01 15:00")}
    )
    after = evaluate(
        case.book(), None, t("2014-06-05 12:00"), codes=["POLICE_PROTECTION_UNRESOLVED"]
    )
    assert [f.evidence for f in after] == [(target, late)]
    # An arriving amendment affects the people of the record it amends.
    assert book.affected_persons([late]) >= {"amy"}
