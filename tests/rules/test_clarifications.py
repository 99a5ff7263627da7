"""ALERTS.md v1.1: 'DA incident' and each point of 'Clarifications (v1.1)', one test a point.

Each test is named after the point it pins. Where the rules already agreed before v1.1 the test
pins that; where they did not (incidents joined through a MARAC, signals for witnesses and
reporting parents, lateness not stated, anchors, units, 29 February) it failed before the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.rules.builders import HOME, Case, iso, t
from vigil.records.contract import parse_record
from vigil.rules import Casebook, MentionKey, evaluate
from vigil.rules.policy import DEFAULT_POLICY
from vigil.rules.view import View

CUMULATIVE = "CUMULATIVE_DOMESTIC_ABUSE"
DA_DATES = ["2013-07-01 20:00", "2013-12-01 20:00", "2014-05-01 20:00"]
DA_FIELDS = {
    "call": {"category": "domestic"},
    "concern": {"concern_type": "domestic_abuse_noncrime"},
    "crime": {"offence_group": "domestic_abuse", "offence": "Assault"},
}


def link(source_id: str, relation: str) -> dict[str, str]:
    return {"source_system": "sys", "source_id": source_id, "relation": relation}


def three_da_incidents(case: Case) -> None:
    """Three DA incidents at the Ward home in a year: Cara the victim, Amy present."""
    for index, (date, kind) in enumerate(zip(DA_DATES, ("call", "concern", "crime"), strict=True)):
        case.add(
            kind,
            f"DA-{index}",
            date,
            [("cara", "victim"), ("dan", "suspect"), ("amy", "child_present", {"spoken_to": True})],
            location=HOME,
            **DA_FIELDS[kind],
        )


# --- DA incident ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record_type", "relation"),
    [
        ("marac", "about"),
        ("referral", "about"),
        ("strategy_discussion", "about"),
        ("marac", "follows_from"),
        ("referral", "part_of"),
    ],
)
def test_da_incident_never_joined_through_a_marac_referral_or_strategy_discussion(
    record_type: str, relation: str
) -> None:
    """Issue 11 item 13: reaching MARAC must not make three incidents one."""
    case = Case()
    three_da_incidents(case)
    assert case.subjects("2014-06-01 12:00", CUMULATIVE) == {"amy"}
    case.add(
        record_type,
        "ABOUT-ALL",
        "2014-05-03 10:00",
        [("cara", "victim"), ("amy", "subject")],
        links=[link(f"DA-{i}", relation) for i in range(3)],
    )
    finding = case.one("2014-06-01 12:00", CUMULATIVE, "amy")
    assert finding.explanation.startswith("Exposed to 3 domestic abuse incidents in 365 days")
    # The victim is still in three incidents: the MARAC criteria still count them.
    view = View(case.book(), DEFAULT_POLICY, t("2014-06-01 12:00"))
    assert len(view.da_incidents) == 3
    assert ("sys", "ABOUT-ALL") not in finding.evidence


def test_da_incident_about_link_between_da_records_does_not_join() -> None:
    case = Case()
    three_da_incidents(case)
    case.add(
        "concern",
        "DA-3",
        "2014-05-02 10:00",
        [("cara", "victim")],
        location=HOME,
        links=[link("DA-2", "about")],
        **DA_FIELDS["concern"],
    )
    view = View(case.book(), DEFAULT_POLICY, t("2014-06-01 12:00"))
    assert len(view.da_incidents) == 4


def test_da_incident_follows_from_and_part_of_join_da_records_transitively() -> None:
    case = Case()
    case.add("call", "A", "2014-01-01 10:00", [], **DA_FIELDS["call"])
    case.add(
        "crime",
        "B",
        "2014-01-01 11:00",
        [],
        links=[link("A", "follows_from")],
        **DA_FIELDS["crime"],
    )
    case.add(
        "concern", "C", "2014-01-02 11:00", [], links=[link("B", "part_of")], **DA_FIELDS["concern"]
    )
    # Through a record that is not a DA record (an investigation): no join.
    case.add("investigation", "INV", "2014-02-01 10:00", [], links=[link("C", "follows_from")])
    case.add(
        "call",
        "D",
        "2014-02-02 10:00",
        [],
        links=[link("INV", "follows_from")],
        **DA_FIELDS["call"],
    )
    view = View(case.book(), DEFAULT_POLICY, t("2014-06-01 12:00"))
    assert sorted(
        sorted(r.source_id for r in i.da_records) for i in view.da_incidents.values()
    ) == [["A", "B", "C"], ["D"]]


# --- Named in a matter --------------------------------------------------------------------------


def missing(case: Case, person: str = "amy", source_id: str = "MIS-1") -> None:
    case.add(
        "missing",
        source_id,
        "2014-05-20 20:00",
        [(person, "missing_person")],
        found_at=iso("2014-05-21 08:00"),
        safe_and_well_at=iso("2014-05-21 09:00"),
        return_interview_completed_at=iso("2014-05-22 09:00"),
    )


@pytest.mark.parametrize(
    "role", ["reporting_person", "witness", "professional", "parent_carer", "household_member"]
)
def test_named_in_a_matter_excludes_reporting_witness_professional_parent_and_household(
    role: str,
) -> None:
    """Issue 11 item 14: named in these roles on a sexual or exploitation matter is no signal."""
    case = Case()
    case.add(
        "crime",
        "CR-1",
        "2014-05-01 10:00",
        [("amy", role)],
        offence_group="sexual",
        offence="Sexual assault",
    )
    case.add("intelligence", "INT-1", "2014-05-02 10:00", [("amy", role)], topics=["cse"])
    missing(case)
    case.add("crime", "CR-2", "2014-05-25 10:00", [("amy", "suspect")], offence_group="drugs")
    view = View(case.book(), DEFAULT_POLICY, t("2014-06-01 12:00"))
    assert view.own_signal("amy") is None
    assert case.subjects("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK") == set()
    assert case.subjects("2014-06-01 12:00", "CHILD_SUSPECT_EXPLOITED") == set()
    # Any other role is named in the matter (the rules fire on the same records).
    victim = Case()
    victim.add("intelligence", "INT-1", "2014-05-02 10:00", [("amy", "subject")], topics=["cse"])
    missing(victim)
    assert victim.subjects("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK") == {"amy"}


def test_named_in_a_matter_nothing_spreads_by_association() -> None:
    """The mother who reports another girl's exploitation passes no signal to her own child."""
    case = Case()
    case.add(
        "intelligence",
        "INT-1",
        "2014-05-02 10:00",
        [("finn", "subject"), ("cara", "reporting_person")],
        topics=["cse"],
    )
    case.add(
        "crime",
        "CR-1",
        "2014-05-03 10:00",
        [("finn", "victim"), ("cara", "parent_carer")],
        offence_group="sexual",
    )
    case.add(
        "concern",
        "HOME-1",
        "2014-05-04 10:00",
        [("amy", "subject"), ("cara", "parent_carer")],
        location=HOME,
        concern_type="other",
    )
    missing(case)
    assert "cara" in dict(case.book().associations("amy", t("2014-06-01 12:00")))
    assert case.subjects("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK") == set()
    # Finn, the subject, does carry the signal and passes it on to those associated with him.
    missing(case, "finn", "MIS-2")
    assert case.subjects("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK") == {"finn"}


