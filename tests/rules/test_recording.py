"""Recording what matters about the child."""

from __future__ import annotations

from tests.rules.builders import HOME, Case, iso, t


def test_child_not_seen_or_heard_fires_when_neither_spoken_to_nor_demeanour() -> None:
    case = Case()
    case.add(
        "call",
        "CAD-1",
        "2014-05-01 20:00",
        [
            ("cara", "victim"),
            ("amy", "child_present", {"spoken_to": False}),
            ("ben", "child_present", {"spoken_to": None, "demeanour": "quiet"}),
        ],
        category="domestic",
        location=HOME,
    )
    finding = case.one("2014-06-01 12:00", "CHILD_NOT_SEEN_OR_HEARD", "amy")
    assert finding.explanation == (
        "Present as a child at 1 incident with neither spoken to recorded nor the child's "
        "demeanour described: 1 May 2014 call."
    )
    assert finding.evidence == (("sys", "CAD-1"),)
    assert case.subjects("2014-06-01 12:00", "CHILD_NOT_SEEN_OR_HEARD") == {"amy"}


def test_child_not_seen_or_heard_not_for_spoken_to_or_non_da_calls() -> None:
    case = Case()
    case.add(
        "call",
        "CAD-1",
        "2014-05-01 20:00",
        [("amy", "child_present", {"spoken_to": True})],
        category="domestic",
    )
    case.add("call", "CAD-2", "2014-05-02 20:00", [("amy", "child_present")], category="other")
    case.add(
        "concern",
        "C-1",
        "2014-05-03 20:00",
        [("cara", "child_present")],
        concern_type="child_at_risk",
    )  # an adult
    assert case.subjects("2014-06-01 12:00", "CHILD_NOT_SEEN_OR_HEARD") == set()
    case.add(
        "concern", "C-2", "2014-05-04 20:00", [("amy", "child_present")], concern_type="neglect"
    )
    assert case.subjects("2014-06-01 12:00", "CHILD_NOT_SEEN_OR_HEARD") == {"amy"}


def graded(case: Case, grades: list[dict[str, object]], **fields: object) -> None:
    case.add(
        "call",
        "CAD-9",
        "2014-05-01 20:00",
        [("amy", "victim"), ("eve", "reporting_person")],
        category="assault",
        grade_history=grades,
        **fields,
    )


def test_call_downgraded_unchecked() -> None:
    case = Case()
    graded(
        case,
        [
            {"at": iso("2014-05-01 20:00"), "grade": "priority"},
            {"at": iso("2014-05-01 23:00"), "grade": "scheduled", "reason": "no units"},
        ],
    )
    finding = case.one("2014-06-01 12:00", "CALL_DOWNGRADED_UNCHECKED", ("sys", "CAD-9"))
    assert finding.explanation == (
        "Call naming a child was downgraded from priority to scheduled on 2 May 2014 at 00:00 "
        "with no check on the child's welfare."
    )
    assert [m.mention_id for m in finding.mentions] == ["m0"]  # the child, not the caller
    assert finding.subject_kind == "record"


def test_call_downgrade_with_reason_and_welfare_check_or_upgrade_is_fine() -> None:
    case = Case()
    graded(
        case,
        [
            {"at": iso("2014-05-01 20:00"), "grade": "priority"},
            {
                "at": iso("2014-05-01 21:00"),
                "grade": "scheduled",
                "reason": "seen safe",
                "welfare_check": True,
            },
            {"at": iso("2014-05-01 22:00"), "grade": "emergency"},
        ],
    )
    assert case.subjects("2014-06-01 12:00", "CALL_DOWNGRADED_UNCHECKED") == set()
    adult = Case()
    adult.add(
        "call",
        "CAD-9",
        "2014-05-01 20:00",
        [("cara", "victim")],
        grade_history=[
            {"at": iso("2014-05-01 20:00"), "grade": "priority"},
            {"at": iso("2014-05-01 23:00"), "grade": "scheduled"},
        ],
    )
    assert adult.subjects("2014-06-01 12:00", "CALL_DOWNGRADED_UNCHECKED") == set()


def test_attendance_delayed_counts_from_the_first_grade() -> None:
    case = Case()
    graded(
        case,
        [
            {"at": iso("2014-05-01 20:00"), "grade": "emergency"},
            {
                "at": iso("2014-05-01 20:30"),
                "grade": "priority",
                "reason": "x",
                "welfare_check": True,
            },
        ],
        attended_at=iso("2014-05-01 21:01"),
    )
    finding = case.one("2014-06-01 12:00", "ATTENDANCE_DELAYED", ("sys", "CAD-9"))
    assert finding.explanation == (
        "Call naming a child first graded emergency on 1 May 2014 at 21:00 was not attended "
        "within 60 minutes (threshold 60 minutes for emergency): attended at 1 May 2014 at 22:01, 1 minute late."
    )
    assert finding.raised_at == t("2014-05-01 21:00")


def test_attendance_within_time_or_not_yet_due_does_not_fire() -> None:
    case = Case()
    graded(
        case,
        [{"at": iso("2014-05-01 20:00"), "grade": "priority"}],
        attended_at=iso("2014-05-02 00:00"),
    )  # exactly 240 minutes
    assert case.subjects("2014-06-01 12:00", "ATTENDANCE_DELAYED") == set()
    pending = Case()
    graded(pending, [{"at": iso("2014-05-01 20:00"), "grade": "emergency"}])
    assert pending.subjects("2014-05-01 20:59", "ATTENDANCE_DELAYED") == set()
    assert pending.subjects("2014-05-01 21:01", "ATTENDANCE_DELAYED") == {("sys", "CAD-9")}


def protection(case: Case, **fields: object) -> None:
    case.add(
        "police_protection",
        "PP-1",
        "2014-05-01 10:00",
        [("amy", "subject")],
        started_at=iso("2014-05-01 10:00"),
        **fields,
    )


def test_police_protection_unresolved() -> None:
    case = Case()
    protection(case, local_authority_informed_at=iso("2014-05-01 13:00"))
    finding = case.one("2014-06-01 12:00", "POLICE_PROTECTION_UNRESOLVED", "amy")
    assert finding.explanation == (
        "Police protection (s46) not properly resolved: local authority not informed within 2 "
        "hours of police protection starting 1 May 2014 at 11:00 (informed 1 May 2014 at 14:00, "
        "1 hour late); police protection from 1 May 2014 at 11:00 not ended within 72 hours (no end recorded)."
    )
    ended = Case()
    protection(
        ended, local_authority_informed_at=iso("2014-05-01 11:00"), ended_at=iso("2014-05-02 10:00")
    )
    assert (
        "ended 2 May 2014 at 11:00 with no protective plan"
        in ended.one("2014-06-01 12:00", "POLICE_PROTECTION_UNRESOLVED", "amy").explanation
    )


def test_police_protection_resolved_properly_does_not_fire() -> None:
    case = Case()
    protection(
        case,
        local_authority_informed_at=iso("2014-05-01 12:00"),
        ended_at=iso("2014-05-04 09:00"),
        protective_plan="Placed with grandmother",
    )
    assert case.subjects("2014-06-01 12:00", "POLICE_PROTECTION_UNRESOLVED") == set()
    early = Case()
    protection(early, local_authority_informed_at=iso("2014-05-01 11:00"))
    assert early.subjects("2014-05-04 09:59", "POLICE_PROTECTION_UNRESOLVED") == set()
