"""Investigations: drift, age, supervision, allocation, devices, charging, intelligence."""

from __future__ import annotations

from typing import Any

from tests.rules.builders import Case, iso

INV = ("sys", "INV-1")


def investigation(case: Case, people: list[tuple[str, str]] | None = None, **fields: Any) -> None:
    fields.setdefault("opened_at", iso("2014-03-01 10:00"))
    fields.setdefault(
        "allocations", [{"at": iso("2014-03-01 12:00"), "team": "CAIT", "specialist": True}]
    )
    case.add(
        "investigation",
        "INV-1",
        "2014-03-01 10:00",
        people or [("amy", "victim"), ("eve", "suspect")],
        **fields,
    )


def test_investigation_drift() -> None:
    case = Case()
    investigation(case, activity=[{"at": iso("2014-04-01 10:00"), "type": "statement"}])
    assert case.subjects("2014-04-29 10:00", "INVESTIGATION_DRIFT") == set()  # exactly 28 days
    finding = case.one("2014-05-10 10:00", "INVESTIGATION_DRIFT", INV)
    assert finding.explanation == (
        "Open investigation naming a child has had no activity for 39 days (threshold 28 days): "
        "last activity 1 April 2014."
    )


def test_investigation_drift_not_when_closed_or_no_child() -> None:
    closed = Case()
    investigation(closed, closed_at=iso("2014-04-01 10:00"))
    assert closed.subjects("2014-06-01 10:00", "INVESTIGATION_DRIFT") == set()
    adults = Case()
    investigation(adults, people=[("cara", "victim")])
    assert adults.subjects("2014-06-01 10:00", "INVESTIGATION_DRIFT") == set()
    # A closure later than the moment of evaluation is ignored: still open then.
    later = Case()
    investigation(later, closed_at=iso("2014-09-01 10:00"))
    assert later.subjects("2014-06-01 10:00", "INVESTIGATION_DRIFT") == {INV}


def test_investigation_aged() -> None:
    case = Case()
    investigation(case)
    assert case.subjects("2014-05-24 10:00", "INVESTIGATION_AGED") == set()  # exactly 12 weeks
    finding = case.one("2014-06-01 10:00", "INVESTIGATION_AGED", INV)
    assert finding.explanation == (
        "Open investigation naming a child was opened 1 March 2014, 13 weeks ago "
        "(threshold 12 weeks): for an inspector's review."
    )
    assert finding.severity == "low"


def test_supervision_overdue() -> None:
    case = Case()
    investigation(
        case,
        supervisory_reviews=[{"at": iso("2014-03-20 10:00"), "by": "DS Kaur"}],
        activity=[{"at": iso("2014-04-20 10:00")}],
    )
    assert case.subjects("2014-04-17 10:00", "SUPERVISION_OVERDUE") == set()
    finding = case.one("2014-04-20 10:00", "SUPERVISION_OVERDUE", INV)
    assert finding.explanation == (
        "Open investigation naming a child has had no supervisory review for 31 days "
        "(threshold 28 days): last review 20 March 2014."
    )


def test_allocation_problems() -> None:
    late = Case()
    investigation(
        late,
        allocations=[{"at": iso("2014-03-03 10:00"), "specialist": True}],
        offence_group="violence",
    )
    finding = late.one("2014-04-01 10:00", "ALLOCATION_PROBLEM", INV)
    assert finding.explanation == (
        "Open investigation opened 1 March 2014 has an allocation problem: not allocated within "
        "24 hours of opening (first allocated 3 March 2014 at 10:00, 1 day late)."
    )
    bounced = Case()
    investigation(
        bounced,
        allocations=[
            {"at": iso(f"2014-03-0{d} 10:00"), "team": f"T{d}", "specialist": True}
            for d in (1, 2, 3)
        ],
    )
    assert (
        "allocated 3 times (threshold 3)"
        in bounced.one("2014-04-01 10:00", "ALLOCATION_PROBLEM", INV).explanation
    )
    generalist = Case()
    investigation(
        generalist,
        offence_group="sexual",
        allocations=[{"at": iso("2014-03-01 12:00"), "specialist": False}],
    )
    assert (
        "not to a specialist investigator"
        in generalist.one("2014-04-01 10:00", "ALLOCATION_PROBLEM", INV).explanation
    )