# --- Deadlines ------------------------------------------------------------------------------------


def referral(case: Case, **fields: Any) -> None:
    case.add(
        "referral",
        "REF-1",
        "2014-05-01 10:00",
        [("amy", "subject"), ("cara", "parent_carer")],
        to_agency="childrens_social_care",
        received_at=iso("2014-05-01 10:00"),
        **fields,
    )


def attendance(case: Case, attended: str | None) -> None:
    case.add(
        "call",
        "CAD-1",
        "2014-05-01 20:00",
        [("amy", "victim")],
        category="assault",
        grade_history=[{"at": iso("2014-05-01 20:00"), "grade": "emergency"}],
        **({"attended_at": iso(attended)} if attended else {}),
    )


def protection(case: Case, informed: str | None) -> None:
    case.add(
        "police_protection",
        "PP-1",
        "2014-05-01 10:00",
        [("amy", "subject")],
        started_at=iso("2014-05-01 10:00"),
        ended_at=iso("2014-05-02 10:00"),
        protective_plan="Home with grandmother",
        **({"local_authority_informed_at": iso(informed)} if informed else {}),
    )


def decision(case: Case, decided: str | None) -> None:
    referral(case, **({"decision_at": iso(decided), "decision": "section_17"} if decided else {}))


def strategy(case: Case, held: str | None) -> None:
    referral(case, decision_at=iso("2014-05-01 16:00"), decision="section_47")
    if held:
        case.add("strategy_discussion", "SD-1", held, [("amy", "subject")], held_at=iso(held))


