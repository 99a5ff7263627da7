"""Name, street and place pools drawn once from Faker's en_GB locale (seeded per instance).

Calling Faker for every person would cost far more than the whole rest of generation, so the
pools are drawn up front (repeated draws keep Faker's frequency weighting) and the hot loop picks
from them with a plain ``random.Random``. Faker's en_GB lists skew to older Anglo names, so a
short supplement adds names common among children and among British Asian, African and Polish
families, as a real force's records would show.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from faker import Faker

FEMALE_EXTRA = (
    "Kayleigh",
    "Chloe",
    "Olivia",
    "Amelia",
    "Jade",
    "Courtney",
    "Shannon",
    "Leah",
    "Aisha",
    "Fatima",
    "Zainab",
    "Maryam",
    "Amira",
    "Precious",
    "Blessing",
    "Zuzanna",
    "Natalia",
    "Harper",
    "Ruby",
    "Poppy",
    "Isla",
    "Evie",
    "Lacey",
    "Demi",
    "Kelsey",
    "Ellie-Mae",
    "Tia",
    "Siobhan",
    "Niamh",
    "Priya",
    "Simran",
    "Jasmine",
    "Nadia",
    "Layla",
    "Hollie",
    "Megan",
)
MALE_EXTRA = (
    "Mohammed",
    "Muhammad",
    "Ibrahim",
    "Yusuf",
    "Ahmed",
    "Bilal",
    "Tyler",
    "Jayden",
    "Kai",
    "Callum",
    "Connor",
    "Reece",
    "Liam",
    "Kieran",
    "Harvey",
    "Alfie",
    "Charlie",
    "Oliver",
    "Harry",
    "Archie",
    "Riley",
    "Mason",
    "Jakub",
    "Kacper",
    "Chidi",
    "Emeka",
    "Kwame",
    "Arjun",
    "Harjit",
    "Darren",
    "Dwayne",
    "Leon",
    "Jordan",
    "Ryan",
    "Lewis",
    "Bradley",
)
SURNAME_EXTRA = (
    "Khan",
    "Ahmed",
    "Hussain",
    "Ali",
    "Begum",
    "Patel",
    "Singh",
    "Kaur",
    "Akhtar",
    "Iqbal",
    "Mahmood",
    "Rahman",
    "Nowak",
    "Kowalski",
    "Wisniewski",
    "Okafor",
    "Mensah",
    "Adeyemi",
    "Campbell",
    "McDonald",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Collins",
    "Ward",
    "Price",
)
# Names of children born from the late 1990s (ONS top names), for children of the force.
GIRLS = (
    "Olivia",
    "Amelia",
    "Emily",
    "Sophie",
    "Jessica",
    "Lily",
    "Grace",
    "Mia",
    "Ava",
    "Chloe",
    "Ella",
    "Isabella",
    "Evie",
    "Ruby",
    "Poppy",
    "Isla",
    "Freya",
    "Holly",
    "Megan",
    "Lauren",
    "Courtney",
    "Jade",
    "Shannon",
    "Kayleigh",
    "Leah",
    "Abigail",
    "Millie",
    "Daisy",
    "Aisha",
    "Maryam",
    "Zainab",
    "Amira",
    "Lacey",
    "Tia",
    "Ellie-Mae",
    "Hollie",
    "Layla",
    "Niamh",
)
BOYS = (
    "Oliver",
    "Jack",
    "Harry",
    "Charlie",
    "Thomas",
    "Joshua",
    "James",
    "Daniel",
    "Samuel",
    "Joseph",
    "Ethan",
    "Jacob",
    "Noah",
    "Leo",
    "Oscar",
    "Alfie",
    "Archie",
    "Riley",
    "Mason",
    "Tyler",
    "Jayden",
    "Kai",
    "Callum",
    "Connor",
    "Reece",
    "Kieran",
    "Liam",
    "Lewis",
    "Bradley",
    "Mohammed",
    "Muhammad",
    "Ibrahim",
    "Yusuf",
    "Bilal",
    "Jakub",
    "Kacper",
    "Harvey",
    "Logan",
)
STREET_SUFFIXES = (
    "Road",
    "Road",
    "Road",
    "Street",
    "Street",
    "Lane",
    "Close",
    "Avenue",
    "Grove",
    "Drive",
    "Crescent",
    "Way",
    "Gardens",
    "Place",
    "Walk",
    "Terrace",
    "Rise",
    "Court",
)
CARE_HOME_WORDS = (
    "Meadow",
    "Oak",
    "Willow",
    "Beech",
    "Cedar",
    "Maple",
    "Rowan",
    "Hawthorn",
    "Larch",
    "Elm",
    "Holly",
    "Birch",
    "Ash",
    "Laurel",
    "Hazel",
    "Juniper",
)
CARE_HOME_KINDS = ("House", "Lodge", "View", "Court")
SCHOOL_KINDS = (
    "Primary School",
    "Primary School",
    "Academy",
    "High School",
    "Church of England Primary School",
    "Community College",
    "Junior School",
)

# (town, postcode districts) for a West Midlands-style force area. The outward codes are real
# districts; the inward codes are generated, so they look right but are not real addresses.
TOWNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Birmingham",
        tuple(
            f"B{n}"
            for n in (
                1,
                4,
                5,
                6,
                7,
                8,
                9,
                10,
                11,
                12,
                13,
                14,
                15,
                16,
                17,
                18,
                19,
                20,
                21,
                23,
                24,
                25,
                26,
                27,
                28,
                29,
                30,
                31,
                32,
                33,
                34,
                35,
                36,
                38,
                42,
                43,
                44,
            )
        ),
    ),
    ("Coventry", tuple(f"CV{n}" for n in (1, 2, 3, 4, 5, 6))),
    ("Wolverhampton", tuple(f"WV{n}" for n in (1, 2, 3, 4, 6, 10, 11, 14))),
    ("Walsall", tuple(f"WS{n}" for n in (1, 2, 3, 4, 5, 8, 9))),
    ("Dudley", ("DY1", "DY2", "DY3")),
    ("Solihull", ("B90", "B91", "B92", "B93")),
    ("Sutton Coldfield", ("B72", "B73", "B74", "B75", "B76")),
    ("West Bromwich", ("B70", "B71")),
    ("Smethwick", ("B66", "B67")),
    ("Halesowen", ("B62", "B63")),
    ("Stourbridge", ("DY8", "DY9")),
)
# Inward codes never use C, I, K, M, O or V in their letters.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
T = TypeVar("T")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` without its rejection loop: several times faster, equally seeded."""
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, lo: int, hi: int) -> int:
    """An integer in [lo, hi), like ``rng.randrange(lo, hi)`` but cheaper."""
    return lo + int(rng.random() * (hi - lo))


