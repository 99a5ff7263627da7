"""Cumulative and hidden risk rules: each fires at its threshold, not below, and says why."""

from __future__ import annotations

from tests.rules.builders import HOME, Case, iso

CUMULATIVE = "CUMULATIVE_DOMESTIC_ABUSE"


def household_da(case: Case, dates: list[str], *, link_last: bool = False) -> None:
    """DA incidents at the Ward home: the mother victim, father suspect, Amy present."""
    kinds = ["call", "concern", "crime"]
    for index, date in enumerate(dates):
        kind = kinds[index % 3]
        fields = {
            "call": {"category": "domestic"},
            "concern": {"concern_type": "domestic_abuse_noncrime"},
            "crime": {"offence_group": "domestic_abuse", "offence": "Assault"},
        }[kind]
        case.add(
            kind,
            f"DA-{index}",
            date,
            [("cara", "victim"), ("dan", "suspect"), ("amy", "child_present", {"spoken_to": True})],
            location=HOME,
            **fields,
        )
    if link_last:
        case.add(
            "concern",
            "DA-LINKED",
            dates[-1],
            [("cara", "victim")],
            location=HOME,
            concern_type="domestic_abuse_noncrime",
            links=[
                {
                    "source_system": "sys",
                    "source_id": f"DA-{len(dates) - 1}",
                    "relation": "follows_from",
                }
            ],
        )


def test_cumulative_fires_at_three_incidents_in_365_days() -> None:
    case = Case()
    household_da(case, ["2013-07-01 20:00", "2013-12-01 20:00", "2014-05-01 20:00"])
    finding = case.one("2014-06-01 12:00", CUMULATIVE, "amy")
    assert finding.severity == "high"
    assert finding.explanation == (
        "Exposed to 3 domestic abuse incidents in 365 days (threshold 3): 1 July 2013 call, "
        "1 December 2013 non-crime report, 1 May 2014 assault."
    )
    assert [k.source_id for k in finding.evidence] == ["DA-0", "DA-1", "DA-2"]
    assert finding.raised_at == case.records[2].occurred_at
    assert finding.thresholds == {"incidents": 3, "window_days": 365}
    # Adults are not children: no finding for the parents.
    assert case.subjects("2014-06-01 12:00", CUMULATIVE) == {"amy"}


def test_cumulative_does_not_fire_outside_the_window_or_below_threshold() -> None:
    case = Case()
    household_da(case, ["2013-05-01 20:00", "2013-12-01 20:00", "2014-05-01 20:00"])
    assert case.subjects("2014-06-01 12:00", CUMULATIVE) == set()  # first is 396 days before
    two = Case()
    household_da(two, ["2013-12-01 20:00", "2014-05-01 20:00"])
    assert two.subjects("2014-06-01 12:00", CUMULATIVE) == set()


def test_linked_records_are_one_incident() -> None:
    case = Case()
    household_da(case, ["2013-12-01 20:00", "2014-05-01 20:00"], link_last=True)
    assert case.subjects("2014-06-01 12:00", CUMULATIVE) == set()


def test_child_living_at_the_address_is_exposed_without_being_named() -> None:
    case = Case()
    household_da(case, ["2013-07-01 20:00", "2013-12-01 20:00", "2014-05-01 20:00"])
    case.add("concern", "SCHOOL-1", "2013-01-01 09:00", [("ben", "subject")], concern_type="other")
    assert "ben" in case.subjects("2014-06-01 12:00", CUMULATIVE)


def test_as_of_ignores_later_records() -> None:
    case = Case()
    household_da(case, ["2013-07-01 20:00", "2013-12-01 20:00", "2014-05-01 20:00"])
    assert case.subjects("2014-04-30 12:00", CUMULATIVE) == set()


def test_da_risk_underestimated_fires_on_standard_assessment_with_cumulative_risk() -> None:
    case = Case()
    household_da(case, ["2013-07-01 20:00", "2013-12-01 20:00", "2014-05-01 20:00"])
    case.add(
        "concern",
        "ASSESS",
        "2014-05-01 21:00",
        [("cara", "victim")],
        location=HOME,
        concern_type="domestic_abuse_noncrime",
        risk_assessment={
            "tool": "DASH",
            "level": "standard",
            "yes_count": 5,
            "assessed_at": iso("2014-05-01 22:00"),
        },
        links=[{"source_system": "sys", "source_id": "DA-2", "relation": "part_of"}],
    )
    finding = case.one("2014-06-01 12:00", "DA_RISK_UNDERESTIMATED", "amy")
    assert finding.explanation.startswith(
        "The latest domestic abuse risk assessment of the child's household is standard "
        "(DASH assessment on 1 May 2014, 5 yes answers"
    )
    assert "exposed to 3 domestic abuse incidents in 365 days (threshold 3)" in finding.explanation
    assert ("sys", "ASSESS") in finding.evidence


