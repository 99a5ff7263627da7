"""Mentions: how one true person is written down on one record, with realistic identity noise.

Police data names the same child a dozen slightly different ways: a misspelt surname, a
nickname, day and month swapped in the date of birth, no date of birth at all, an old address.
Each mention gets at most one name-or-date error (rates in ``config``), drawn independently of
the address and identifier noise, so most mentions stay clean, as in real systems. Planted
situations ask for ``clean`` mentions: their expectations name specific mentions and must not
depend on identity resolution undoing an error.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import lru_cache
from typing import Any

from . import config as C
from .clock import DAY
from .names import nhs_text, pick
from .population import Person

# Spelling variants the nickname database does not hold but British records are full of.
VARIANTS: dict[str, tuple[str, ...]] = {
    "Kayleigh": ("Kayley", "Kaylee", "Kayleigh-Ann"),
    "Mohammed": ("Muhammad", "Mohammad", "Mohamed", "Mo"),
    "Muhammad": ("Mohammed", "Mohammad", "Mo"),
    "Chloe": ("Cloe", "Chloé"),
    "Stephen": ("Steven", "Steve"),
    "Steven": ("Stephen", "Steve"),
    "Sarah": ("Sara",),
    "Jade": ("Jayde",),
    "Leah": ("Lea", "Leigh"),
    "Ellie-Mae": ("Ellie", "Ellie Mae"),
    "Aisha": ("Ayesha", "Aysha"),
    "Zainab": ("Zaynab",),
    "Jakub": ("Kuba", "Jacob"),
    "Reece": ("Rhys", "Reese"),
    "Connor": ("Conor",),
    "Siobhan": ("Shivaun",),
    "Niamh": ("Neve",),
    "Lewis": ("Louis",),
    "Hollie": ("Holly",),
}

_KEYBOARD_NEIGHBOURS = {
    "a": "sq",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}
_NAME_NOISE = (
    ("misspell", C.NOISE_MISSPELL),
    ("nickname", C.NOISE_NICKNAME),
    ("dob_swap", C.NOISE_DOB_SWAP),
    ("dob_typo", C.NOISE_DOB_TYPO),
    ("dob_missing", C.NOISE_DOB_MISSING),
    ("alias", C.NOISE_ALIAS),
)
_NAME_NOISE_TOTAL = sum(rate for _, rate in _NAME_NOISE)
# The same rates as thresholds on 8 random bits (1/256 resolution is plenty for noise).
_NO_POSTCODE = round(C.NOISE_POSTCODE_MISSING * 256)
_PHONE = round(C.PHONE_SHOWN * 256)
_PNC = round(C.IDENT_PNC_SHOWN * 256)
_NHS = round(C.IDENT_NHS_SHOWN * 256)
_DROP_MIDDLE = round(C.NOISE_NO_MIDDLE_NAME * 256)


@lru_cache(maxsize=1)
def _nickname_table() -> dict[str, tuple[str, ...]]:
    # One per process: the package's table is large and every block would otherwise load it.
    table = dict(VARIANTS)
    try:
        from nicknames import NickNamer
    except ImportError:  # the small table above is enough without the package
        return table
    namer = NickNamer()
    cache: dict[str, tuple[str, ...]] = {}

    def lookup(name: str) -> tuple[str, ...]:
        if name not in cache:
            found = sorted(n.capitalize() for n in namer.nicknames_of(name.lower()) if len(n) > 2)
            cache[name] = tuple(found[:6])
        return cache[name]

    return _LazyTable(table, lookup)


class _LazyTable(dict[str, tuple[str, ...]]):
    """Looks a forename up in the nickname package the first time it is needed."""

    def __init__(self, base: dict[str, tuple[str, ...]], lookup: Any) -> None:
        super().__init__(base)
        self._lookup = lookup

    def __missing__(self, name: str) -> tuple[str, ...]:
        found: tuple[str, ...] = self._lookup(name)
        self[name] = found
        return found


def misspell(rng: random.Random, name: str) -> str:
    """One edit: a neighbouring key, a dropped or doubled letter, or two letters swapped."""
    if len(name) < 3:
        return name + name[-1]
    i = rng.randrange(1, len(name))  # keep the initial: clerks rarely get that wrong
    kind = rng.randrange(4)
    ch = name[i]
    if kind == 0 and ch.lower() in _KEYBOARD_NEIGHBOURS:
        sub = pick(rng, _KEYBOARD_NEIGHBOURS[ch.lower()])
        return name[:i] + (sub.upper() if ch.isupper() else sub) + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + ch + name[i:]
    if i < len(name) - 1 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + ch + name[i:]


def _age(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _plausible(wrong: dt.date, dob: dt.date, day: dt.date) -> bool:
    """A wrong date of birth a record of ``day`` may carry: not in the future (source systems
    refuse it) and not turning an adult into a child or a child into an adult there, which
    would make the rules find what never happened (a 25-year-old in custody with no
    appropriate adult). Noise is to test identity resolution, not the rules."""
    return wrong <= day and (_age(wrong, day) < 18) == (_age(dob, day) < 18)


def swapped_dob(dob: dt.date, day: dt.date) -> str | None:
    """Day and month swapped, if possible on a record of ``day``."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    swapped = dt.date(dob.year, dob.day, dob.month)
    return swapped.isoformat() if _plausible(swapped, dob, day) else None


def typo_dob(rng: random.Random, dob: dt.date, day: dt.date) -> str | None:
    """One digit mistyped, as it may be on a record of ``day``."""
    text = dob.isoformat()
    for _ in range(4):
        i = pick(rng, (2, 3, 5, 6, 8, 9))  # not the century: nobody writes 1914 for 2014
        candidate = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
        if candidate == text:
            continue
        try:
            if not _plausible(dt.date.fromisoformat(candidate), dob, day):
                continue
        except ValueError:
            continue
        return candidate
    return None