@dataclass(frozen=True, slots=True)
class Pools:
    female: tuple[str, ...]
    male: tuple[str, ...]
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]


def draw_pools(seed: int, size: int = 3000) -> Pools:
    """Weighted pools of names and streets from a seeded en_GB Faker (never global state)."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    female = [fake.first_name_female() for _ in range(size)] + list(FEMALE_EXTRA) * 8
    male = [fake.first_name_male() for _ in range(size)] + list(MALE_EXTRA) * 8
    surnames = [fake.last_name() for _ in range(size)] + list(SURNAME_EXTRA) * 10
    # Faker's en_GB street names ("Tucker Track") read oddly; a surname or a tree plus a common
    # suffix looks like a real British street.
    pick = random.Random(seed ^ 0x5EED)
    stems = [fake.last_name() for _ in range(600)] + list(CARE_HOME_WORDS) * 4
    streets = sorted({f"{pick.choice(stems)} {pick.choice(STREET_SUFFIXES)}" for _ in range(2500)})
    return Pools(tuple(female), tuple(male), GIRLS, BOYS, tuple(surnames), tuple(streets))


def postcode(rng: random.Random, districts: tuple[str, ...]) -> str:
    letters = INWARD_LETTERS
    return (
        f"{districts[int(rng.random() * len(districts))]} {int(rng.random() * 10)}"
        f"{letters[int(rng.random() * 20)]}{letters[int(rng.random() * 20)]}"
    )


# Identifiers are unique by construction, never drawn at random: at a million people random
# PNC ids, NHS numbers, phones and number plates would collide by the hundred (birthday
# problem), and a shared identifier is strong evidence that two mentions are one person, or
# that two people are associated. Each is a bijection of a unique integer (a person's ``uid``
# or a per-block object serial), scrambled so that neighbours do not look alike.
_SCRAMBLE = 7919  # prime, so coprime to every modulus used below


def scramble(n: int, modulus: int) -> int:
    """A permutation of range(modulus): distinct inputs give distinct outputs."""
    return (n * _SCRAMBLE + 104_729) % modulus


def nhs_text(uid: int) -> str:
    """A unique NHS-style number with a valid modulus-11 check digit (unique for uid < 27M).

    Each uid owns 11 consecutive bodies (one of any 11 has a valid check digit) in 400-700
    million: NHS England numbers start 4-6; 999 is the test range."""
    body = 400_000_000 + 11 * scramble(uid, 27_000_000)
    while True:
        text = str(body)
        check = (11 - sum(int(d) * (10 - i) for i, d in enumerate(text)) % 11) % 11
        if check != 10:
            return f"{text[:3]} {text[3:6]} {text[6:]}{check}"
        body += 1


def pnc_id(uid: int, year: int) -> str:
    """PNC-style id: year of first arrest, a serial unique to the person, a check letter."""
    serial = scramble(uid, 10**8)
    return f"{year % 100:02d}/{serial:08d}{'ABCDEFGHJKLMNPQRTUVWXYZ'[serial % 23]}"


def mobile(uid: int) -> str:
    """A person's own mobile number (07 then 0-4...; unknown numbers use 5-9, see below)."""
    digits = f"{scramble(uid, 500_000_000):09d}"
    return f"07{digits[:3]} {digits[3:]}"


def unknown_mobile(rng: random.Random) -> str:
    """A number nobody in the population owns (burner phones): a range of its own."""
    digits = f"{500_000_000 + int(rng.random() * 500_000_000):09d}"
    return f"07{digits[:3]} {digits[3:]}"


_AREA = "ABCDEFGHKLMNOPRSVWXY"
_TAIL = "ABCDEFGHJKLMNOPRSTUVWXYZ"
_AGES = (8, 58, 9, 59, 10, 60, 11, 61, 12, 62, 13, 63, 14, 64, 5, 55, 7, 57)
_PLATES = len(_AREA) ** 2 * len(_AGES) * len(_TAIL) ** 3


def vehicle_registration(serial: int) -> str:
    """A current-format British plate (area letters, age identifier, three letters), one per
    serial: the serial is scrambled over every possible plate, then spelt out."""
    n = scramble(serial, _PLATES)
    n, t3 = divmod(n, len(_TAIL))
    n, t2 = divmod(n, len(_TAIL))
    n, t1 = divmod(n, len(_TAIL))
    n, age = divmod(n, len(_AGES))
    a1, a2 = divmod(n, len(_AREA))
    return f"{_AREA[a1]}{_AREA[a2]}{_AGES[age]:02d} {_TAIL[t1]}{_TAIL[t2]}{_TAIL[t3]}"
