"""Working together: referrals, strategy discussions, return home, MARAC."""

from __future__ import annotations

from tests.rules.builders import HOME, Case, iso, t


def referral(case: Case, received: str, **fields: object) -> None:
    case.add(
        "referral",
        "REF-1",
        received,
        [("amy", "subject"), ("cara", "parent_carer")],
        to_agency=fields.pop("to_agency", "childrens_social_care"),
        received_at=iso(received),
        **fields,
    )


def test_referral_no_decision_by_end_of_next_working_day() -> None:
    case = Case()
    referral(case, "2014-04-17 15:00")  # Thursday before Easter: Good Friday, Easter Monday
    assert case.subjects("2014-04-22 22:59", "REFERRAL_NO_DECISION") == set()  # Tue 23:59 BST
    finding = case.one("2014-04-22 23:00", "REFERRAL_NO_DECISION", ("sys", "REF-1"))
    assert finding.explanation == (
        "Referral to children's social care received 17 April 2014 at 16:00 had no decision by "
        "the end of 22 April 2014 (1 working day after, threshold 1): no decision recorded."
    )
    assert [m.mention_id for m in finding.mentions] == ["m0"]


def test_referral_decided_in_time_or_to_school_does_not_fire() -> None:
    case = Case()
    referral(case, "2014-05-01 10:00", decision_at=iso("2014-05-02 16:00"), decision="section_17")
    assert case.subjects("2014-06-01 12:00", "REFERRAL_NO_DECISION") == set()
    school = Case()
    referral(school, "2014-05-01 10:00", to_agency="school")
    assert school.subjects("2014-06-01 12:00", "REFERRAL_NO_DECISION") == set()


def test_no_strategy_discussion_after_section_47() -> None:
    case = Case()
    referral(case, "2014-05-01 10:00", decision="section_47", decision_at=iso("2014-05-01 16:00"))
    finding = case.one("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION", "amy")
    assert finding.explanation == (
        "No strategy discussion about the child within 3 days (threshold 3) of: referral decided "
        "section 47 on 1 May 2014 at 17:00."
    )
    case.add(
        "strategy_discussion",
        "SD-1",
        "2014-05-03 10:00",
        [("amy", "subject")],
        held_at=iso("2014-05-03 10:00"),
    )
    assert case.subjects("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION") == set()


def test_no_strategy_discussion_for_crime_with_suspect_at_home() -> None:
    case = Case()
    case.add(
        "crime",
        "CR-1",
        "2014-05-01 10:00",
        [("amy", "victim"), ("dan", "suspect")],
        offence_group="violence",
        offence="Assault",
        location=HOME,
    )
    assert case.subjects("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION") == {"amy"}
    # A linked strategy discussion (not naming the child) is enough.
    case.add(
        "strategy_discussion",
        "SD-1",
        "2014-05-02 10:00",
        [("eve", "professional")],
        links=[{"source_system": "sys", "source_id": "CR-1", "relation": "about"}],
    )
    assert case.subjects("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION") == set()


def test_no_strategy_discussion_not_when_suspect_lives_elsewhere_or_not_yet_due() -> None:
    case = Case()
    case.add(
        "crime",
        "CR-1",
        "2014-05-01 10:00",
        [("amy", "victim"), ("eve", "suspect")],
        offence_group="sexual",
    )
    assert case.subjects("2014-06-01 12:00", "NO_STRATEGY_DISCUSSION") == set()
    due = Case()
    due.add(
        "crime",
        "CR-1",
        "2014-05-01 10:00",
        [("amy", "victim"), ("dan", "suspect")],
        offence_group="neglect",
    )
    assert due.subjects("2014-05-04 10:00", "NO_STRATEGY_DISCUSSION") == set()