def episode(field: str) -> Callable[[Case, str | None], None]:
    def build(case: Case, done: str | None) -> None:
        case.add(
            "missing",
            "MIS-1",
            "2014-05-01 20:00",
            [("amy", "missing_person")],
            found_at=iso("2014-05-02 08:00"),
            **({field: iso(done)} if done else {}),
        )

    return build


def marac(case: Case, referred: str | None) -> None:
    case.add(
        "concern",
        "DA-1",
        "2014-05-01 20:00",
        [("cara", "victim"), ("amy", "child_present", {"spoken_to": True})],
        location=HOME,
        risk_assessment={"level": "high", "assessed_at": iso("2014-05-01 21:00")},
        **DA_FIELDS["concern"],
    )
    if referred:
        case.add("marac", "MARAC-1", referred, [("cara", "victim")], referred_at=iso(referred))


def allocation(case: Case, allocated: str | None) -> None:
    case.add(
        "investigation",
        "INV-1",
        "2014-03-01 10:00",
        [("amy", "victim")],
        opened_at=iso("2014-03-01 10:00"),
        allocations=[{"at": iso(allocated), "team": "CAIT", "specialist": True}]
        if allocated
        else [],
    )


def charging(case: Case, decided: str | None) -> None:
    submission: dict[str, Any] = {"submitted_at": iso("2014-03-01 10:00")}
    if decided:
        submission |= {"decision_at": iso(decided), "decision": "charge"}
    case.add(
        "investigation",
        "INV-1",
        "2014-03-01 10:00",
        [("amy", "victim")],
        opened_at=iso("2014-03-01 10:00"),
        charging=[submission],
        allocations=[{"at": iso("2014-03-01 11:00"), "team": "CAIT", "specialist": True}],
    )


def intelligence(case: Case, followed: str | None) -> None:
    case.add(
        "intelligence",
        "INT-1",
        "2014-03-01 10:00",
        [("amy", "subject")],
        topics=["cce"],
        **({"follow_up_at": iso(followed)} if followed else {}),
    )


def appropriate_adult(case: Case, came: str | None) -> None:
    case.add(
        "custody",
        "CUS-1",
        "2014-03-06 14:00",
        [("amy", "detainee")],
        arrived_at=iso("2014-03-06 14:00"),
        detention_authorised_at=iso("2014-03-06 14:00"),
        released_at=iso("2014-03-07 10:00"),
        **({"appropriate_adult_arrived_at": iso(came)} if came else {}),
    )