def test_da_risk_underestimated_fires_with_a_recent_cp_plan_and_not_when_high() -> None:
    case = Case()
    household_da(case, ["2014-05-01 20:00"])
    case.add(
        "concern",
        "ASSESS",
        "2014-05-02 10:00",
        [("cara", "victim")],
        location=HOME,
        concern_type="domestic_abuse_noncrime",
        risk_assessment={"tool": "DARA", "level": "medium", "assessed_at": iso("2014-05-02 10:00")},
    )
    assert case.subjects("2014-06-01 12:00", "DA_RISK_UNDERESTIMATED") == set()  # neither reason
    case.add(
        "cp_plan",
        "PLAN",
        "2012-09-01 10:00",
        [("amy", "subject")],
        started_at="2012-09-01 10:00",
        ended_at="2013-03-01 10:00",
    )
    finding = case.one("2014-06-01 12:00", "DA_RISK_UNDERESTIMATED", "amy")
    assert "child protection plan from 1 September 2012 to 1 March 2013" in finding.explanation
    # A plan that ended more than 2 years before does not count.
    assert case.subjects("2015-03-05 12:00", "DA_RISK_UNDERESTIMATED") == set()
    high = Case()
    household_da(high, ["2013-07-01 20:00", "2013-12-01 20:00", "2014-05-01 20:00"])
    high.add(
        "concern",
        "ASSESS",
        "2014-05-02 10:00",
        [("cara", "victim")],
        location=HOME,
        concern_type="domestic_abuse_noncrime",
        risk_assessment={"level": "high"},
    )
    assert high.subjects("2014-06-01 12:00", "DA_RISK_UNDERESTIMATED") == set()


def missing(case: Case, source_id: str, at: str, **fields: object) -> None:
    case.add(
        "missing",
        source_id,
        at,
        [("amy", "missing_person"), ("eve", "reporting_person")],
        classification=fields.pop("classification", "missing"),
        **fields,
    )


def test_repeat_missing_counts_absences() -> None:
    case = Case()
    missing(case, "M1", "2014-03-10 20:00", classification="absent")
    missing(case, "M2", "2014-04-10 20:00")
    missing(case, "M3", "2014-05-10 20:00", classification="absent")
    finding = case.one("2014-06-01 12:00", "REPEAT_MISSING", "amy")
    assert finding.explanation == (
        "Missing or absent 3 times in 90 days (threshold 3): 10 March 2014 absence, "
        "10 April 2014 missing episode, 10 May 2014 absence."
    )
    assert case.subjects("2014-06-01 12:00", "REPEAT_MISSING") == {"amy"}  # not the reporter


def test_repeat_missing_not_below_threshold() -> None:
    case = Case()
    missing(case, "M1", "2014-02-10 20:00")  # 111 days before
    missing(case, "M2", "2014-04-10 20:00")
    missing(case, "M3", "2014-05-10 20:00")
    assert case.subjects("2014-06-01 12:00", "REPEAT_MISSING") == set()


def test_missing_exploitation_risk_by_flag_matter_or_association() -> None:
    flagged = Case()
    missing(flagged, "M1", "2014-05-10 20:00")
    flagged.add(
        "concern",
        "C1",
        "2013-01-01 10:00",
        [("amy", "subject", {"flags": ["cse_risk"]})],
        concern_type="exploitation",
    )
    finding = flagged.one("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK", "amy")
    assert finding.explanation == (
        "Missing or absent in the last 90 days (10 May 2014 missing episode) with signs of "
        "exploitation: flagged at risk of sexual exploitation on 1 January 2013."
    )
    assert finding.severity == "critical"
    associated = Case()
    missing(
        associated,
        "M1",
        "2014-05-10 20:00",
        objects=[{"object_type": "vehicle", "identifier": "AB12 CDE"}],
    )
    associated.add(
        "crime",
        "SX",
        "2013-06-01 10:00",
        [("finn", "victim"), ("eve", "suspect")],
        offence_group="sexual",
        offence="Rape",
    )
    associated.add(
        "call",
        "CALL",
        "2014-05-20 10:00",
        [("eve", "subject")],
        objects=[{"object_type": "vehicle", "identifier": "ab12cde"}],
    )
    finding = associated.one("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK", "amy")
    assert "associated since 20 May 2014 with Eve Hill, suspect in a rape" in finding.explanation
    assert {("sys", "SX"), ("sys", "CALL"), ("sys", "M1")} <= set(finding.evidence)