def test_actions_overdue() -> None:
    case = Case()
    case.add(
        "strategy_discussion",
        "SD-1",
        "2014-05-01 10:00",
        [("amy", "subject")],
        actions=[
            {"description": "Visit school", "owner": "DC Hale", "due_at": iso("2014-05-08 17:00")},
            {
                "description": "Medical",
                "due_at": iso("2014-05-05 17:00"),
                "done_at": iso("2014-05-05 12:00"),
            },
        ],
    )
    finding = case.one("2014-06-01 12:00", "ACTIONS_OVERDUE", ("sys", "SD-1"))
    assert finding.explanation == (
        "Strategy discussion of 1 May 2014 has 1 action past due and not done: 'Visit school' "
        "(owner DC Hale) due 8 May 2014 at 18:00."
    )
    assert case.subjects("2014-05-08 16:59", "ACTIONS_OVERDUE") == set()


def test_actions_done_are_not_overdue() -> None:
    case = Case()
    case.add(
        "marac",
        "MARAC-1",
        "2014-05-01 10:00",
        [("cara", "victim")],
        actions=[
            {
                "description": "Refuge",
                "due_at": iso("2014-05-08 17:00"),
                "done_at": iso("2014-05-09 10:00"),
            }
        ],
    )
    assert case.subjects("2014-06-01 12:00", "ACTIONS_OVERDUE") == set()


def episode(case: Case, **fields: object) -> None:
    case.add(
        "missing",
        "MIS-1",
        "2014-05-01 20:00",
        [("amy", "missing_person")],
        found_at=iso("2014-05-02 08:00"),
        **fields,
    )


def test_return_interview_overdue_and_safe_and_well() -> None:
    case = Case()
    episode(case)
    assert case.subjects("2014-05-05 08:00", "RETURN_INTERVIEW_OVERDUE") == set()  # exactly 72h
    finding = case.one("2014-05-05 08:01", "RETURN_INTERVIEW_OVERDUE", "amy")
    assert finding.explanation == (
        "No return home interview within 72 hours of being found (threshold 72 hours): "
        "found 2 May 2014 at 09:00, none recorded."
    )
    assert finding.raised_at == t("2014-05-05 08:00")
    safe = case.one("2014-05-05 08:01", "SAFE_AND_WELL_NOT_RECORDED", "amy")
    assert safe.explanation == (
        "No safe and well check within 24 hours of being found (threshold 24 hours): "
        "found 2 May 2014 at 09:00, none recorded."
    )


def test_return_interview_and_safe_and_well_in_time() -> None:
    case = Case()
    episode(
        case,
        safe_and_well_at=iso("2014-05-03 08:00"),
        return_interview_completed_at=iso("2014-05-04 10:00"),
    )
    assert case.subjects("2014-06-01 12:00", "RETURN_INTERVIEW_OVERDUE") == set()
    assert case.subjects("2014-06-01 12:00", "SAFE_AND_WELL_NOT_RECORDED") == set()
    assert case.subjects("2014-05-03 07:59", "SAFE_AND_WELL_NOT_RECORDED") == set()


def test_marac_incomplete() -> None:
    case = Case()
    case.add(
        "marac",
        "MARAC-1",
        "2014-05-01 10:00",
        [("cara", "victim"), ("amy", "child_present")],
        meeting_at=iso("2014-05-10 10:00"),
        information_shared_before=False,
    )
    assert case.subjects("2014-05-10 09:00", "MARAC_INCOMPLETE") == set()
    finding = case.one("2014-06-01 12:00", "MARAC_INCOMPLETE", ("sys", "MARAC-1"))
    assert finding.explanation == (
        "MARAC meeting of 10 May 2014 at 11:00 is incomplete: no actions recorded and "
        "information was not shared before the meeting."
    )
    assert [m.mention_id for m in finding.mentions] == ["m1"]


def test_marac_complete_does_not_fire() -> None:
    case = Case()
    case.add(
        "marac",
        "MARAC-1",
        "2014-05-01 10:00",
        [("cara", "victim")],
        meeting_at=iso("2014-05-10 10:00"),
        information_shared_before=True,
        actions=[{"description": "Refuge", "due_at": iso("2014-05-20 10:00")}],
    )
    assert case.subjects("2014-06-01 12:00", "MARAC_INCOMPLETE") == set()