class Mentioner:
    """Builds mention dicts; owns the noise decisions so they are seeded and in one place."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nicknames = _nickname_table()
        self.noisy = 0  # mentions that carry at least one identity error (for the summary)

    def mention(
        self,
        p: Person,
        role: str,
        mid: str,
        ts: int,
        clean: bool = False,
        pnc: bool = False,
        nhs: bool = False,
        extra: dict[str, Any] | None = None,
        local: bool = False,
    ) -> dict[str, Any]:
        """``p`` as written on a record at ``ts``. ``pnc``/``nhs`` say the system holds ids;
        ``local`` that it has its own person id (children's social care does)."""
        rng = self.rng
        hh = p.household
        homes = hh.homes
        home = homes[0][1] if len(homes) == 1 else hh.address_at(ts)
        m: dict[str, Any] = {"mention_id": mid, "role": role}
        template = p.template
        if template is None:
            template = p.template = _template(p)
        m.update(template)  # the clean rendering, in contract field order
        # One draw of 40 bits settles the five frequent yes/no choices (8 bits each): this runs
        # for every mention, and separate draws cost more than the rest of the function.
        bits = rng.getrandbits(40)
        if not clean:
            noisy = False
            if p.prev_surname and rng.random() < C.NOISE_PREVIOUS_SURNAME:
                m["surname"] = p.prev_surname
                noisy = True
            if rng.random() < _NAME_NOISE_TOTAL:
                noisy = True
                self._name_noise(p, m, ts)
            if p.middle and (bits >> 32) < _DROP_MIDDLE:
                del m["middle_names"]
            if len(homes) > 1 and homes[-1][0] <= ts and rng.random() < C.NOISE_STALE_ADDRESS:
                home = hh.previous_address_at(ts) or home
                noisy = True
            if noisy:
                self.noisy += 1
        m["address"] = home.line
        if clean or (bits & 255) >= _NO_POSTCODE:
            m["postcode"] = home.postcode
        if p.phone and (bits >> 8 & 255) < _PHONE:
            m["phone"] = p.phone
        if p.pnc or p.nhs:
            ids: dict[str, str] = {}
            if p.pnc and (pnc or (bits >> 16 & 255) < _PNC):
                ids["pnc"] = p.pnc
            if p.nhs and (nhs or (not clean and (bits >> 24 & 255) < _NHS)):
                if type(p.nhs) is int:  # the person's uid until first written, then the text
                    p.nhs = nhs_text(p.nhs)
                ids["nhs"] = p.nhs  # type: ignore[assignment]
            if ids:
                m["identifiers"] = ids
        if local:
            m.setdefault("identifiers", {})["local_person_id"] = local_person_id(p.pid)
        if p.flags:
            m["flags"] = list(p.flags)
        if extra:
            for key, value in extra.items():
                if key == "flags":
                    if value:
                        m["flags"] = sorted(set(m.get("flags", ())) | set(value))
                else:
                    m[key] = value
        return m

    def _name_noise(self, p: Person, m: dict[str, Any], ts: int) -> None:
        """Exactly one error in the name or date of birth (or an alias recorded)."""
        rng = self.rng
        kind = self._pick_noise()
        forename = m["forename"]
        if kind == "misspell":
            if rng.random() < 0.5:
                m["forename"] = misspell(rng, forename)
            else:
                m["surname"] = misspell(rng, m["surname"])
        elif kind == "nickname":
            options = self.nicknames[forename]
            m["forename"] = pick(rng, options) if options else misspell(rng, forename)
        elif kind == "dob_swap":
            day = _date(ts)
            m["date_of_birth"] = swapped_dob(p.dob, day) or typo_dob(rng, p.dob, day)
        elif kind == "dob_typo":
            m["date_of_birth"] = typo_dob(rng, p.dob, _date(ts))
        elif kind == "dob_missing":
            m["date_of_birth"] = None
            age = p.age_on(_date(ts))
            guess = max(0, age + pick(rng, (-1, 0, 0, 0, 1, 2)))
            m["age_estimate"] = guess if (guess < 18) == (age < 18) else age  # as _plausible
        else:
            options = self.nicknames[forename]
            m["aliases"] = [
                f"{pick(rng, options)} {m['surname']}"
                if options and rng.random() < 0.6
                else f"{forename} {p.prev_surname or misspell(rng, m['surname'])}"
            ]

    def _pick_noise(self) -> str:
        r = self.rng.random() * _NAME_NOISE_TOTAL
        for kind, rate in _NAME_NOISE:
            r -= rate
            if r < 0:
                return kind
        return _NAME_NOISE[-1][0]


_EPOCH = dt.date(1970, 1, 1).toordinal()


def local_person_id(pid: str) -> str:
    """A social care system's own id for a person: stable and unique. Multiplying by a number
    coprime to 10 permutes 10-digit numbers, so no two people share one (care home staff, whose
    ids start with S, are moved to a range people's ids never reach)."""
    n = int(pid[1:]) + (9 * 10**9 if pid[0] == "S" else 0)
    return f"LCS{(n * 7919 + 1_234_567) % 10**10:010d}"


def _template(p: Person) -> dict[str, Any]:
    # Built once per person: most of a mention is the same every time the person is named.
    t: dict[str, Any] = {"forename": p.forename}
    if p.middle:
        t["middle_names"] = p.middle
    t["surname"] = p.surname
    t["date_of_birth"] = p.dob_iso
    t["gender"] = p.gender
    return t


def _date(ts: int) -> dt.date:
    return dt.date.fromordinal(_EPOCH + ts // DAY)