def test_missing_exploitation_risk_needs_recent_episode_and_a_signal() -> None:
    old = Case()
    missing(old, "M1", "2014-01-10 20:00", exploitation_indicators=["hotel"])
    assert old.subjects("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK") == set()
    plain = Case()
    missing(plain, "M1", "2014-05-10 20:00")
    assert plain.subjects("2014-06-01 12:00", "MISSING_EXPLOITATION_RISK") == set()


def network(case: Case, children: list[str]) -> None:
    for index, child in enumerate(children):
        case.add(
            "intelligence",
            f"INT-{index}",
            f"2014-0{index + 2}-01 10:00",
            [(child, "subject"), ("eve", "associate")],
            topics=["cse"],
        )


def test_exploitation_network_fires_for_the_adult_and_each_child() -> None:
    case = Case()
    network(case, ["amy", "finn"])
    assert case.subjects("2014-06-01 12:00", "EXPLOITATION_NETWORK") == {"amy", "finn", "eve"}
    adult = case.one("2014-06-01 12:00", "EXPLOITATION_NETWORK", "eve")
    assert adult.explanation.startswith(
        "Associated in the last 365 days with 2 children named in sexual or exploitation "
        "matters (threshold 2): Amy Ward (subject in an intelligence report on 1 February 2014)"
    )
    child = case.one("2014-06-01 12:00", "EXPLOITATION_NETWORK", "amy")
    assert child.explanation == (
        "Part of a possible exploitation network: associated in the last 365 days with Eve Hill "
        "(2 children), each an adult associated with 2 or more children named in sexual or "
        "exploitation matters (threshold 2)."
    )
    assert set(child.evidence) == {("sys", "INT-0"), ("sys", "INT-1")}


def test_exploitation_network_needs_two_children_in_the_window() -> None:
    case = Case()
    network(case, ["amy"])
    assert case.subjects("2014-06-01 12:00", "EXPLOITATION_NETWORK") == set()
    two = Case()
    network(two, ["amy", "finn"])
    assert two.subjects("2015-02-15 12:00", "EXPLOITATION_NETWORK") == set()  # first aged out


def test_exploitation_network_one_finding_for_a_child_of_one_network_and_adult_of_another() -> None:
    # Finn, 17 when named with Eve, is one of her two children; at 18 he is the adult
    # associated with two more. One alert about him, saying both.
    case = Case()
    finn = {"date_of_birth": "1996-04-01"}
    case.add(
        "intelligence",
        "INT-0",
        "2014-02-01 10:00",
        [("amy", "subject"), ("eve", "associate")],
        topics=["cse"],
    )
    case.add(
        "intelligence",
        "INT-1",
        "2014-03-01 10:00",
        [("finn", "subject", finn), ("eve", "associate")],
        topics=["cse"],
    )
    for index, child in enumerate(("kim", "lee")):
        case.add(
            "intelligence",
            f"INT-{index + 2}",
            f"2014-05-0{index + 1} 10:00",
            [
                (child, "subject", {"forename": child.title(), "date_of_birth": "2001-06-01"}),
                ("finn", "associate", finn),
            ],
            topics=["cse"],
        )
    found = case.findings("2014-06-01 12:00", "EXPLOITATION_NETWORK")
    assert sorted(str(f.subject) for f in found) == ["amy", "eve", "finn", "kim", "lee"]
    finding = case.one("2014-06-01 12:00", "EXPLOITATION_NETWORK", "finn")
    assert finding.explanation.startswith("Associated in the last 365 days with 2 children")
    assert (
        "Part of a possible exploitation network: associated in the last 365 days with Eve Hill"
        in finding.explanation
    )
    assert {k.source_id for k in finding.evidence} == {"INT-0", "INT-1", "INT-2", "INT-3"}


