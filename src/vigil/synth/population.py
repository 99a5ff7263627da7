"""People, households and places of the synthetic force.

A household is generated, used for its events, written and dropped: nothing holds the whole
population. Only fixed-size pools (care homes, schools, a ring of recent adults and teenagers for
cross-household roles) live for the whole run, which keeps memory flat at any size.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from typing import Any

from . import config as C
from .clock import DAY, Clock
from .names import (
    CARE_HOME_KINDS,
    CARE_HOME_WORDS,
    SCHOOL_KINDS,
    TOWNS,
    Pools,
    between,
    mobile,
    pick,
    pnc_id,
    postcode,
)


class Address:
    __slots__ = ("_location", "line", "postcode", "premises_type")

    def __init__(self, line: str, postcode: str, premises_type: str) -> None:
        self.line = line
        self.postcode = postcode
        self.premises_type = premises_type
        self._location = {"address": line, "postcode": postcode, "premises_type": premises_type}

    def location(self) -> dict[str, str]:
        """The record ``location`` for this address (shared: serialised, never mutated)."""
        return self._location


class Person:
    """One true person. ``pid`` is what truth/persons.csv reports for each of their mentions."""

    __slots__ = (
        "dob",
        "dob_iso",
        "flags",
        "forename",
        "gender",
        "household",
        "middle",
        "nhs",
        "phone",
        "pid",
        "planted",
        "pnc",
        "prev_surname",
        "surname",
        "template",
    )

    def __init__(
        self,
        pid: str,
        forename: str,
        middle: str | None,
        surname: str,
        gender: str,
        dob: dt.date,
        household: Household,
    ) -> None:
        self.pid = pid
        self.forename = forename
        self.middle = middle
        self.surname = surname
        self.prev_surname: str | None = None
        self.gender = gender
        self.dob = dob
        self.dob_iso = dob.isoformat()
        self.household = household
        self.pnc: str | None = None
        self.nhs: int | str | None = None  # an int until first written (see noise)
        self.template: dict[str, Any] | None = None  # cached clean mention fields
        self.phone: str | None = None
        self.flags: tuple[str, ...] = ()
        self.planted = False

    def age_on(self, day: dt.date) -> int:
        dob = self.dob
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    def is_child_on(self, ts: int) -> bool:
        return self.age_on(_day(ts)) < 18

    def born_by(self, ts: int) -> bool:
        return self.dob <= _day(ts)


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _day(ts: int) -> dt.date:
    # UTC date: close enough for background events (planted ones keep wide margins).
    return dt.date.fromordinal(_EPOCH + ts // DAY)


class Household:
    """People at one address (or a looked-after child placed in a care home)."""

    __slots__ = ("adults", "children", "homes", "in_care", "intensity", "school")

    def __init__(self, home: Address) -> None:
        self.homes: list[tuple[int, Address]] = [(0, home)]  # (from instant, address)
        self.adults: list[Person] = []
        self.children: list[Person] = []
        self.in_care = False
        self.intensity = 0.0
        self.school: Address | None = None

    @property
    def people(self) -> list[Person]:
        return self.adults + self.children

    def address_at(self, ts: int) -> Address:
        current = self.homes[0][1]
        for since, home in self.homes:
            if since <= ts:
                current = home
        return current

    def previous_address_at(self, ts: int) -> Address | None:
        """The address before the latest move (for stale-address noise), if any."""
        previous = None
        for i in range(1, len(self.homes)):
            if self.homes[i][0] <= ts:
                previous = self.homes[i - 1][1]
        return previous


class Population:
    """Makes people and households from seeded pools; keeps only bounded pools alive."""

    def __init__(
        self,
        rng: random.Random,
        shared: random.Random,
        pools: Pools,
        clock: Clock,
        people: int,
        block: int,
    ) -> None:
        """``shared`` seeds what every block must agree on (care homes, schools, their staff);
        ``rng`` drives this block's own households. ``people`` is the whole force's size."""
        self.pools = pools
        self.clock = clock
        self.count = 0
        self.households = 0
        self.rng = shared
        self.prefix = "S"
        self.block = block
        self.staff_phase = True
        self.care_homes = [
            self._care_home(i) for i in range(max(2, people // C.PEOPLE_PER_CARE_HOME))
        ]
        self.schools = [self._school() for _ in range(max(3, people // C.PEOPLE_PER_SCHOOL))]
        # Care home staff are people too: they report looked-after children missing. Every
        # block makes the same staff (same ids), so one staff member is one true person.
        self.staff: dict[str, list[Person]] = {}
        for home in self.care_homes:
            hh = Household(home)
            hh.adults = [
                self.adult(hh, self._surname(), pick(shared, "FFFM"), 25, 60) for _ in range(2)
            ]
            self.staff[home.line] = hh.adults
        self.staff_count = self.count
        self.count = 0
        self.rng = rng
        self.prefix = f"P{block:04d}"
        self.staff_phase = False
        self.objects = 0  # per-block serial for vehicles and online accounts
        self.recent_adults: deque[Person] = deque(maxlen=C.RECENT_POOL)
        self.recent_teens: deque[Person] = deque(maxlen=C.RECENT_POOL // 4)

    # --- places ------------------------------------------------------------------------------
    def _town(self) -> tuple[str, tuple[str, ...]]:
        # Birmingham is most of the force's population.
        return TOWNS[0] if self.rng.random() < 0.5 else pick(self.rng, TOWNS)

    def street_address(self, premises_type: str = "private_dwelling") -> Address:
        rng = self.rng
        town, districts = self._town()
        number = int(rng.random() * pick(rng, (40, 120, 300))) + 1
        flat = f"Flat {between(rng, 1, 12)}, " if rng.random() < 0.12 else ""
        street = self.pools.streets[int(rng.random() * len(self.pools.streets))]
        return Address(f"{flat}{number} {street}, {town}", postcode(rng, districts), premises_type)

    def _care_home(self, i: int) -> Address:
        rng = self.rng
        name = f"{CARE_HOME_WORDS[i % len(CARE_HOME_WORDS)]} {pick(rng, CARE_HOME_KINDS)}"
        base = self.street_address("care_home")
        return Address(f"{name}, {base.line}", base.postcode, "care_home")

    def _school(self) -> Address:
        base = self.street_address("school")
        stem = pick(self.rng, self.pools.streets).split()[0]
        return Address(
            f"{stem} {pick(self.rng, SCHOOL_KINDS)}, {base.line.split(', ')[-1]}",
            base.postcode,
            "school",
        )

    # --- people -------------------------------------------------------------------------------
    def uid(self) -> int:
        """The current person's unique number, the seed of their identifiers. Staff (the same
        in every block) take 1..99,999; block b's people (b + 1) * 100,000 onwards."""
        return self.count if self.staff_phase else (self.block + 1) * 100_000 + self.count

    def object_serial(self) -> int:
        """A unique number for a vehicle or account first seen in this block."""
        self.objects += 1
        return (self.block + 1) * 100_000 + self.objects

    def _surname(self) -> str:
        s = self.pools.surnames
        return s[int(self.rng.random() * len(s))]

    def _forename(self, gender: str, child: bool = False) -> str:
        # Children mostly carry names of their own generation, not their grandparents'.
        if child and self.rng.random() < 0.7:
            pool = self.pools.girls if gender == "F" else self.pools.boys
        else:
            pool = self.pools.female if gender == "F" else self.pools.male
        return pool[int(self.rng.random() * len(pool))]

    def person(
        self, hh: Household, surname: str, gender: str, dob: dt.date, child: bool = False
    ) -> Person:
        rng = self.rng
        self.count += 1
        middle = self._forename(gender, child) if rng.random() < 0.55 else None
        p = Person(
            f"{self.prefix}{self.count:06d}",
            self._forename(gender, child),
            middle,
            surname,
            "female" if gender == "F" else "male",
            dob,
            hh,
        )
        if rng.random() < 0.5:
            p.nhs = self.uid()  # formatted (nhs_text) only if ever written
        return p

    def _dob(self, min_age: float, max_age: float) -> dt.date:
        # Ages are as at the start of the period; children born during it have negative ages.
        age_days = int((min_age + self.rng.random() * (max_age - min_age)) * 365.25)
        return self.clock.start - dt.timedelta(days=age_days)

    def adult(
        self, hh: Household, surname: str, gender: str, min_age: float = 18, max_age: float = 80
    ) -> Person:
        rng = self.rng
        p = self.person(hh, surname, gender, self._dob(min_age, max_age))
        if rng.random() < 0.75:
            p.phone = mobile(self.uid())
        if rng.random() < C.PNC_SHARE_ADULT * (1.6 if gender == "M" else 0.5):
            first_arrest = min(p.dob.year + 16 + between(rng, 0, 20), self.clock.start.year)
            p.pnc = pnc_id(self.uid(), first_arrest)
            if gender == "M" and rng.random() < C.RSO_SHARE_ADULT_MALE / (C.PNC_SHARE_ADULT * 1.6):
                p.flags = ("rso",)
        return p

    def child(
        self, hh: Household, surname: str, min_age: float, max_age: float, gender: str | None = None
    ) -> Person:
        g = gender or ("F" if self.rng.random() < 0.5 else "M")
        p = self.person(hh, surname, g, self._dob(min_age, max_age), child=True)
        if p.age_on(self.clock.start) >= 13:
            if self.rng.random() < 0.5:
                p.phone = mobile(self.uid())
            if self.rng.random() < C.PNC_SHARE_TEEN:
                p.pnc = pnc_id(self.uid(), self.clock.start.year)
        return p

    # --- households ---------------------------------------------------------------------------
    def household(self, kind: str | None = None) -> Household:
        """A new household. ``kind`` forces a shape (planted situations need families)."""
        rng = self.rng
        self.households += 1
        r = rng.random()
        if kind is None:
            if r < C.CARE_HOME_CHILD_SHARE:
                kind = "care"
            elif r < 0.30:
                kind = "single"
            elif r < 0.55:
                kind = "couple"
            elif r < 0.83:
                kind = "family"
            elif r < 0.95:
                kind = "lone_parent"
            else:
                kind = "older"
        if kind == "care":
            return self._in_care()
        hh = Household(self.street_address())
        surname = self._surname()
        if kind == "single":
            hh.adults.append(self.adult(hh, surname, "F" if rng.random() < 0.45 else "M"))
        elif kind == "older":
            hh.adults.append(self.adult(hh, surname, "M", 62, 90))
            hh.adults.append(self.adult(hh, surname, "F", 60, 88))
        else:
            mother = self.adult(hh, surname, "F", 19, 55 if kind != "couple" else 80)
            hh.adults.append(mother)
            if kind != "lone_parent":
                hh.adults.append(
                    self.adult(
                        hh,
                        surname,
                        "M",
                        mother.age_on(self.clock.start) - 2,
                        mother.age_on(self.clock.start) + 8,
                    )
                )
                if rng.random() < C.PREVIOUS_SURNAME_SHARE:
                    mother.prev_surname = self._surname()
            if kind != "couple":
                self._children(hh, mother, surname if rng.random() < 0.8 else self._surname())
        self._settle(hh)
        return hh

    def _children(self, hh: Household, mother: Person, surname: str) -> None:
        """Siblings a year or more apart (twins aside); some born during the period."""
        rng = self.rng
        youngest_allowed = -0.5 * self.clock.days / 365  # born by the middle of the period
        age = youngest_allowed + rng.random() * (
            min(17.9, mother.age_on(self.clock.start) - 17) - youngest_allowed
        )
        for _ in range(pick(rng, (1, 1, 2, 2, 2, 3, 3, 4))):
            if age < youngest_allowed:
                break
            hh.children.append(self._own_forename(hh, self.child(hh, surname, age, age + 0.2)))
            age -= 1.2 + rng.random() * 3.5
        # Twins sharing surname, address, parents and date of birth are the hardest false
        # match for identity resolution: make some.
        if hh.children and rng.random() < 0.04:
            twin = hh.children[0]
            hh.children.append(
                self._own_forename(
                    hh, self.person(hh, surname, pick(rng, "FM"), twin.dob, child=True)
                )
            )

    def _own_forename(self, hh: Household, child: Person) -> Person:
        """Parents do not give two of their children one forename: a draw that repeats a
        sibling's is drawn again. (Twins with one name, surname, address and date of birth
        would be two people nobody could tell apart from their records.)"""
        taken = {c.forename for c in hh.children}
        for _ in range(20):
            if child.forename not in taken:
                break
            child.forename = self._forename("F" if child.gender == "female" else "M", True)
        return child

    def _in_care(self) -> Household:
        home = self.care_homes[int(self.rng.random() * len(self.care_homes))]
        hh = Household(home)
        hh.in_care = True
        child = self.child(hh, self._surname(), 11, 17.5)
        child.flags = ("looked_after",)
        hh.children.append(child)
        self._settle(hh, move=False)
        hh.intensity = 1.0 + self.rng.random() * 2
        return hh

    def _settle(self, hh: Household, move: bool = True) -> None:
        rng = self.rng
        if move and rng.random() < C.MOVE_SHARE:
            hh.homes.append((self.clock.in_period(rng.random()), self.street_address()))
        if hh.children:
            hh.school = self.schools[int(rng.random() * len(self.schools))]
        # Intensity: most households never meet the police; a few meet them often.
        r = rng.random()
        hh.intensity = max(hh.intensity, 0.0 if r < 0.55 else (r - 0.55) * 5.0 if r < 0.95 else 6.0)
        for p in hh.people:
            if p.pnc and rng.random() < 0.4:
                hh.intensity += 1.0

    def remember(self, hh: Household) -> None:
        """Offer a household's people for other households' events (bounded rings)."""
        if hh.in_care:
            return
        for p in hh.adults:
            if not p.planted:
                self.recent_adults.append(p)
        start = self.clock.start
        for p in hh.children:
            if not p.planted and 12 <= p.age_on(start) <= 17:
                self.recent_teens.append(p)