# code, builder, subject, the deadline (UTC), a late time, how late it is in words
DEADLINES: list[tuple[str, Callable[[Case, str | None], None], object, str, str, str]] = [
    (
        "ATTENDANCE_DELAYED",
        attendance,
        ("sys", "CAD-1"),
        "2014-05-01 21:00",
        "2014-05-01 21:30",
        "attended at 1 May 2014 at 22:30, 30 minutes late",
    ),
    (
        "POLICE_PROTECTION_UNRESOLVED",
        protection,
        "amy",
        "2014-05-01 12:00",
        "2014-05-01 15:20",
        "informed 1 May 2014 at 16:20, 3 hours 20 minutes late",
    ),
    # Received Thursday 1 May 2014: the end of Friday 2 May (London) is 23:00 UTC.
    (
        "REFERRAL_NO_DECISION",
        decision,
        ("sys", "REF-1"),
        "2014-05-02 23:00",
        "2014-05-06 10:00",
        "decided 6 May 2014 at 11:00, 3 days 11 hours late",
    ),
    (
        "NO_STRATEGY_DISCUSSION",
        strategy,
        "amy",
        "2014-05-04 16:00",
        "2014-05-06 16:00",
        "strategy discussion held 6 May 2014 at 17:00, 2 days late",
    ),
    (
        "RETURN_INTERVIEW_OVERDUE",
        episode("return_interview_completed_at"),
        "amy",
        "2014-05-05 08:00",
        "2014-05-06 09:00",
        "recorded 6 May 2014 at 10:00, 1 day 1 hour late",
    ),
    (
        "SAFE_AND_WELL_NOT_RECORDED",
        episode("safe_and_well_at"),
        "amy",
        "2014-05-03 08:00",
        "2014-05-03 10:00",
        "recorded 3 May 2014 at 11:00, 2 hours late",
    ),
    (
        "MARAC_CRITERIA_MET_NOT_REFERRED",
        marac,
        "cara",
        "2014-05-15 21:00",
        "2014-05-20 21:00",
        "MARAC referral 20 May 2014 at 22:00, 5 days late",
    ),
    (
        "ALLOCATION_PROBLEM",
        allocation,
        ("sys", "INV-1"),
        "2014-03-02 10:00",
        "2014-03-03 10:00",
        "first allocated 3 March 2014 at 10:00, 1 day late",
    ),
    (
        "CHARGING_DELAY",
        charging,
        ("sys", "INV-1"),
        "2014-03-29 10:00",
        "2014-04-05 10:00",
        "decided 5 April 2014, 7 days late",
    ),
    (
        "INTELLIGENCE_NOT_ACTIONED",
        intelligence,
        ("sys", "INT-1"),
        "2014-03-15 10:00",
        "2014-03-20 10:00",
        "followed up 20 March 2014, 5 days late",
    ),
    (
        "CUSTODY_AA_DELAY",
        appropriate_adult,
        ("sys", "CUS-1"),
        "2014-03-06 16:00",
        "2014-03-06 17:30",
        "3.5 hours after, 1 hour 30 minutes late",
    ),
]
IDS = [row[0] for row in DEADLINES]


def _minutes(moment: str, minutes: int) -> str:
    from datetime import timedelta

    return (t(moment) + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("code", "build", "subject", "deadline", "late", "words"), DEADLINES, ids=IDS
)
def test_deadlines_fire_only_once_passed_at_t(
    code: str,
    build: Callable[[Case, str | None], None],
    subject: object,
    deadline: str,
    late: str,
    words: str,
) -> None:
    case = Case()
    build(case, None)
    assert subject not in case.subjects(_minutes(deadline, -1), code)
    assert subject in case.subjects(_minutes(deadline, 1), code)
    on_time = Case()
    build(on_time, _minutes(deadline, -1))
    assert subject not in on_time.subjects("2015-01-01 12:00", code)


@pytest.mark.parametrize(
    ("code", "build", "subject", "deadline", "late", "words"), DEADLINES, ids=IDS
)
def test_deadlines_duty_done_late_stays_a_finding_saying_how_late(
    code: str,
    build: Callable[[Case, str | None], None],
    subject: object,
    deadline: str,
    late: str,
    words: str,
) -> None:
    case = Case()
    build(case, late)
    # Before the duty is done the finding already holds; long after it is done, it still does.
    assert subject in case.subjects(_minutes(late, -1), code)
    finding = case.one("2015-01-01 12:00", code, subject)
    assert words in finding.explanation
    assert finding.raised_at == t(deadline)


# --- Current state ------------------------------------------------------------------------------


def drift(case: Case, latest: str) -> None:
    case.add(
        "investigation",
        "INV-1",
        "2014-03-01 10:00",
        [("amy", "victim")],
        opened_at=iso("2014-03-01 10:00"),
        allocations=[{"at": iso("2014-03-01 11:00"), "team": "CAIT", "specialist": True}],
        activity=[{"at": iso(latest), "type": "enquiry"}],
        supervisory_reviews=[{"at": iso(latest), "by": "DS Hall"}],
    )


def rso(case: Case, latest: str) -> None:
    case.add(
        "rso",
        "RSO-1",
        "2013-01-10 10:00",
        [("eve", "offender")],
        registered_at=iso("2010-01-01 10:00"),
        management="active",
        risk_level="medium",
        flagged_on=["command_and_control"],
        arms_assessed_at=iso(latest),
        visits=[iso(latest)],
    )


