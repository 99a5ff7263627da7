"""A quick synthetic force for performance and consistency tests of the rule package.

Not the project's synthetic generator (vigil.synth): just enough households, incidents and
processes, with realistic proportions, to exercise every index at scale. Deterministic by seed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from vigil.records.contract import RecordBase, parse_record
from vigil.rules import MentionKey

START = dt.datetime(2012, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 3 * 365
FORENAMES = [
    "Amy",
    "Ben",
    "Cara",
    "Dan",
    "Ella",
    "Finn",
    "Gina",
    "Hal",
    "Ivy",
    "Jack",
    "Kim",
    "Leo",
]
SURNAMES = ["Smith", "Jones", "Patel", "Khan", "Brown", "Ward", "Price", "Collins", "Moss", "Hill"]


class Force:
    def __init__(self, people: int, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.records: list[dict[str, Any]] = []
        self.identity: dict[MentionKey, str] = {}
        self.people: dict[str, dict[str, Any]] = {}
        self.households: list[list[str]] = []
        self.children: list[str] = []
        self.adults: list[str] = []
        self._make_people(people)
        self.adult_set = set(self.adults)
        self.everyone = self.children + self.adults
        self._make_records(people * 2)

    # --- people ---------------------------------------------------------------------------------

    def _make_people(self, people: int) -> None:
        rng = self.rng
        house = 0
        while len(self.people) < people:
            house += 1
            address, postcode = (
                f"{house} {rng.choice(SURNAMES)} Road, Town",
                f"T{house % 97} {house}AB",
            )
            surname = rng.choice(SURNAMES)
            members = []
            for adult in range(rng.choice([1, 2, 2])):
                members.append(
                    self._person(surname, 1960 + rng.randrange(35), address, postcode, adult)
                )
            for _ in range(rng.choice([0, 1, 2, 3])):
                members.append(
                    self._person(surname, 1996 + rng.randrange(18), address, postcode, 2)
                )
            self.households.append(members)

    def _person(self, surname: str, year: int, address: str, postcode: str, kind: int) -> str:
        pid = f"P{len(self.people)}"
        birth = dt.date(year, 1 + self.rng.randrange(12), 1 + self.rng.randrange(28))
        self.people[pid] = {
            "forename": self.rng.choice(FORENAMES),
            "surname": surname,
            "date_of_birth": birth.isoformat(),
            "address": address,
            "postcode": postcode,
        }
        (self.children if kind == 2 else self.adults).append(pid)
        return pid

    # --- records --------------------------------------------------------------------------------

    def _when(self) -> dt.datetime:
        return START + dt.timedelta(minutes=self.rng.randrange(SPAN_DAYS * 24 * 60))

    def _add(
        self, record_type: str, at: dt.datetime, cast: list[tuple[str, str]], **fields: Any
    ) -> str:
        source_id = f"R{len(self.records)}"
        people = []
        for index, (pid, role) in enumerate(cast):
            mention = {"mention_id": f"m{index}", "role": role, **self.people[pid]}
            if role == "child_present":
                mention["spoken_to"] = self.rng.random() < 0.8
            people.append(mention)
            self.identity[MentionKey("sys", source_id, f"m{index}")] = pid
        self.records.append(
            {
                "record_type": record_type,
                "source_system": "sys",
                "source_id": source_id,
                "occurred_at": at.isoformat(),
                "people": people,
                **fields,
            }
        )
        return source_id

    def _home(self, pid: str) -> dict[str, Any]:
        p = self.people[pid]
        return {
            "address": p["address"],
            "postcode": p["postcode"],
            "premises_type": "private_dwelling",
        }

    def _make_records(self, target: int) -> None:
        rng = self.rng
        makers = [
            (self._domestic, 30),
            (self._missing, 15),
            (self._crime, 20),
            (self._call, 10),
            (self._intelligence, 5),
            (self._investigation, 6),
            (self._custody, 4),
            (self._referral, 5),
            (self._marac, 1),
            (self._rso, 1),
            (self._protection, 1),
            (self._cp_plan, 2),
        ]
        choices = [m for m, w in makers for _ in range(w)]
        while len(self.records) < target:
            rng.choice(choices)()

    def _domestic(self) -> None:
        rng = self.rng
        house = rng.choice(self.households)
        adults = [p for p in house if p in self.adult_set]
        kids = [p for p in house if p not in self.adult_set]
        cast = [(adults[0], "victim")] + ([(adults[1], "suspect")] if len(adults) > 1 else [])
        cast += [(k, "child_present") for k in kids]
        at = self._when()
        kind = rng.choice(["call", "concern", "crime"])
        fields: dict[str, Any] = {"location": self._home(adults[0])}
        if kind == "call":
            fields |= {
                "category": "domestic",
                "grade_history": [{"at": at.isoformat(), "grade": "priority"}],
                "attended_at": (at + dt.timedelta(minutes=rng.randrange(30, 300))).isoformat(),
            }
        elif kind == "concern":
            fields |= {
                "concern_type": "domestic_abuse_noncrime",
                "risk_assessment": {
                    "tool": "DASH",
                    "level": rng.choice(["standard", "medium", "high"]),
                    "yes_count": rng.randrange(20),
                    "assessed_at": at.isoformat(),
                },
            }
        else:
            fields |= {"offence_group": "domestic_abuse", "offence": "Assault"}
        source = self._add(kind, at, cast, **fields)
        if rng.random() < 0.3:
            self._add(
                "concern",
                at + dt.timedelta(hours=1),
                cast,
                concern_type="domestic_abuse_noncrime",
                links=[{"source_system": "sys", "source_id": source, "relation": "about"}],
                location=self._home(adults[0]),
            )

    def _missing(self) -> None:
        rng = self.rng
        child = rng.choice(self.children)
        at = self._when()
        found = at + dt.timedelta(hours=rng.randrange(1, 48))
        self._add(
            "missing",
            at,
            [(child, "missing_person")],
            classification=rng.choice(["missing", "absent"]),
            found_at=found.isoformat(),
            safe_and_well_at=(found + dt.timedelta(hours=rng.randrange(1, 40))).isoformat(),
            exploitation_indicators=["older_associates"] if rng.random() < 0.1 else [],
            objects=[{"object_type": "vehicle", "identifier": f"V{rng.randrange(3000)}"}]
            if rng.random() < 0.2
            else [],
        )

    def _crime(self) -> None:
        rng = self.rng
        victim = rng.choice(self.everyone)
        suspect = rng.choice(self.adults)
        group = rng.choice(
            ["violence", "sexual", "exploitation", "drugs", "robbery", "other", "neglect"]
        )
        self._add(
            "crime",
            self._when(),
            [(victim, "victim"), (suspect, "suspect")],
            offence_group=group,
            offence=group.title(),
        )

    def _call(self) -> None:
        rng = self.rng
        house = rng.choice(self.households)
        at = self._when()
        grades = [{"at": at.isoformat(), "grade": "emergency"}]
        if rng.random() < 0.3:
            grades.append(
                {
                    "at": (at + dt.timedelta(minutes=20)).isoformat(),
                    "grade": "scheduled",
                    "reason": None if rng.random() < 0.5 else "no risk",
                    "welfare_check": True,
                }
            )
        self._add(
            "call",
            at,
            [(p, "subject") for p in house],
            category="child_concern",
            grade_history=grades,
            location=self._home(house[0]),
            attended_at=(at + dt.timedelta(minutes=rng.randrange(10, 200))).isoformat(),
        )

    def _intelligence(self) -> None:
        rng = self.rng
        at = self._when()
        cast = [(rng.choice(self.children), "subject"), (rng.choice(self.adults), "associate")]
        self._add(
            "intelligence",
            at,
            cast,
            topics=[rng.choice(["cse", "cce", "county_lines", "other"])],
            follow_up_at=(at + dt.timedelta(days=rng.randrange(30))).isoformat(),
        )

    def _investigation(self) -> None:
        rng = self.rng
        at = self._when()
        self._add(
            "investigation",
            at,
            [(rng.choice(self.children), "victim"), (rng.choice(self.adults), "suspect")],
            opened_at=at.isoformat(),
            offence_group=rng.choice(["sexual", "violence"]),
            allocations=[
                {
                    "at": (at + dt.timedelta(hours=rng.randrange(40))).isoformat(),
                    "specialist": rng.random() < 0.5,
                }
            ],
            activity=[
                {"at": (at + dt.timedelta(days=d)).isoformat()}
                for d in range(0, rng.randrange(200), 20)
            ],
            devices=[{"submitted_at": at.isoformat()}] if rng.random() < 0.2 else [],
            closed_at=(at + dt.timedelta(days=rng.randrange(400))).isoformat()
            if rng.random() < 0.7
            else None,
        )

    def _custody(self) -> None:
        rng = self.rng
        at = self._when()
        self._add(
            "custody",
            at,
            [(rng.choice(self.children), "detainee")],
            arrived_at=at.isoformat(),
            detention_authorised_at=at.isoformat(),
            appropriate_adult_arrived_at=(
                at + dt.timedelta(minutes=rng.randrange(20, 300))
            ).isoformat(),
            released_at=(at + dt.timedelta(hours=rng.randrange(2, 30))).isoformat(),
        )

    def _referral(self) -> None:
        rng = self.rng
        at = self._when()
        self._add(
            "referral",
            at,
            [(rng.choice(self.children), "subject")],
            to_agency="childrens_social_care",
            received_at=at.isoformat(),
            decision=rng.choice(["section_47", "section_17", "early_help"]),
            decision_at=(at + dt.timedelta(hours=rng.randrange(60))).isoformat(),
        )

    def _marac(self) -> None:
        at = self._when()
        self._add(
            "marac",
            at,
            [(self.rng.choice(self.adults), "victim")],
            meeting_at=at.isoformat(),
            information_shared_before=True,
            actions=[{"description": "visit", "due_at": (at + dt.timedelta(days=10)).isoformat()}],
        )

    def _rso(self) -> None:
        at = self._when()
        self._add(
            "rso",
            at,
            [(self.rng.choice(self.adults), "offender")],
            management="active",
            risk_level=self.rng.choice(["low", "medium", "high"]),
            arms_assessed_at=at.isoformat(),
            flagged_on=["crime"],
            registered_at=at.isoformat(),
        )

    def _protection(self) -> None:
        at = self._when()
        self._add(
            "police_protection",
            at,
            [(self.rng.choice(self.children), "subject")],
            started_at=at.isoformat(),
            local_authority_informed_at=(at + dt.timedelta(hours=1)).isoformat(),
        )

    def _cp_plan(self) -> None:
        at = self._when()
        self._add(
            "cp_plan", at, [(self.rng.choice(self.children), "subject")], started_at=at.isoformat()
        )

    def parsed(self) -> list[RecordBase]:
        return [parse_record(r) for r in self.records]