def test_rso_child_contact_one_finding_for_a_young_offender_in_contact_with_another() -> None:
    case = Case()
    young = {"date_of_birth": "1997-01-01"}  # 17: a registered offender and still a child
    case.add("rso", "RSO-1", "2013-06-01 10:00", [("finn", "offender", young)], management="active")
    case.add("rso", "RSO-2", "2013-01-01 10:00", [("eve", "offender")], management="active")
    case.add("call", "CALL-1", "2014-04-01 10:00", [("finn", "suspect", young), ("amy", "victim")])
    case.add("call", "CALL-2", "2014-05-01 10:00", [("eve", "suspect"), ("finn", "victim", young)])
    found = case.findings("2014-06-01 12:00", "RSO_CHILD_CONTACT")
    assert sorted(str(f.subject) for f in found) == ["amy", "eve", "finn"]
    finding = case.one("2014-06-01 12:00", "RSO_CHILD_CONTACT", "finn")
    assert finding.explanation.startswith("Registered sex offender in contact with 1 child")
    assert "Named with or associated with a registered sex offender" in finding.explanation
    assert {k.source_id for k in finding.evidence} == {"RSO-1", "RSO-2", "CALL-1", "CALL-2"}


def test_rso_child_contact_fires_for_offender_and_child() -> None:
    case = Case()
    case.add("rso", "RSO-1", "2013-01-01 10:00", [("eve", "offender")], management="active")
    case.add("call", "CALL-1", "2014-04-01 10:00", [("eve", "suspect"), ("amy", "victim")])
    assert case.subjects("2014-06-01 12:00", "RSO_CHILD_CONTACT") == {"eve", "amy"}
    finding = case.one("2014-06-01 12:00", "RSO_CHILD_CONTACT", "eve")
    assert finding.explanation == (
        "Registered sex offender in contact with 1 child in the last 365 days: "
        "Amy Ward (1 April 2014)."
    )
    assert set(finding.evidence) == {("sys", "RSO-1"), ("sys", "CALL-1")}


def test_rso_child_contact_not_outside_window_or_with_adults() -> None:
    case = Case()
    case.add("rso", "RSO-1", "2012-01-01 10:00", [("eve", "offender")])
    case.add("call", "CALL-1", "2013-04-01 10:00", [("eve", "suspect"), ("amy", "victim")])
    case.add("call", "CALL-2", "2014-04-01 10:00", [("eve", "suspect"), ("cara", "victim")])
    assert case.subjects("2014-06-01 12:00", "RSO_CHILD_CONTACT") == set()


def test_transition_to_adulthood() -> None:
    case = Case()
    young = {"date_of_birth": "1996-03-01"}
    case.add(
        "crime",
        "CSE-1",
        "2013-05-01 10:00",
        [("amy", "victim", young), ("eve", "suspect")],
        offence_group="exploitation",
        offence="Child sexual exploitation",
    )
    finding = case.one("2014-06-01 12:00", "TRANSITION_TO_ADULTHOOD", "amy")
    assert finding.explanation == (
        "Turned 18 on 1 March 2014 (within the last 180 days) and in the 2 years before was "
        "victim in a child sexual exploitation on 1 May 2013: support must not stop at 18."
    )
    assert case.subjects("2014-09-01 12:00", "TRANSITION_TO_ADULTHOOD") == set()  # 184 days


def test_transition_not_without_a_matter_before_18() -> None:
    case = Case()
    young = {"date_of_birth": "1996-03-01"}
    case.add(
        "crime", "CSE-1", "2014-03-05 10:00", [("amy", "victim", young)], offence_group="sexual"
    )
    case.add("crime", "OLD", "2011-03-05 10:00", [("amy", "victim", young)], offence_group="sexual")
    assert case.subjects("2014-06-01 12:00", "TRANSITION_TO_ADULTHOOD") == set()


def test_child_suspect_exploited() -> None:
    case = Case()
    case.add(
        "crime",
        "DRUGS",
        "2014-05-01 10:00",
        [("amy", "suspect")],
        offence_group="drugs",
        offence="Possession with intent to supply",
    )
    case.add(
        "intelligence", "INT", "2014-01-01 10:00", [("amy", "subject")], topics=["county_lines"]
    )
    finding = case.one("2014-06-01 12:00", "CHILD_SUSPECT_EXPLOITED", "amy")
    assert finding.explanation == (
        "Treated as a suspect in the last 90 days (suspect in a possession with intent to supply "
        "on 1 May 2014) while showing signs of exploitation: named (subject) in an intelligence "
        "report on 1 January 2014."
    )


def test_child_suspect_exploited_not_without_signal_or_when_old() -> None:
    case = Case()
    case.add("crime", "DRUGS", "2014-05-01 10:00", [("amy", "suspect")], offence_group="drugs")
    assert case.subjects("2014-06-01 12:00", "CHILD_SUSPECT_EXPLOITED") == set()
    case.add("intelligence", "INT", "2014-01-01 10:00", [("amy", "subject")], topics=["cce"])
    assert case.subjects("2014-08-01 12:00", "CHILD_SUSPECT_EXPLOITED") == set()  # 92 days