CURRENT_STATE = [
    ("INVESTIGATION_DRIFT", drift, ("sys", "INV-1"), "2014-03-02 10:00", "2014-04-10 10:00"),
    ("SUPERVISION_OVERDUE", drift, ("sys", "INV-1"), "2014-03-02 10:00", "2014-04-10 10:00"),
    ("RSO_VISIT_OVERDUE", rso, "eve", "2013-01-10 10:00", "2013-07-20 10:00"),
    ("RSO_ARMS_OVERDUE", rso, "eve", "2013-01-10 10:00", "2014-01-20 10:00"),
]


@pytest.mark.parametrize(
    ("code", "build", "subject", "old", "new"), CURRENT_STATE, ids=[row[0] for row in CURRENT_STATE]
)
def test_current_state_no_x_for_d_days_ends_when_x_is_recorded(
    code: str,
    build: Callable[[Case, str], None],
    subject: object,
    old: str,
    new: str,
) -> None:
    as_of = _minutes(new, 60)
    stale = Case()
    build(stale, old)
    assert subject in stale.subjects(as_of, code)
    fresh = Case()
    build(fresh, new)
    assert subject not in fresh.subjects(as_of, code)


# --- Anchors ------------------------------------------------------------------------------------


def test_anchors_strategy_discussion_days_run_from_the_referral_decision() -> None:
    case = Case()
    referral(case, decision_at=iso("2014-05-05 16:00"), decision="section_47")
    # Held after the referral arrived but before it was decided: not in the 3 days.
    case.add(
        "strategy_discussion",
        "SD-0",
        "2014-05-02 10:00",
        [("amy", "subject")],
        held_at=iso("2014-05-02 10:00"),
    )
    assert case.subjects("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION") == {"amy"}
    # Without held_at, occurred_at counts: inside the 3 days after the decision.
    case.add("strategy_discussion", "SD-1", "2014-05-08 15:00", [("amy", "subject")])
    assert case.subjects("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION") == set()
    crime = Case()
    crime.add(
        "crime",
        "CR-1",
        "2014-05-01 10:00",
        [("amy", "victim"), ("dan", "suspect")],
        offence_group="violence",
        offence="Assault",
        location=HOME,
    )
    crime.add(
        "strategy_discussion",
        "SD-1",
        "2014-05-06 10:00",
        [("amy", "subject")],
        held_at=iso("2014-05-04 10:00"),
    )
    assert crime.subjects("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION") == set()


def test_anchors_marac_counts_from_the_trigger_to_14_days_after() -> None:
    before = Case()
    marac(before, None)
    # Referred three days before the assessment: it does not answer the assessment.
    before.add(
        "marac",
        "MARAC-0",
        "2014-04-28 21:00",
        [("cara", "victim")],
        referred_at=iso("2014-04-28 21:00"),
    )
    assert "cara" in before.subjects("2014-06-01 12:00", "MARAC_CRITERIA_MET_NOT_REFERRED")
    # Without referred_at, the MARAC's occurred_at counts.
    after = Case()
    marac(after, None)
    after.add("marac", "MARAC-1", "2014-05-15 20:00", [("cara", "victim")])
    assert after.subjects("2014-06-01 12:00", "MARAC_CRITERIA_MET_NOT_REFERRED") == set()


# --- Units ----------------------------------------------------------------------------------------


