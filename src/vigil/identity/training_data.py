"""Messy synthetic mentions with known truth, for training the default model and for scale runs.

Households (parents and siblings sharing surname and address), mentioned together in records;
each mention garbled the way police records are: typos, nicknames, day and month swapped, a
missing date of birth with an officer's age estimate, a house move, a missing postcode, a
woman recorded under her previous surname. Common
names make namesakes; some households have twins. Identifiers (PNC, NHS, phone) are sparse.

Not the project's synthetic force (``vigil.synth``): this only needs what identity compares,
and must make a million rows in seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import pandas as pd
from nicknames import NickNamer

# Commonest first (the generator's weights fall with the position). The towns are the West
# Midlands', where Muhammad and Mohammed are among the commonest boys' names and Khan among the
# commonest surnames; the model's name frequencies (for stores too small to count their own)
# come from these mentions, so those names must be common here as they are there.
FEMALE = [
    "olivia",
    "amelia",
    "isla",
    "ava",
    "mia",
    "ivy",
    "lily",
    "isabella",
    "rosie",
    "sophia",
    "grace",
    "freya",
    "evie",
    "ella",
    "willow",
    "chloe",
    "poppy",
    "sophie",
    "emily",
    "charlotte",
    "jessica",
    "ruby",
    "daisy",
    "lucy",
    "holly",
    "megan",
    "kayleigh",
    "jade",
    "leah",
    "amber",
    "paige",
    "courtney",
    "shannon",
    "bethany",
    "danielle",
    "aisha",
    "fatima",
    "zainab",
    "maryam",
    "amira",
    "sarah",
    "emma",
    "rebecca",
    "laura",
    "hannah",
    "katie",
    "natalie",
    "gemma",
    "stacey",
    "kelly",
    "lisa",
    "michelle",
    "joanne",
    "victoria",
    "elizabeth",
    "margaret",
    "catherine",
    "jennifer",
    "abigail",
    "alexandra",
    "samantha",
    "rachel",
    "nicole",
]
MALE = [
    "oliver",
    "muhammad",
    "george",
    "mohammed",
    "noah",
    "arthur",
    "leo",
    "harry",
    "oscar",
    "archie",
    "jack",
    "charlie",
    "freddie",
    "theo",
    "thomas",
    "james",
    "william",
    "henry",
    "alfie",
    "joshua",
    "jacob",
    "tyler",
    "kyle",
    "liam",
    "connor",
    "callum",
    "jordan",
    "ryan",
    "reece",
    "brandon",
    "ali",
    "ibrahim",
    "yusuf",
    "omar",
    "hamza",
    "adam",
    "daniel",
    "matthew",
    "michael",
    "christopher",
    "david",
    "andrew",
    "robert",
    "richard",
    "anthony",
    "joseph",
    "benjamin",
    "samuel",
    "nicholas",
    "alexander",
    "edward",
    "jonathan",
    "patrick",
    "stephen",
    "peter",
    "darren",
    "wayne",
    "lee",
    "craig",
    "dean",
    "jamie",
    "luke",
    "nathan",
]
SURNAMES = [
    "smith",
    "jones",
    "khan",
    "williams",
    "taylor",
    "brown",
    "davies",
    "evans",
    "wilson",
    "thomas",
    "johnson",
    "roberts",
    "robinson",
    "thompson",
    "wright",
    "walker",
    "white",
    "edwards",
    "hughes",
    "green",
    "hall",
    "lewis",
    "harris",
    "clarke",
    "patel",
    "jackson",
    "wood",
    "turner",
    "martin",
    "cooper",
    "hill",
    "ward",
    "morris",
    "moore",
    "clark",
    "lee",
    "king",
    "baker",
    "harrison",
    "morgan",
    "allen",
    "james",
    "scott",
    "phillips",
    "watson",
    "davis",
    "parker",
    "price",
    "bennett",
    "young",
    "griffiths",
    "mitchell",
    "kelly",
    "cook",
    "carter",
    "richardson",
    "bailey",
    "collins",
    "bell",
    "shaw",
    "murphy",
    "miller",
    "cox",
    "richards",
    "marshall",
    "anderson",
    "simpson",
    "ellis",
    "adams",
    "singh",
    "begum",
    "wilkinson",
    "foster",
    "chapman",
    "powell",
    "webb",
    "rogers",
    "gray",
    "mason",
    "ali",
    "hunt",
    "hussain",
    "campbell",
    "matthews",
    "owen",
    "palmer",
    "holmes",
    "mills",
    "barnes",
    "knight",
    "lloyd",
    "butler",
    "russell",
    "barker",
    "fisher",
    "stevens",
    "jenkins",
    "murray",
    "dixon",
    "harvey",
    "graham",
    "pearson",
    "ahmed",
    "fletcher",
    "walsh",
    "kaur",
    "gibson",
    "howard",
    "andrews",
    "stewart",
    "elliott",
    "reynolds",
    "saunders",
    "payne",
    "fox",
    "ford",
    "pearce",
    "day",
    "brooks",
    "west",
    "lawrence",
    "cole",
    "atkinson",
    "bradley",
    "spencer",
    "gill",
    "dawson",
    "ball",
    "burton",
    "obrien",
    "watts",
    "rose",
    "booth",
    "perry",
    "ryan",
    "grant",
    "wells",
    "armstrong",
    "francis",
    "rees",
    "hayes",
    "hart",
    "hudson",
    "newman",
    "barrett",
    "kennedy",
    "robertson",
    "okafor",
    "nowak",
    "kowalski",
    "mensah",
]
STREETS = [
    "alder road",
    "birch close",
    "station road",
    "church street",
    "victoria road",
    "park lane",
    "elm grove",
    "high street",
    "mill lane",
    "queens road",
    "king street",
    "meadow way",
    "oak avenue",
    "school lane",
    "the crescent",
    "york road",
    "manor drive",
    "grange road",
    "windsor close",
    "chapel street",
]
TOWNS = (
    ("Birmingham", "B"),
    ("Coventry", "CV"),
    ("Wolverhampton", "WV"),
    ("Walsall", "WS"),
    ("Dudley", "DY"),
    ("Worcester", "WR"),
    ("Solihull", "B9"),
    ("West Bromwich", "B7"),
)
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Partnered women with a previous surname, and the share of their mentions that use it.
PREVIOUS_SURNAME_SHARE = 0.35
PREVIOUS_SURNAME_USED = 0.3

# The long tail: real surnames and street names are far more varied than any short list (the
# commonest 200 surnames cover about a quarter of people in England). Without a tail, blocks
# such as 'same surname sound and birth year' grow quadratically at a million mentions.
_STARTS = [
    "ash",
    "ald",
    "bar",
    "bel",
    "black",
    "brad",
    "brook",
    "cal",
    "car",
    "chad",
    "ches",
    "crom",
    "dal",
    "dun",
    "eld",
    "fair",
    "farn",
    "gar",
    "glen",
    "grant",
    "hal",
    "hart",
    "hay",
    "holl",
    "kel",
    "ken",
    "kings",
    "lang",
    "lind",
    "marl",
    "mel",
    "mont",
    "new",
    "nor",
    "oak",
    "pen",
    "ral",
    "red",
    "rich",
    "ros",
    "sher",
    "stan",
    "sud",
    "thorn",
    "wad",
    "wal",
    "west",
    "whit",
    "wood",
    "yar",
]
_MIDS = ("", "er", "en", "ing", "ow", "ley", "a", "el", "ins", "am")
_ENDS = [
    "ton",
    "ley",
    "wood",
    "field",
    "son",
    "by",
    "ham",
    "well",
    "ford",
    "worth",
    "stone",
    "bury",
    "croft",
    "more",
    "dale",
    "shaw",
    "hurst",
    "wick",
    "combe",
]
TAIL_SURNAMES = tuple(f"{a}{m}{e}" for a in _STARTS for m in _MIDS for e in _ENDS)
STREET_KINDS = ("Road", "Street", "Close", "Avenue", "Way", "Lane", "Drive", "Grove", "Crescent")


@dataclass
class _Person:
    pid: str
    forename: str
    middle: str | None
    surname: str
    dob: dt.date
    gender: str
    address: str
    postcode: str
    phone: str | None
    pnc: str | None
    nhs: str | None
    # A surname used before (a maiden name): records made before or after a marriage, or by
    # systems that never heard of it, still carry it.
    prev_surname: str | None = None


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text))
    op = rng.random()
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op < 0.3:
        return text[:i] + text[i + 1 :]
    if op < 0.6:
        return text[:i] + rng.choice(letters) + text[i + 1 :]
    if op < 0.8 and i < len(text) - 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice(letters) + text[i:]


class _Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.nick = NickNamer()
        self._nick_cache: dict[str, list[str]] = {}
        # Zipf-like name frequencies: a few very common surnames make namesakes.
        self.surname_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(SURNAMES))]
        self.fore_weights_f = [1.0 / (i + 1) ** 0.6 for i in range(len(FEMALE))]
        self.fore_weights_m = [1.0 / (i + 1) ** 0.6 for i in range(len(MALE))]
        self.serial = 0

    def nicknames(self, name: str) -> list[str]:
        if name not in self._nick_cache:
            self._nick_cache[name] = sorted(self.nick.nicknames_of(name))
        return self._nick_cache[name]

    def home(self) -> tuple[str, str]:
        rng = self.rng
        town, area = rng.choice(TOWNS)
        district = f"{area}{rng.randint(1, 40)}" if len(area) < 3 else area
        postcode = f"{district} {rng.randint(1, 9)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}"
        if rng.random() < 0.3:
            street = rng.choice(STREETS).title()
        else:
            street = f"{rng.choice(TAIL_SURNAMES).title()} {rng.choice(STREET_KINDS)}"
        return f"{rng.randint(1, 180)} {street}, {town}", postcode

    def surname(self) -> str:
        if self.rng.random() < 0.3:
            return self.rng.choices(SURNAMES, self.surname_weights)[0]
        return self.rng.choice(TAIL_SURNAMES)

    def forename(self, gender: str) -> str:
        if gender == "female":
            return self.rng.choices(FEMALE, self.fore_weights_f)[0]
        return self.rng.choices(MALE, self.fore_weights_m)[0]

    def person(
        self,
        surname: str,
        dob: dt.date,
        gender: str,
        address: str,
        postcode: str,
        forename: str | None = None,
    ) -> _Person:
        rng = self.rng
        self.serial += 1
        age_2014 = 2014 - dob.year
        return _Person(
            pid=f"T{self.serial}",
            forename=forename or self.forename(gender),
            middle=self.forename(gender) if rng.random() < 0.4 else None,
            surname=surname,
            dob=dob,
            gender=gender,
            address=address,
            postcode=postcode,
            phone=f"07{rng.randint(100000000, 999999999)}" if rng.random() < 0.3 else None,
            pnc=(
                f"{rng.randint(90, 99) if age_2014 > 30 else rng.randint(0, 14):02d}/"
                f"{rng.randint(100000, 999999)}{rng.choice(_LETTERS)}"
            )
            if age_2014 >= 12 and rng.random() < 0.15
            else None,
            nhs=str(rng.randint(4000000000, 4999999999)) if rng.random() < 0.1 else None,
        )

    def household(self) -> list[_Person]:
        rng = self.rng
        surname = self.surname()
        address, postcode = self.home()
        mother_dob = dt.date(rng.randint(1965, 1996), rng.randint(1, 12), rng.randint(1, 28))
        people = [self.person(surname, mother_dob, "female", address, postcode)]
        if rng.random() < 0.7:
            father_dob = mother_dob - dt.timedelta(days=rng.randint(-1500, 3000))
            people.append(self.person(surname, father_dob, "male", address, postcode))
            if rng.random() < PREVIOUS_SURNAME_SHARE:
                people[0].prev_surname = self.surname()
        n_children = rng.choices([0, 1, 2, 3, 4], [0.1, 0.3, 0.3, 0.2, 0.1])[0]
        first_born = mother_dob.year + rng.randint(17, 30)
        used: set[str] = set()
        year = first_born
        twins_done = False
        for _ in range(n_children):
            gender = rng.choice(["female", "male"])
            forename = self.forename(gender)
            while forename in used:
                forename = self.forename(gender)
            used.add(forename)
            if people[-1].dob.year >= 1998 and not twins_done and rng.random() < 0.05:
                dob = people[-1].dob  # twins: same date of birth, different forename
                twins_done = True
            else:
                year += rng.randint(1, 4)
                dob = dt.date(min(year, 2013), rng.randint(1, 12), rng.randint(1, 28))
            people.append(self.person(surname, dob, gender, address, postcode, forename))
        return people

    def garble(self, p: _Person, occurred: dt.date) -> dict[str, Any]:
        rng = self.rng
        forename: str | None = p.forename
        roll = rng.random()
        nicks = self.nicknames(p.forename)
        if roll < 0.08 and nicks:
            forename = rng.choice(nicks)
        elif roll < 0.16:
            forename = _typo(rng, p.forename)
        elif roll < 0.18:
            forename = None
        elif roll < 0.20 and p.middle:
            forename = p.middle  # known by their middle name
        surname: str | None = p.surname
        roll = rng.random()
        if roll < 0.08:
            surname = _typo(rng, p.surname)
        elif roll < 0.10:
            surname = None
        elif roll < 0.11:
            surname = f"{p.surname}-{self.surname()}"  # a double-barrelled name in one system
        if p.prev_surname and surname == p.surname and rng.random() < PREVIOUS_SURNAME_USED:
            surname = p.prev_surname
        if forename and surname and rng.random() < 0.015:
            forename, surname = surname, forename  # written the wrong way round
        aliases: list[str] | None = None
        if rng.random() < 0.03:
            aliases = [f"{self.forename(p.gender)} {p.surname}"]
            if nicks:
                aliases.append(rng.choice(nicks))
        dob: str | None = p.dob.isoformat()
        age: int | None = None
        roll = rng.random()
        if roll < 0.05 and p.dob.day <= 12 and p.dob.day != p.dob.month:
            dob = f"{p.dob.year}-{p.dob.day:02d}-{p.dob.month:02d}"
        elif roll < 0.10:
            dob = _typo_date(rng, p.dob)
        elif roll < 0.18:
            dob = None
            years = (occurred - p.dob).days // 365
            age = max(0, years + rng.choice([-1, 0, 0, 0, 1]))
        elif roll < 0.21:
            dob = None
        address: str | None = p.address
        postcode: str | None = p.postcode
        roll = rng.random()
        if roll < 0.10:
            address, postcode = self.home()  # moved, or a record made elsewhere
        elif roll < 0.15:
            postcode = None
        elif roll < 0.18:
            address = None
            postcode = None
        elif roll < 0.20 and postcode:
            postcode = _typo(rng, postcode.replace(" ", "")).upper()
        gender: str | None = p.gender if rng.random() > 0.05 else None

        def case(s: str | None) -> str | None:
            if s is None:
                return None
            return s.upper() if rng.random() < 0.1 else s.title()

        return {
            "forename": case(forename),
            "middle_names": case(p.middle) if p.middle and rng.random() < 0.5 else None,
            "surname": case(surname),
            "aliases": aliases,
            "date_of_birth": dob,
            "age_estimate": age,
            "occurred_on": occurred.isoformat(),
            "gender": gender,
            "address": address,
            "postcode": postcode,
            "phone": p.phone if rng.random() < 0.6 else None,
            "pnc": p.pnc if rng.random() < 0.7 else None,
            "nhs": p.nhs if rng.random() < 0.7 else None,
            "true_person": p.pid,
        }


def _typo_date(rng: random.Random, dob: dt.date) -> str:
    text = dob.isoformat()
    for _ in range(10):
        i = rng.choice([2, 3, 6, 8, 9])
        candidate = text[:i] + str(rng.randint(0, 9)) + text[i + 1 :]
        if candidate != text:
            try:
                dt.date.fromisoformat(candidate)
                return candidate
            except ValueError:
                continue
    return text


def make_mentions(n_mentions: int, seed: int = 7) -> pd.DataFrame:
    """About ``n_mentions`` input rows with a ``true_person`` column (the truth).

    Each record names one household's members (or a subset); households recur across records.
    """
    maker = _Maker(seed)
    rng = maker.rng
    rows: list[dict[str, Any]] = []
    n_households = max(1, n_mentions // 9)
    households = [maker.household() for _ in range(n_households)]
    record_no = 0
    start = dt.date(2010, 1, 1)
    while len(rows) < n_mentions:
        family = rng.choice(households)
        record_no += 1
        occurred = start + dt.timedelta(days=rng.randint(0, 365 * 5))
        k = rng.randint(1, len(family))
        named = rng.sample(family, k)
        rkey = f"synth|R{record_no}"
        for i, person in enumerate(named):
            if person.dob > occurred:
                continue
            row = maker.garble(person, occurred)
            row["mention_key"] = f"{rkey}|m{i}"
            row["record_key"] = rkey
            rows.append(row)
    frame = pd.DataFrame(rows[:n_mentions])
    return frame[
        [
            "mention_key",
            "record_key",
            *[c for c in frame.columns if c not in ("mention_key", "record_key")],
        ]
    ]
