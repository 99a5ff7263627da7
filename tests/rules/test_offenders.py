"""Registered sex offenders."""

from __future__ import annotations

from typing import Any

from tests.rules.builders import Case, iso


def rso(case: Case, source_id: str = "RSO-1", at: str = "2013-01-10 10:00", **fields: Any) -> None:
    fields.setdefault("flagged_on", ["crime", "command_and_control"])
    case.add(
        "rso", source_id, at, [("eve", "offender")], registered_at=iso("2010-01-01 10:00"), **fields
    )


def test_arms_overdue() -> None:
    case = Case()
    rso(
        case,
        arms_assessed_at=iso("2013-01-10 10:00"),
        management="active",
        risk_level="low",
        visits=[iso("2013-06-01 10:00")],
    )
    assert case.subjects("2014-01-10 10:00", "RSO_ARMS_OVERDUE") == set()
    finding = case.one("2014-01-10 10:01", "RSO_ARMS_OVERDUE", "eve")
    assert finding.explanation == (
        "Registered sex offender: last ARMS assessment 10 January 2013 is more than 12 months "
        "old (threshold 12 months)."
    )
    reactive = Case()
    rso(reactive, management="reactive")
    assert (
        "managed reactively with no ARMS assessment"
        in reactive.one("2013-02-01 10:00", "RSO_ARMS_OVERDUE", "eve").explanation
    )


def test_arms_recent_or_later_record_does_not_fire() -> None:
    case = Case()
    rso(case, arms_assessed_at=iso("2012-01-10 10:00"), management="active")
    rso(
        case,
        "RSO-2",
        "2013-06-01 10:00",
        arms_assessed_at=iso("2013-06-01 10:00"),
        management="active",
    )
    assert case.subjects("2014-01-10 10:00", "RSO_ARMS_OVERDUE") == set()


def test_visit_overdue_by_risk_level() -> None:
    case = Case()
    rso(
        case,
        management="active",
        risk_level="medium",
        arms_assessed_at=iso("2013-01-10 10:00"),
        visits=[iso("2013-03-01 10:00")],
    )
    assert case.subjects("2013-08-28 10:00", "RSO_VISIT_OVERDUE") == set()  # 180 days
    finding = case.one("2013-08-29 10:00", "RSO_VISIT_OVERDUE", "eve")
    assert finding.explanation == (
        "Registered sex offender (medium risk, active management) not visited for 181 days "
        "(threshold 180 days): last visit 1 March 2013."
    )


def test_visit_not_overdue_for_reactive_or_recent() -> None:
    case = Case()
    rso(case, management="reactive", risk_level="low")
    assert case.subjects("2015-01-01 10:00", "RSO_VISIT_OVERDUE") == set()
    high = Case()
    rso(high, management="active", risk_level="very_high", visits=[iso("2013-05-01 10:00")])
    assert high.subjects("2013-07-30 10:00", "RSO_VISIT_OVERDUE") == set()
    assert high.subjects("2013-07-30 10:01", "RSO_VISIT_OVERDUE") == {"eve"}


def test_not_flagged_on_command_and_control() -> None:
    case = Case()
    rso(case, flagged_on=["crime"])
    finding = case.one("2013-02-01 10:00", "RSO_NOT_FLAGGED", "eve")
    assert finding.explanation == (
        "Registered sex offender's address is not flagged on command and control "
        "(flagged on crime as of 10 January 2013)."
    )
    rso(case, "RSO-2", "2013-03-01 10:00")
    assert case.subjects("2013-04-01 10:00", "RSO_NOT_FLAGGED") == set()
    assert case.subjects("2013-02-01 10:00", "RSO_NOT_FLAGGED") == {"eve"}  # as of then