def test_units_weeks_months_and_years_are_24_hour_periods() -> None:
    # 12 weeks are 84 days.
    aged = Case()
    drift(aged, "2014-05-20 10:00")
    assert aged.subjects("2014-05-24 10:00", "INVESTIGATION_AGED") == set()
    assert aged.subjects("2014-05-24 10:01", "INVESTIGATION_AGED") == {("sys", "INV-1")}
    # 12 months are 365 days, even across 29 February 2016.
    arms = Case()
    rso(arms, "2015-03-01 10:00")
    assert arms.subjects("2016-02-29 10:00", "RSO_ARMS_OVERDUE") == set()
    assert arms.subjects("2016-02-29 10:01", "RSO_ARMS_OVERDUE") == {"eve"}
    # 2 years before turning 18 (10 January 2018) are the 730 days from 11 January 2016.
    early, inside = Case(), Case()
    born = {"date_of_birth": "2000-01-10"}
    early.add(
        "concern", "C-1", "2016-01-10 12:00", [("finn", "subject", born | {"flags": ["cse_risk"]})]
    )
    inside.add(
        "concern", "C-1", "2016-01-11 12:00", [("finn", "subject", born | {"flags": ["cse_risk"]})]
    )
    assert early.subjects("2018-02-01 12:00", "TRANSITION_TO_ADULTHOOD") == set()
    assert inside.subjects("2018-02-01 12:00", "TRANSITION_TO_ADULTHOOD") == {"finn"}


def test_units_born_29_february_turns_18_on_1_march() -> None:
    case = Case()
    case.add(
        "concern",
        "C-1",
        "2017-06-01 12:00",
        [("finn", "subject", {"date_of_birth": "2000-02-29", "flags": ["cse_risk"]})],
    )
    book = case.book()
    assert book.is_child("finn", t("2018-02-28 12:00"), t("2018-06-01 12:00"))
    assert not book.is_child("finn", t("2018-03-01 12:00"), t("2018-06-01 12:00"))
    assert case.subjects("2018-02-28 23:00", "TRANSITION_TO_ADULTHOOD") == set()
    finding = case.one("2018-03-01 12:00", "TRANSITION_TO_ADULTHOOD", "finn")
    assert finding.explanation.startswith("Turned 18 on 1 March 2018 ")
    assert finding.raised_at == t("2018-03-01 00:00")


# --- Missing values -------------------------------------------------------------------------------


def test_missing_values_an_empty_string_is_missing_in_every_field() -> None:
    def record(source_id: str, record_type: str, **fields: Any) -> Any:
        return parse_record(
            {
                "record_type": record_type,
                "source_system": "sys",
                "source_id": source_id,
                "occurred_at": iso("2014-05-01 20:00"),
                **fields,
            }
        )

    child = {
        "mention_id": "c",
        "role": "child_present",
        "forename": "Amy",
        "date_of_birth": "2005-03-01",
        "spoken_to": False,
        "demeanour": "",
    }
    subject = child | {"role": "subject", "demeanour": " "}
    records = [
        record(
            "CAD-1",
            "call",
            category="domestic",
            people=[child],
            attended_at="",
            grade_history=[{"at": iso("2014-05-01 20:00"), "grade": "emergency", "reason": ""}],
        ),
        record(
            "PP-1",
            "police_protection",
            people=[subject],
            started_at=iso("2014-05-01 20:00"),
            ended_at=iso("2014-05-02 10:00"),
            local_authority_informed_at=iso("2014-05-01 20:30"),
            protective_plan="",
        ),
    ]
    identity = {MentionKey("sys", "CAD-1", "c"): "amy", MentionKey("sys", "PP-1", "c"): "amy"}
    codes = {f.code for f in evaluate(Casebook(records, identity), None, t("2014-06-01 12:00"))}
    assert {
        "CHILD_NOT_SEEN_OR_HEARD",
        "ATTENDANCE_DELAYED",
        "POLICE_PROTECTION_UNRESOLVED",
    } <= codes


# --- Shared address -------------------------------------------------------------------------------


def test_shared_address_people_recorded_as_living_there_unless_typed_otherwise() -> None:
    home = {"address": "4 Mill Lane, Town", "postcode": "TN4 4MM"}
    case = Case()
    case.add("concern", "C-1", "2014-05-01 10:00", [("amy", "subject", home)], concern_type="other")
    case.add("crime", "CR-1", "2014-05-02 10:00", [("eve", "victim", home)], offence_group="other")
    assert "eve" in dict(case.book().associations("amy", t("2014-05-03 10:00")))
    # A record located there as a care home: the address links no one from then on.
    case.add(
        "missing",
        "MIS-9",
        "2014-05-04 10:00",
        [("finn", "missing_person")],
        location=home | {"premises_type": "care_home"},
    )
    assert dict(case.book().associations("amy", t("2014-06-01 10:00"))) == {}