def assessed(case: Case, yes: int, level: str = "medium") -> None:
    case.add(
        "concern",
        "DA-1",
        "2014-05-01 20:00",
        [("cara", "victim"), ("dan", "suspect"), ("amy", "child_present", {"spoken_to": True})],
        location=HOME,
        concern_type="domestic_abuse_noncrime",
        risk_assessment={
            "tool": "DASH",
            "level": level,
            "yes_count": yes,
            "assessed_at": iso("2014-05-01 21:00"),
        },
    )


def test_marac_criteria_met_not_referred_on_high_assessment() -> None:
    case = Case()
    assessed(case, 14)
    assert case.subjects("2014-05-15 20:59", "MARAC_CRITERIA_MET_NOT_REFERRED") == set()
    assert case.subjects("2014-05-15 21:01", "MARAC_CRITERIA_MET_NOT_REFERRED") == {"cara", "amy"}
    finding = case.one("2014-06-01 12:00", "MARAC_CRITERIA_MET_NOT_REFERRED", "cara")
    assert finding.explanation == (
        "MARAC criteria met with no MARAC naming the victim within 14 days (threshold 14): "
        "Cara Ward assessed medium risk on 1 May 2014 (threshold 14 yes answers or high, "
        "14 yes answers)."
    )


def test_marac_criteria_not_met_or_referred() -> None:
    case = Case()
    assessed(case, 13)
    assert case.subjects("2014-06-01 12:00", "MARAC_CRITERIA_MET_NOT_REFERRED") == set()
    referred = Case()
    assessed(referred, 3, level="high")
    referred.add(
        "marac",
        "MARAC-1",
        "2014-05-10 10:00",
        [("cara", "victim")],
        referred_at=iso("2014-05-08 10:00"),
    )
    assert referred.subjects("2014-06-01 12:00", "MARAC_CRITERIA_MET_NOT_REFERRED") == set()


def test_an_action_done_by_amendment_is_done_though_the_original_entry_stays() -> None:
    """v1.1 reading (docs/rules.md): an amendment recording another system's action done
    appends a copy with done_at (entries are appended unless equal); the action is done from
    that done_at, matched by description, owner and due_at."""
    action = {"description": "Visit school", "owner": "DC Hale", "due_at": iso("2014-05-08 17:00")}
    case = Case()
    case.add(
        "strategy_discussion", "SD-1", "2014-05-01 10:00", [("amy", "subject")], actions=[action]
    )
    case.add(
        "strategy_discussion",
        "VGL-1",
        "2014-05-12 09:00",
        [],
        system="vigil",
        links=[{"source_system": "sys", "source_id": "SD-1", "relation": "amends"}],
        actions=[{**action, "done_at": iso("2014-05-12 09:00")}],
    )
    before = case.one("2014-05-10 12:00", "ACTIONS_OVERDUE", ("sys", "SD-1"))
    assert "1 action past due" in before.explanation
    assert case.subjects("2014-05-12 09:00", "ACTIONS_OVERDUE") == set()
    # A copy that differs in owner or due date is another action: still overdue.
    other = Case()
    other.add(
        "strategy_discussion", "SD-1", "2014-05-01 10:00", [("amy", "subject")], actions=[action]
    )
    other.add(
        "strategy_discussion",
        "VGL-1",
        "2014-05-12 09:00",
        [],
        system="vigil",
        links=[{"source_system": "sys", "source_id": "SD-1", "relation": "amends"}],
        actions=[{**action, "owner": "DC Walsh", "done_at": iso("2014-05-12 09:00")}],
    )
    late = other.one("2014-06-01 12:00", "ACTIONS_OVERDUE", ("sys", "SD-1"))
    assert "'Visit school' (owner DC Hale)" in late.explanation
    assert "DC Walsh" not in late.explanation