def test_allocation_fine_does_not_fire() -> None:
    case = Case()
    investigation(
        case,
        offence_group="sexual",
        allocations=[
            {"at": iso("2014-03-01 12:00"), "specialist": False},
            {"at": iso("2014-03-01 18:00"), "specialist": True},
        ],
    )
    assert case.subjects("2014-04-01 10:00", "ALLOCATION_PROBLEM") == set()
    # Linked to a sexual crime, a generalist allocation is a problem.
    case.add(
        "crime",
        "CR-1",
        "2014-02-28 10:00",
        [("amy", "victim")],
        offence_group="sexual",
        links=[{"source_system": "sys", "source_id": "INV-1", "relation": "about"}],
    )
    generalist = Case()
    investigation(generalist, allocations=[{"at": iso("2014-03-01 12:00"), "specialist": False}])
    generalist.add(
        "crime",
        "CR-1",
        "2014-02-28 10:00",
        [("amy", "victim")],
        flags=["child_sexual_abuse"],
        links=[{"source_system": "sys", "source_id": "INV-1", "relation": "about"}],
    )
    assert generalist.subjects("2014-04-01 10:00", "ALLOCATION_PROBLEM") == {INV}


def test_digital_backlog() -> None:
    case = Case()
    investigation(
        case,
        devices=[
            {"device_id": "Phone 1", "submitted_at": iso("2014-03-05 10:00")},
            {
                "device_id": "Laptop",
                "submitted_at": iso("2014-03-05 10:00"),
                "examined_at": iso("2014-03-20 10:00"),
            },
        ],
    )
    assert case.subjects("2014-04-04 09:59", "DIGITAL_BACKLOG") == set()
    finding = case.one("2014-04-04 10:00", "DIGITAL_BACKLOG", INV)
    assert finding.explanation == (
        "1 device waiting 30 days or more for examination (threshold 30 days): "
        "Phone 1 submitted 5 March 2014."
    )


def test_charging_delay() -> None:
    case = Case()
    investigation(case, charging=[{"submitted_at": iso("2014-03-10 10:00")}])
    assert case.subjects("2014-04-07 10:00", "CHARGING_DELAY") == set()
    finding = case.one("2014-04-08 10:00", "CHARGING_DELAY", INV)
    assert finding.explanation == (
        "Charging decision not made within 28 days of submission (threshold 28 days): "
        "submitted 10 March 2014, no decision yet."
    )
    decided = Case()
    investigation(
        decided,
        charging=[
            {
                "submitted_at": iso("2014-03-10 10:00"),
                "decision_at": iso("2014-04-01 10:00"),
                "decision": "charge",
            }
        ],
    )
    assert decided.subjects("2014-06-08 10:00", "CHARGING_DELAY") == set()


def test_intelligence_not_actioned() -> None:
    case = Case()
    case.add(
        "intelligence",
        "INT-1",
        "2014-05-01 10:00",
        [("amy", "subject"), ("eve", "associate")],
        topics=["cse"],
    )
    assert case.subjects("2014-05-15 10:00", "INTELLIGENCE_NOT_ACTIONED") == set()
    finding = case.one("2014-05-15 10:01", "INTELLIGENCE_NOT_ACTIONED", ("sys", "INT-1"))
    assert finding.explanation == (
        "Intelligence of 1 May 2014 about cse naming a child was not followed up within 14 days "
        "(threshold 14 days): no follow-up recorded."
    )
    assert [m.mention_id for m in finding.mentions] == ["m0"]


def test_intelligence_followed_up_or_other_topics_do_not_fire() -> None:
    case = Case()
    case.add(
        "intelligence",
        "INT-1",
        "2014-05-01 10:00",
        [("amy", "subject")],
        topics=["cce"],
        follow_up_at=iso("2014-05-10 10:00"),
    )
    case.add("intelligence", "INT-2", "2014-05-01 10:00", [("amy", "subject")], topics=["online"])
    case.add("intelligence", "INT-3", "2014-05-01 10:00", [("cara", "subject")], topics=["cse"])
    assert case.subjects("2014-06-01 10:00", "INTELLIGENCE_NOT_ACTIONED") == set()
