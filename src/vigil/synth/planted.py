"""Planted situations: records built so that, evaluated at as_of, a named alert must fire.

Each builder makes fresh households from the same generator as everyone else (so the people look
like the rest of the force), writes only the records its situation needs, and writes the
expectation to truth/alerts.ndjson. Planted people take no part in background events and their
mentions are clean, so nothing but the situation itself decides the outcome. Every time sits well
inside its window (days, not minutes, from any threshold in ALERTS.md), so small differences of
interpretation (inclusive bounds, time zones, working days) cannot flip an expectation.

Casework situations (``config.CASEWORK_SITUATIONS``) are completed by records written in Vigil
(RECORDS.md v1.1): an **amendment** (``source_system`` ``vigil``, the target's ``record_type``, one
link ``amends``, no people, ``occurred_at`` when the duty was done, before as_of) or a new version
of a record Vigil holds of its own. Their outcome depends on that record: an alert that fires
only because the duty was done late (the explanation says how late: ``says``), or one that must
not fire because the duty was done in time (truth/alerts_must_not.ndjson).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from .clock import DAY, HOUR, MINUTE, Clock
from .config import ALERT_CODES, CASEWORK_SITUATIONS
from .names import pnc_id, vehicle_registration
from .output import VIGIL, Cast, Emitter, Ref, Sink
from .population import Household, Person, Population

CUSTODY_SUITE = {
    "address": "Perry Barr custody suite, Birmingham",
    "postcode": "B42 1ZZ",
    "premises_type": "police_station",
}


class Planter:
    def __init__(
        self, emit: Emitter, pop: Population, clock: Clock, rng: random.Random, sink: Sink
    ) -> None:
        self.e = emit
        self.pop = pop
        self.clock = clock
        self.rng = rng
        self.sink = sink
        self.iso = clock.iso
        self.situations: Counter[str] = Counter()  # situations built (each makes 1+ expectations)
        self.casework: Counter[str] = Counter()  # casework situations built

    def plant(self, code: str) -> None:
        """Build one situation of ``code`` (an alert code or a casework situation): each has a
        builder named after it."""
        if code in CASEWORK_SITUATIONS:
            builder: Callable[[], None] = getattr(self, f"casework_{code}")
            builder()
            self.casework[code] += 1
            return
        if code not in ALERT_CODES:
            raise ValueError(f"unknown alert code {code!r}")
        builder = getattr(self, code.lower())
        builder()
        self.situations[code] += 1

    # --- helpers -------------------------------------------------------------------------------
    def at(self, days_before: int, hour: int, minute: int = 0) -> int:
        """A London wall-clock time ``days_before`` days before the as_of date."""
        return self.clock.days_before(days_before, hour, minute)

    def dob_for(self, age_years: float) -> dt.date:
        """A date of birth giving this age (in years, fractional) on the as_of date."""
        return self.clock.as_of_date - dt.timedelta(days=int(age_years * 365.25))

    def family(self, child_ages: tuple[float, ...], lone: bool = False) -> Household:
        """A family whose children have these ages at as_of; everyone in it is planted."""
        pop = self.pop
        pop.households += 1
        hh = Household(pop.street_address())
        surname = pop._surname()
        mother = pop.person(hh, surname, "F", self.dob_for(28 + self.rng.random() * 14))
        hh.adults.append(mother)
        if not lone:
            father = pop.person(hh, surname, "M", self.dob_for(30 + self.rng.random() * 14))
            if self.rng.random() < 0.5:
                father.pnc = pnc_id(pop.uid(), min(father.dob.year + 20, self.clock.start.year))
            hh.adults.append(father)
        for age in child_ages:
            g = "F" if self.rng.random() < 0.5 else "M"
            hh.children.append(pop.person(hh, surname, g, self.dob_for(age), child=True))
        for p in hh.people:
            p.planted = True
        return hh

    def child(self, age: float, in_care: bool = False) -> Person:
        if in_care:
            home = self.pop.care_homes[int(self.rng.random() * len(self.pop.care_homes))]
            self.pop.households += 1
            hh = Household(home)
            hh.in_care = True
            c = self.pop.person(
                hh, self.pop._surname(), self.rng.choice("FM"), self.dob_for(age), child=True
            )
            c.flags = ("looked_after",)
            c.planted = True
            hh.children.append(c)
            return c
        return self.family((age,), lone=self.rng.random() < 0.4).children[0]

    def adult_male(self, age: float, rso: bool = False) -> Person:
        pop = self.pop
        pop.households += 1
        hh = Household(pop.street_address())
        p = pop.person(hh, pop._surname(), "M", self.dob_for(age))
        p.pnc = pnc_id(pop.uid(), min(p.dob.year + 18, self.clock.start.year))
        p.flags = ("rso",) if rso else ()
        p.planted = True
        hh.adults.append(p)
        return p

    def expect_mention(self, code: str, ref: Ref, index: int, why: str) -> None:
        self.sink.expect(code, why, mention=ref.mention(index))

    def expect_record(self, code: str, ref: Ref, why: str) -> None:
        self.sink.expect(code, why, record=ref.record())

    def amend(self, target: Ref, record_type: str, done: int, **fields: Any) -> Ref:
        """An amendment written in Vigil completing ``target``: ``done`` is when the duty was
        done (its occurred_at); it is keyed in minutes later (recorded_at, never after as_of)."""
        return self.e.emit(
            record_type,
            done,
            [],
            source_system=VIGIL,
            links=[target],
            relation="amends",
            **fields,
        )

    def kids(self, hh: Household, **extra: Any) -> list[Cast]:
        return [(c, "child_present", dict(extra)) for c in hh.children]

    def seen(self) -> dict[str, Any]:
        return {"spoken_to": True, "demeanour": "quiet but engaged"}

    def da_call(self, hh: Household, ts: int, kids_extra: dict[str, Any] | None = None) -> Ref:
        mother, father = hh.adults[0], hh.adults[-1]
        cast: list[Cast] = [(mother, "victim"), (father, "suspect")]
        cast += self.kids(hh, **(kids_extra if kids_extra is not None else self.seen()))
        return self.e.emit(
            "call",
            ts,
            cast,
            clean=True,
            location=hh.address_at(ts),
            category="domestic",
            summary="Neighbour reports shouting and banging; children at home.",
            grade_history=[
                {"at": self.iso(ts), "grade": "priority", "reason": None, "welfare_check": None}
            ],
            attended_at=self.iso(ts + 35 * MINUTE),
            closed_at=self.iso(ts + 3 * HOUR),
        )

    def da_concern(
        self, hh: Household, ts: int, level: str, yes: int, links: list[Ref] | None = None
    ) -> Ref:
        mother, father = hh.adults[0], hh.adults[-1]
        cast: list[Cast] = [(mother, "victim"), (father, "suspect"), *self.kids(hh, **self.seen())]
        return self.e.emit(
            "concern",
            ts,
            cast,
            clean=True,
            location=hh.address_at(ts),
            links=links,
            concern_type="domestic_abuse_noncrime",
            risk_assessment={
                "tool": "DASH",
                "level": level,
                "yes_count": yes,
                "assessed_at": self.iso(ts + HOUR),
            },
            referred_to=[{"agency": "school", "at": self.iso(ts + 12 * HOUR)}],
            summary="Public protection notice: verbal argument, children present.",
        )

    def child_victim_crime(
        self,
        hh: Household,
        ts: int,
        group: str = "violence",
        offence: str = "Assault occasioning actual bodily harm",
    ) -> Ref:
        child = hh.children[0]
        suspect = self.adult_male(30 + self.rng.random() * 15)
        return self.e.emit(
            "crime",
            ts,
            [(child, "victim"), (suspect, "suspect"), (hh.adults[0], "parent_carer")],
            clean=True,
            location=self.pop.street_address("public_place").location(),
            offence=offence,
            offence_group=group,
            flags=[],
            status="open",
            summary=f"{offence}; victim is a child.",
        )

    def investigation(
        self,
        code: str | None,
        why: str,
        *,
        opened_days: int,
        allocations: list[dict[str, Any]] | None = None,
        activity_days: tuple[int, ...] = (3,),
        review_days: tuple[int, ...] = (5,),
        devices: list[dict[str, Any]] | None = None,
        charging: list[dict[str, Any]] | None = None,
        group: str = "violence",
        flags: tuple[str, ...] = (),
    ) -> Ref:
        hh = self.family((11 + self.rng.random() * 4,))
        crime = self.child_victim_crime(
            hh,
            self.at(opened_days + 1, 15),
            group=group,
            offence="Sexual assault on a child under 13"
            if group == "sexual"
            else "Assault occasioning actual bodily harm",
        )
        opened = self.at(opened_days, 10)
        if allocations is None:
            allocations = [
                {
                    "at": self.iso(opened + 2 * HOUR),
                    "officer_id": "DC4410",
                    "team": "Child Abuse Investigation Unit",
                    "specialist": True,
                }
            ]
        ref = self.e.emit(
            "investigation",
            opened,
            [(hh.children[0], "victim")],
            clean=True,
            links=[crime],
            opened_at=self.iso(opened),
            allocations=allocations,
            activity=[
                {"at": self.iso(self.at(d, 11)), "type": "enquiry", "note": "Enquiries made."}
                for d in activity_days
            ],
            supervisory_reviews=[
                {"at": self.iso(self.at(d, 16)), "by": "DS Hall"} for d in review_days
            ],
            devices=devices or [],
            charging=charging or [],
            offence_group=group,
            flags=list(flags),
        )
        if code is not None:
            self.expect_record(code, ref, why)
        return ref

    # --- cumulative and hidden risk ------------------------------------------------------------
    def cumulative_domestic_abuse(self) -> None:
        hh = self.family((9 + self.rng.random() * 4, 3 + self.rng.random() * 4))
        self.da_call(hh, self.at(300, 22, 10))
        self.da_concern(hh, self.at(170, 20), "standard", 5)
        call = self.da_call(hh, self.at(45, 23))
        mother, father = hh.adults[0], hh.adults[-1]
        self.e.emit(
            "crime",
            self.at(45, 23, 50),
            [(mother, "victim"), (father, "suspect")],
            clean=True,
            location=hh.address_at(self.at(45, 23)),
            links=[call],
            offence="Assault by beating",
            offence_group="domestic_abuse",
            flags=["domestic_abuse"],
            status="open",
            summary="Domestic assault; children present.",
        )
        for i in (2, 3):
            self.expect_mention(
                "CUMULATIVE_DOMESTIC_ABUSE", call, i, "child exposed to 3 DA incidents in 300 days"
            )

    def da_risk_underestimated(self) -> None:
        hh = self.family((6 + self.rng.random() * 8,))
        child = hh.children[0]
        if self.rng.random() < 0.5:
            self.e.emit(
                "cp_plan",
                self.at(250, 11),
                [(child, "subject")],
                clean=True,
                started_at=self.iso(self.at(250, 11)),
                ended_at=self.iso(self.at(60, 11)),
                category="emotional",
            )
            why = "latest DASH medium; child on a CP plan within 2 years"
        else:
            self.da_call(hh, self.at(200, 21))
            self.da_call(hh, self.at(110, 22))
            why = "latest DASH medium; child exposed to 3 DA incidents"
        ref = self.da_concern(hh, self.at(30, 21), "medium", 9)
        self.expect_mention("DA_RISK_UNDERESTIMATED", ref, 2, why)

    def repeat_missing(self) -> None:
        child = self.child(13 + self.rng.random() * 3, in_care=True)
        ref = None
        for d in (75, 48, 20):
            ref = self.missing_episode(child, d, risk="low")
        assert ref is not None
        self.expect_mention("REPEAT_MISSING", ref, 0, "3 episodes in 55 days")

    def missing_episode(
        self,
        child: Person,
        days: int,
        risk: str = "medium",
        indicators: list[str] | None = None,
        flags: list[str] | None = None,
        safe_and_well: bool = True,
        interview: bool = True,
    ) -> Ref:
        ts = self.at(days, 20)
        home = child.household.address_at(ts)
        staff = self.pop.staff.get(home.line)
        cast: list[Cast] = [(child, "missing_person", {"flags": flags} if flags else {})]
        if staff:
            cast.append((staff[0], "reporting_person"))
        elif child.household.adults:
            cast.append((child.household.adults[0], "reporting_person"))
        found = ts + 7 * HOUR
        fields: dict[str, Any] = {
            "classification": "missing",
            "risk_level": risk,
            "reported_at": self.iso(ts),
            "found_at": self.iso(found),
            "from_care": child.household.in_care,
            "exploitation_indicators": indicators or [],
            "return_interview_offered_at": self.iso(found + 10 * HOUR),
        }
        if safe_and_well:
            fields["safe_and_well_at"] = self.iso(found + 3 * HOUR)
        if interview:
            fields["return_interview_completed_at"] = self.iso(found + 40 * HOUR)
        if indicators and "hotel" in indicators:
            fields["found_location"] = {
                "address": "Station Hotel, Birmingham",
                "premises_type": "hotel",
            }
        return self.e.emit(
            "missing",
            ts,
            cast,
            clean=True,
            location=home,
            summary="Failed to return at the agreed time.",
            **fields,
        )

    def missing_exploitation_risk(self) -> None:
        child = self.child(13 + self.rng.random() * 3, in_care=self.rng.random() < 0.5)
        if self.rng.random() < 0.5:
            ref = self.missing_episode(child, 25, indicators=["older_associates", "hotel"])
            why = "missing 25 days ago, found in a hotel with older associates"
        else:
            ref = self.missing_episode(child, 25, flags=["cse_risk"])
            why = "missing 25 days ago; flagged at risk of CSE"
        self.expect_mention("MISSING_EXPLOITATION_RISK", ref, 0, why)

    def exploitation_network(self) -> None:
        adult = self.adult_male(22 + self.rng.random() * 10)
        a = self.child(14 + self.rng.random() * 2)
        b = self.child(14 + self.rng.random() * 2)
        ts = self.at(40, 14)
        ref = self.e.emit(
            "intelligence",
            ts,
            [(adult, "subject"), (a, "associate"), (b, "associate")],
            clean=True,
            grading="B2 1",
            topics=["cce", "county_lines"],
            follow_up_at=self.iso(ts + 3 * DAY),
            objects=[
                {
                    "object_type": "vehicle",
                    "identifier": vehicle_registration(self.pop.object_serial()),
                    "description": "black Mercedes seen collecting the children",
                }
            ],
            summary="Adult seen using two children to run drugs between addresses.",
        )
        for i in range(3):
            self.expect_mention(
                "EXPLOITATION_NETWORK",
                ref,
                i,
                "adult with two children in a county lines intelligence report",
            )

    def rso_child_contact(self) -> None:
        offender = self.adult_male(40 + self.rng.random() * 15, rso=True)
        self.rso_record(offender, 120, arms=130, visits=(125,), flagged=True)
        hh = self.family((8 + self.rng.random() * 6,), lone=True)
        ts = self.at(40, 18)
        ref = self.e.emit(
            "call",
            ts,
            [(hh.adults[0], "reporting_person"), (hh.children[0], "victim"), (offender, "suspect")],
            clean=True,
            pnc=True,
            location=hh.address_at(ts),
            category="child_concern",
            grade_history=[
                {"at": self.iso(ts), "grade": "priority", "reason": None, "welfare_check": None}
            ],
            attended_at=self.iso(ts + HOUR),
            closed_at=self.iso(ts + 4 * HOUR),
            summary="Mother reports a man from the next street giving her child gifts.",
        )
        self.expect_mention("RSO_CHILD_CONTACT", ref, 1, "RSO named with a child 40 days ago")
        self.expect_mention("RSO_CHILD_CONTACT", ref, 2, "RSO named with a child 40 days ago")

    def transition_to_adulthood(self) -> None:
        birthday18 = self.clock.as_of_date - dt.timedelta(days=90 + self.rng.randrange(40))
        dob = (
            birthday18.replace(year=birthday18.year - 18)
            if not (birthday18.month == 2 and birthday18.day == 29)
            else dt.date(birthday18.year - 18, 3, 1)
        )
        hh = self.family((17,), lone=True)
        young = hh.children[0]
        young.dob = dob
        young.dob_iso = dob.isoformat()
        ts = self.at(230, 22)
        suspect = self.adult_male(25 + self.rng.random() * 10)
        ref = self.e.emit(
            "crime",
            ts,
            [(young, "victim"), (suspect, "suspect")],
            clean=True,
            location={"address": "Station Hotel, Birmingham", "premises_type": "hotel"},
            offence="Sexual activity with a child",
            offence_group="sexual",
            flags=["child_sexual_exploitation"],
            status="open",
            summary="Victim aged 17 exploited by an older male.",
        )
        self.expect_mention(
            "TRANSITION_TO_ADULTHOOD", ref, 0, "turned 18 about 100 days ago; CSE victim at 17"
        )

    def child_suspect_exploited(self) -> None:
        child = self.child(14.5 + self.rng.random() * 2)
        ts = self.at(30, 16)
        ref = self.e.emit(
            "crime",
            ts,
            [(child, "suspect", {"flags": ["cce_risk"]})],
            clean=True,
            location={"address": "Bus station, Walsall", "premises_type": "public_place"},
            offence="Possession with intent to supply class A",
            offence_group="drugs",
            flags=[],
            status="open",
            summary="Child found with wraps of crack cocaine far from home.",
        )
        self.expect_mention("CHILD_SUSPECT_EXPLOITED", ref, 0, "child suspect flagged CCE risk")

    # --- recording what matters about the child --------------------------------------------------
    def child_not_seen_or_heard(self) -> None:
        hh = self.family((2 + self.rng.random() * 10,))
        ts = self.at(35, 17)
        cast: list[Cast] = [
            (hh.children[0], "child_present", {"spoken_to": False, "demeanour": None})
        ]
        cast += [(a, "parent_carer") for a in hh.adults]
        ref = self.e.emit(
            "concern",
            ts,
            cast,
            clean=True,
            location=hh.address_at(ts),
            concern_type="child_at_risk",
            summary="Home conditions poor; child not spoken to.",
            referred_to=[{"agency": "childrens_social_care", "at": self.iso(ts + DAY)}],
        )
        self.expect_mention("CHILD_NOT_SEEN_OR_HEARD", ref, 0, "child present, not spoken to")

    def child_call(self, ts: int, grades: list[dict[str, Any]], attended: int) -> Ref:
        hh = self.family((4 + self.rng.random() * 10,), lone=True)
        return self.e.emit(
            "call",
            ts,
            [(hh.adults[0], "reporting_person"), (hh.children[0], "child_present", self.seen())],
            clean=True,
            location=hh.address_at(ts),
            category="child_concern",
            grade_history=grades,
            attended_at=self.iso(attended),
            closed_at=self.iso(attended + 2 * HOUR),
            summary="Caller worried about a child left with an intoxicated adult.",
        )

    def call_downgraded_unchecked(self) -> None:
        ts = self.at(15, 19)
        welfare = None if self.rng.random() < 0.5 else False
        grades: list[dict[str, Any]] = [
            {"at": self.iso(ts), "grade": "priority", "reason": None, "welfare_check": None},
            {
                "at": self.iso(ts + 25 * MINUTE),
                "grade": "scheduled",
                "reason": None,
                "welfare_check": welfare,
            },
        ]
        ref = self.child_call(ts, grades, ts + 3 * HOUR)
        self.expect_record("CALL_DOWNGRADED_UNCHECKED", ref, "priority to scheduled, no reason")

    def attendance_delayed(self) -> None:
        ts = self.at(12, 21)
        if self.rng.random() < 0.5:
            grades = [
                {"at": self.iso(ts), "grade": "emergency", "reason": None, "welfare_check": None}
            ]
            ref = self.child_call(ts, grades, ts + 150 * MINUTE)
            why = "emergency attended after 150 minutes"
        else:
            grades = [
                {"at": self.iso(ts), "grade": "priority", "reason": None, "welfare_check": None}
            ]
            ref = self.child_call(ts, grades, ts + 9 * HOUR)
            why = "priority attended after 9 hours"
        self.expect_record("ATTENDANCE_DELAYED", ref, why)

    def police_protection_unresolved(self) -> None:
        hh = self.family((1 + self.rng.random() * 12,), lone=True)
        start = self.at(20, 23)
        variant = self.rng.randrange(3)
        fields: dict[str, Any] = {
            "started_at": self.iso(start),
            "designated_officer": "Insp Reid",
            "parents_informed_at": self.iso(start + HOUR),
        }
        if variant == 0:
            fields["local_authority_informed_at"] = self.iso(start + 6 * HOUR)
            fields["ended_at"] = self.iso(start + 30 * HOUR)
            fields["end_reason"] = "la_accommodation"
            fields["protective_plan"] = "Placed with foster carers."
            why = "local authority told 6 hours after protection began"
        elif variant == 1:
            fields["local_authority_informed_at"] = self.iso(start + 40 * MINUTE)
            why = "no end recorded 20 days after protection began"
        else:
            fields["local_authority_informed_at"] = self.iso(start + 30 * MINUTE)
            fields["ended_at"] = self.iso(start + 20 * HOUR)
            fields["end_reason"] = "returned_home"
            why = "ended with no protective plan"
        ref = self.e.emit(
            "police_protection",
            start,
            [(hh.children[0], "subject"), (hh.adults[0], "parent_carer")],
            clean=True,
            location=hh.address_at(start),
            **fields,
        )
        self.expect_mention("POLICE_PROTECTION_UNRESOLVED", ref, 0, why)

    # --- working together ------------------------------------------------------------------------
    def referral(self, days: int, **fields: Any) -> tuple[Ref, Person]:
        hh = self.family((3 + self.rng.random() * 12,))
        sent = self.at(days, 10)
        ref = self.e.emit(
            "referral",
            sent,
            [(hh.children[0], "subject"), (hh.adults[0], "parent_carer")],
            clean=True,
            from_unit="MASH police desk",
            sent_at=self.iso(sent),
            received_at=self.iso(sent + 30 * MINUTE),
            **fields,
        )
        return ref, hh.children[0]

    def referral_no_decision(self) -> None:
        ref, _ = self.referral(20, to_agency=self.rng.choice(("childrens_social_care", "mash")))
        self.expect_record(
            "REFERRAL_NO_DECISION", ref, "referral received 20 days ago, no decision"
        )

    def no_strategy_discussion(self) -> None:
        if self.rng.random() < 0.5:
            ref, _ = self.referral(
                42,
                to_agency="childrens_social_care",
                decision="section_47",
                decision_at=self.iso(self.at(41, 15)),
            )
            why = "section 47 decided 41 days ago, no strategy discussion"
        else:
            hh = self.family((4 + self.rng.random() * 10,))
            ts = self.at(40, 19)
            ref = self.e.emit(
                "crime",
                ts,
                [(hh.children[0], "victim"), (hh.adults[-1], "suspect")],
                clean=True,
                location=hh.address_at(ts),
                offence="Cruelty to a child",
                offence_group="neglect",
                flags=[],
                status="open",
                summary="Child injured by a parent at home.",
            )
            why = "child victim of a parent at home 40 days ago, no strategy discussion"
        self.expect_mention("NO_STRATEGY_DISCUSSION", ref, 0, why)

    def actions_overdue(self) -> None:
        hh = self.family((5 + self.rng.random() * 10,))
        held = self.at(40, 14)
        ref = self.e.emit(
            "strategy_discussion",
            held,
            [(hh.children[0], "subject"), (hh.adults[0], "parent_carer")],
            clean=True,
            held_at=self.iso(held),
            agencies=["police", "childrens_social_care", "health"],
            decisions="Section 47 enquiries; joint visit.",
            actions=[
                {
                    "description": "Joint visit",
                    "owner": "police",
                    "due_at": self.iso(held + 2 * DAY),
                    "done_at": self.iso(held + DAY),
                },
                {
                    "description": "Paediatric assessment",
                    "owner": "health",
                    "due_at": self.iso(held + 15 * DAY),
                    "done_at": None,
                },
            ],
        )
        self.expect_record("ACTIONS_OVERDUE", ref, "action due 25 days ago, not done")

    def return_interview_overdue(self) -> None:
        child = self.child(12 + self.rng.random() * 5, in_care=self.rng.random() < 0.5)
        ref = self.missing_episode(child, 14, risk="low", interview=False)
        self.expect_mention("RETURN_INTERVIEW_OVERDUE", ref, 0, "found 13 days ago, no interview")

    def safe_and_well_not_recorded(self) -> None:
        child = self.child(12 + self.rng.random() * 5, in_care=self.rng.random() < 0.5)
        ref = self.missing_episode(child, 14, risk="low", safe_and_well=False)
        self.expect_mention("SAFE_AND_WELL_NOT_RECORDED", ref, 0, "found 13 days ago, no check")

    def marac_incomplete(self) -> None:
        hh = self.family((2 + self.rng.random() * 12,))
        referred = self.at(35, 10)
        meeting = self.at(20, 10)
        if self.rng.random() < 0.5:
            extra: dict[str, Any] = {
                "information_shared_before": False,
                "actions": [
                    {
                        "description": "Safety plan",
                        "owner": "IDVA",
                        "due_at": self.iso(meeting + 3 * DAY),
                        "done_at": self.iso(meeting + DAY),
                    }
                ],
            }
            why = "MARAC held 20 days ago without information shared before"
        else:
            extra = {"information_shared_before": True, "actions": []}
            why = "MARAC held 20 days ago with no actions"
        ref = self.e.emit(
            "marac",
            referred,
            [
                (hh.adults[0], "victim"),
                (hh.adults[-1], "suspect"),
                (hh.children[0], "household_member"),
            ],
            clean=True,
            referred_at=self.iso(referred),
            criteria="visible_high_risk",
            meeting_at=self.iso(meeting),
            **extra,
        )
        self.expect_record("MARAC_INCOMPLETE", ref, why)

    def marac_criteria_met_not_referred(self) -> None:
        hh = self.family((3 + self.rng.random() * 10,))
        ref = self.da_concern(hh, self.at(50, 21), "high", 16)
        self.expect_mention(
            "MARAC_CRITERIA_MET_NOT_REFERRED", ref, 0, "DASH high (16 yes) 50 days ago, no MARAC"
        )
        self.expect_mention(
            "MARAC_CRITERIA_MET_NOT_REFERRED",
            ref,
            2,
            "child exposed to a high-risk DA incident, no MARAC",
        )

    # --- investigations ----------------------------------------------------------------------------
    def investigation_drift(self) -> None:
        self.investigation(
            "INVESTIGATION_DRIFT",
            "no activity for 40 days",
            opened_days=50,
            activity_days=(49, 40),
            review_days=(6,),
        )

    def investigation_aged(self) -> None:
        self.investigation(
            "INVESTIGATION_AGED",
            "opened 110 days ago",
            opened_days=110,
            activity_days=(100, 3),
            review_days=(8,),
        )

    def supervision_overdue(self) -> None:
        self.investigation(
            "SUPERVISION_OVERDUE",
            "last supervisory review 50 days ago",
            opened_days=60,
            activity_days=(4,),
            review_days=(50,),
        )

    def allocation_problem(self) -> None:
        variant = self.rng.randrange(3)
        if variant == 0:
            self.investigation(
                "ALLOCATION_PROBLEM",
                "not allocated 6 days after opening",
                opened_days=6,
                allocations=[],
                activity_days=(5,),
                review_days=(2,),
            )
            return
        opened = self.at(20, 10)
        if variant == 1:
            allocations = [
                {
                    "at": self.iso(opened + (1 + i * 48) * HOUR),
                    "officer_id": f"DC{i}01",
                    "team": "CID",
                    "specialist": True,
                }
                for i in range(3)
            ]
            self.investigation(
                "ALLOCATION_PROBLEM",
                "allocated three times",
                opened_days=20,
                allocations=allocations,
                activity_days=(3,),
                review_days=(4,),
            )
        else:
            self.investigation(
                "ALLOCATION_PROBLEM",
                "child sexual abuse case with a non-specialist officer",
                opened_days=20,
                group="sexual",
                flags=("child_sexual_abuse",),
                allocations=[
                    {
                        "at": self.iso(opened + 2 * HOUR),
                        "officer_id": "PC2231",
                        "team": "Response",
                        "specialist": False,
                    }
                ],
                activity_days=(3,),
                review_days=(4,),
            )

    def digital_backlog(self) -> None:
        self.investigation(
            "DIGITAL_BACKLOG",
            "phone submitted 50 days ago, not examined",
            opened_days=60,
            activity_days=(3,),
            review_days=(5,),
            devices=[
                {
                    "device_id": f"EXH-{self.rng.randrange(10_000, 99_999)}",
                    "seized_at": self.iso(self.at(55, 11)),
                    "submitted_at": self.iso(self.at(50, 11)),
                    "examined_at": None,
                }
            ],
        )

    def charging_delay(self) -> None:
        self.investigation(
            "CHARGING_DELAY",
            "charging file submitted 45 days ago, no decision",
            opened_days=70,
            activity_days=(2,),
            review_days=(5,),
            charging=[
                {"submitted_at": self.iso(self.at(45, 12)), "decision_at": None, "decision": None}
            ],
        )

    def intelligence_not_actioned(self) -> None:
        child = self.child(13 + self.rng.random() * 4)
        ts = self.at(30, 15)
        ref = self.e.emit(
            "intelligence",
            ts,
            [(child, "subject")],
            clean=True,
            grading="C3 1",
            topics=[self.rng.choice(("cse", "cce", "county_lines"))],
            summary="Child reported to be going to parties with older males.",
        )
        self.expect_record(
            "INTELLIGENCE_NOT_ACTIONED", ref, "CSE/CCE intelligence 30 days old, no follow-up"
        )

    # --- children in custody -----------------------------------------------------------------------
    def custody(
        self, code: str, why: str, arrived: int, flags: list[str] | None = None, **fields: Any
    ) -> None:
        child = self.child(14.5 + self.rng.random() * 2)
        base: dict[str, Any] = {
            "grounds": "offence",
            "offence": "Robbery of personal property",
            "arrived_at": self.iso(arrived),
            "detention_authorised_at": self.iso(arrived + 15 * MINUTE),
            "appropriate_adult_requested_at": self.iso(arrived + 25 * MINUTE),
            "appropriate_adult_arrived_at": self.iso(arrived + 75 * MINUTE),
            "healthcare_seen_at": self.iso(arrived + 45 * MINUTE),
            "referral_to_csc_at": self.iso(arrived + 2 * HOUR),
            "released_at": self.iso(arrived + 4 * HOUR),
        }
        base.update(fields)
        ref = self.e.emit(
            "custody",
            arrived,
            [(child, "detainee", {"flags": flags} if flags else {})],
            clean=True,
            pnc=True,
            location=CUSTODY_SUITE,
            **{k: v for k, v in base.items() if v is not None},
        )
        self.expect_record(code, ref, why)

    def custody_aa_delay(self) -> None:
        t = self.at(20, 10)
        self.custody(
            "CUSTODY_AA_DELAY",
            "appropriate adult arrived 3.5 hours after authorisation",
            t,
            appropriate_adult_arrived_at=self.iso(t + 15 * MINUTE + 210 * MINUTE),
            released_at=self.iso(t + 5 * HOUR),
        )

    def _remanded(self, t: int) -> dict[str, Any]:
        return {
            "reviews": [self.iso(t + 6 * HOUR), self.iso(t + 14 * HOUR)],
            "charged_at": self.iso(t + 7 * HOUR),
            "bail_refused": True,
            "accommodation_requested_at": self.iso(t + 7 * HOUR + 30 * MINUTE),
            "released_at": self.iso(t + 20 * HOUR),
        }

    def custody_no_transfer(self) -> None:
        t = self.at(20, 14)
        self.custody(
            "CUSTODY_NO_TRANSFER",
            "charged, bail refused, accommodation unavailable, not escalated, not transferred",
            t,
            **self._remanded(t),
            accommodation_outcome="unavailable",
            detention_certificate_at=self.iso(t + 8 * HOUR),
        )

    def custody_no_certificate(self) -> None:
        t = self.at(20, 14)
        self.custody(
            "CUSTODY_NO_CERTIFICATE",
            "charged, bail refused, kept without certificate",
            t,
            **self._remanded(t),
            accommodation_outcome="secure_unavailable",
            accommodation_escalated_at=self.iso(t + 8 * HOUR),
        )

    def custody_long_detention(self) -> None:
        t = self.at(20, 11)
        self.custody(
            "CUSTODY_LONG_DETENTION",
            "27 hours in custody",
            t,
            reviews=[self.iso(t + 6 * HOUR), self.iso(t + 15 * HOUR), self.iso(t + 24 * HOUR)],
            released_at=self.iso(t + 27 * HOUR),
        )

    def custody_no_referral(self) -> None:
        t = self.at(20, 12)
        self.custody(
            "CUSTODY_NO_REFERRAL",
            "child with mental health flag, no referral to CSC",
            t,
            flags=["mental_health"],
            referral_to_csc_at=None,
        )

    # --- offenders ---------------------------------------------------------------------------------
    def rso_record(
        self,
        offender: Person,
        days: int,
        arms: int | None,
        visits: tuple[int, ...],
        flagged: bool,
        risk: str = "medium",
        management: str = "active",
    ) -> Ref:
        ts = self.at(days, 10)
        fields: dict[str, Any] = {
            "registered_at": self.iso(self.at(days + 1500, 10)),
            "risk_level": risk,
            "management": management,
            "visits": [self.iso(self.at(v, 11)) for v in visits],
            "flagged_on": ["crime", "command_and_control"] if flagged else ["crime"],
        }
        if arms is not None:
            fields["arms_assessed_at"] = self.iso(self.at(arms, 10))
        return self.e.emit(
            "rso",
            ts,
            [(offender, "offender")],
            clean=True,
            pnc=True,
            location=offender.household.address_at(ts),
            **fields,
        )

    def rso_arms_overdue(self) -> None:
        p = self.adult_male(35 + self.rng.random() * 30, rso=True)
        ref = self.rso_record(p, 100, arms=480, visits=(110,), flagged=True)
        self.expect_mention("RSO_ARMS_OVERDUE", ref, 0, "ARMS last assessed 480 days ago")

    def rso_visit_overdue(self) -> None:
        p = self.adult_male(35 + self.rng.random() * 30, rso=True)
        ref = self.rso_record(p, 160, arms=165, visits=(170, 150), flagged=True, risk="high")
        self.expect_mention("RSO_VISIT_OVERDUE", ref, 0, "high risk, last visit 150 days ago")

    def rso_not_flagged(self) -> None:
        p = self.adult_male(35 + self.rng.random() * 30, rso=True)
        ref = self.rso_record(p, 90, arms=95, visits=(92,), flagged=False)
        self.expect_mention("RSO_NOT_FLAGGED", ref, 0, "address not flagged on command and control")

    # --- casework written in Vigil (config.CASEWORK_SITUATIONS) ---------------------------------
    def casework_referral_decided_late(self) -> None:
        ref, _ = self.referral(20, to_agency="childrens_social_care")
        decided = self.at(11, 15)  # 9 days after receipt: days past the first working day after
        self.amend(
            ref,
            "referral",
            decided,
            decision=self.rng.choice(("no_further_action", "early_help", "section_17")),
            decision_at=self.iso(decided),
            feedback_at=self.iso(decided + 2 * HOUR),
        )
        self.sink.expect(
            "REFERRAL_NO_DECISION",
            "referral received 20 days ago, decided in Vigil 9 days later",
            record=ref.record(),
            casework="referral_decided_late",
            says="late",
        )

    def casework_referral_decided_in_time(self) -> None:
        ref, _ = self.referral(20, to_agency=self.rng.choice(("childrens_social_care", "mash")))
        decided = self.at(20, 14)  # received at 10:30 the same day
        self.amend(
            ref,
            "referral",
            decided,
            decision=self.rng.choice(("no_further_action", "early_help", "section_17")),
            decision_at=self.iso(decided),
        )
        self.sink.expect(
            "REFERRAL_NO_DECISION",
            "referral received 20 days ago, decided in Vigil 3.5 hours later",
            record=ref.record(),
            must_not=True,
            casework="referral_decided_in_time",
        )

    def casework_actions_done_on_time(self) -> None:
        """A strategy discussion held in Vigil (a record of its own): its first version has the
        actions agreed, its second records each done before it was due."""
        hh = self.family((5 + self.rng.random() * 10,))
        held = self.at(40, 14)
        actions: list[dict[str, Any]] = [
            {
                "description": "Joint visit",
                "owner": "police",
                "due_at": self.iso(held + 2 * DAY),
                "done_at": None,
            },
            {
                "description": "Paediatric assessment",
                "owner": "health",
                "due_at": self.iso(held + 10 * DAY),
                "done_at": None,
            },
        ]
        ref = self.e.emit(
            "strategy_discussion",
            held,
            [(hh.children[0], "subject"), (hh.adults[0], "parent_carer")],
            clean=True,
            source_system=VIGIL,
            version=1,
            held_at=self.iso(held),
            agencies=["police", "childrens_social_care", "health"],
            decisions="Section 47 enquiries; joint visit.",
            actions=actions,
        )
        done = [
            {**actions[0], "done_at": self.iso(held + DAY)},
            {**actions[1], "done_at": self.iso(held + 6 * DAY)},
        ]
        self.e.write(
            {
                **self.e.last,
                "version": 2,
                "recorded_at": self.iso(held + 6 * DAY + 2 * HOUR),
                "actions": done,
            }
        )
        self.sink.expect(
            "ACTIONS_OVERDUE",
            "strategy discussion held in Vigil 40 days ago; version 2 records each action done "
            "before it was due",
            record=ref.record(),
            must_not=True,
            casework="actions_done_on_time",
        )

    def casework_drift_reviewed(self) -> None:
        ref = self.investigation(
            None, "", opened_days=60, activity_days=(55, 40), review_days=(45,)
        )
        reviewed = self.at(10, 16)
        self.amend(
            ref,
            "investigation",
            reviewed,
            supervisory_reviews=[{"at": self.iso(reviewed), "by": "DI Khan"}],
        )
        self.sink.expect(
            "INVESTIGATION_DRIFT",
            "no activity for 40 days (a supervisory review recorded in Vigil is no activity)",
            record=ref.record(),
            casework="drift_reviewed",
        )
        self.sink.expect(
            "SUPERVISION_OVERDUE",
            "supervisory review appended in Vigil 10 days ago (the source's last is 45 days old)",
            record=ref.record(),
            must_not=True,
            casework="drift_reviewed",
        )

    def _safe_and_well_by_amendment(self, hours_after_found: int) -> Ref:
        child = self.child(12 + self.rng.random() * 5, in_care=self.rng.random() < 0.5)
        ref = self.missing_episode(child, 6, risk="low", safe_and_well=False)
        found = self.at(6, 20) + 7 * HOUR  # as missing_episode has it: about 5 days ago
        checked = found + hours_after_found * HOUR
        self.amend(ref, "missing", checked, safe_and_well_at=self.iso(checked))
        return ref

    def casework_safe_and_well_late(self) -> None:
        ref = self._safe_and_well_by_amendment(30)
        self.sink.expect(
            "SAFE_AND_WELL_NOT_RECORDED",
            "found 5 days ago; safe and well check recorded in Vigil 30 hours after",
            mention=ref.mention(0),
            casework="safe_and_well_late",
            says="late",
        )

    def casework_safe_and_well_in_time(self) -> None:
        ref = self._safe_and_well_by_amendment(4)
        self.sink.expect(
            "SAFE_AND_WELL_NOT_RECORDED",
            "found 5 days ago; safe and well check recorded in Vigil 4 hours after",
            mention=ref.mention(0),
            must_not=True,
            casework="safe_and_well_in_time",
        )
