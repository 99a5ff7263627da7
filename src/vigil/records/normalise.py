"""Normal forms used to compare what sources write differently.

Kept free of Django so identity resolution, the rules and the importer share one definition.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")
_SPACE = re.compile(r"\s+")
_NON_DIGIT = re.compile(r"\D")
_SEPARATORS = re.compile(r"[\s\-/]+")


@lru_cache(maxsize=65536)
def postcode(value: str | None) -> str | None:
    """``b12 9qd`` and ``B129QD`` are one postcode: upper case, one space before the inward code."""
    if not value:
        return None
    compact = _SPACE.sub("", value).upper()
    if not compact:
        return None
    match = _POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else compact


@lru_cache(maxsize=65536)
def address_line(value: str | None) -> str | None:
    """What in an address identifies the dwelling: flat, building name, house number and street,
    in one written form (``Flat 4, 1 Henry Ave.`` and ``1 henry avenue, flat 4`` alike).

    The town, a county, a country and a postcode written into the text are left out; see
    :func:`location_key` for when the town counts.
    """
    parsed = _parse(value)
    return parsed[0] if parsed else None


@lru_cache(maxsize=65536)
def location_key(address: str | None, code: str | None) -> str | None:
    """ALERTS.md 'Address': addresses match on normalised postcode plus the first line of the
    address, the line being what identifies the dwelling (:func:`address_line`).

    With a postcode in the national format the key is ``"B12 9QD|flat 4 1 henry avenue"``.
    Without one (missing, or not a postcode, such as ``N/A``) the town must say where the street
    is: ``"|flat 4 1 henry avenue, coventry"``. An address without a postcode that names no
    town, or names no street or building (``Flat 4, Coventry``), identifies no dwelling and gives
    no key, so it places nobody with anybody; so do a postcode alone and a flat alone.
    """
    parsed = _parse(address)
    if parsed is None:
        return None
    line, town, named = parsed
    pc = postcode(code)
    if pc is not None and _POSTCODE.match(pc.replace(" ", "")):
        key = f"{pc}|{line}"
    elif town and named:
        key = f"|{line}, {town}"
    else:
        return None
    if len(key) > LOCATION_KEY_MAX:
        digest = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
        key = f"{key[: LOCATION_KEY_MAX - 17]}#{digest}"
    return key


# --- how an address is read -------------------------------------------------------------------

LOCATION_KEY_MAX = 300  # records.Location.key's column
_WORDS = re.compile(r"[a-z0-9]+")
_LETTER = re.compile(r"[a-z]")
_PARTS = re.compile(r"[,;\n]")
_APOSTROPHES = re.compile("['\u2019`]")
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?$")
_POSTCODE_OUTWARD = re.compile(r"^[a-z]{1,2}[0-9][0-9a-z]?$")
_POSTCODE_INWARD = re.compile(r"^[0-9][a-z]{2}$")
_POSTCODE_WHOLE = re.compile(r"^[a-z]{1,2}[0-9][0-9a-z]?[0-9][a-z]{2}$")
_FLAT_WORDS = frozenset({"flat", "flt", "apartment", "apt", "unit"})
_NUMBER_WORDS = frozenset({"no", "number", "num"})
# Written out the one way, so 'St', 'Rd' and 'Ave' match 'Street', 'Road' and 'Avenue'. 'st'
# is decided by where it stands ('St Mary's Road' is Saint, 'High St' is Street).
_ABBREVIATIONS = {
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "avn": "avenue",
    "ln": "lane",
    "cl": "close",
    "cres": "crescent",
    "cresc": "crescent",
    "cr": "crescent",
    "dr": "drive",
    "drv": "drive",
    "ct": "court",
    "crt": "court",
    "pl": "place",
    "sq": "square",
    "gdns": "gardens",
    "gdn": "gardens",
    "gr": "grove",
    "gro": "grove",
    "grv": "grove",
    "ter": "terrace",
    "terr": "terrace",
    "tce": "terrace",
    "wk": "walk",
    "pde": "parade",
    "blvd": "boulevard",
    "hse": "house",
    "ho": "house",
    "bldgs": "buildings",
    "mws": "mews",
    "sth": "south",
    "nth": "north",
    "upr": "upper",
    "lwr": "lower",
}
# The last word of a street's name ('Station Road'), so a street written without a number is
# still found; words that are also common in town names ('Green', 'Park', 'Hill') are not here.
_STREET_TYPES = frozenset(
    {
        "road",
        "street",
        "avenue",
        "lane",
        "close",
        "crescent",
        "drive",
        "court",
        "place",
        "square",
        "gardens",
        "grove",
        "terrace",
        "walk",
        "parade",
        "boulevard",
        "way",
        "rise",
        "mews",
        "row",
        "approach",
        "croft",
        "wharf",
        "quay",
        "highway",
    }
)
_EXPANDED = frozenset(_ABBREVIATIONS) | {"st", "saint"}
_FLAT_OR_NUMBER = _FLAT_WORDS | _NUMBER_WORDS
_DIRECTIONS = frozenset({"north", "south", "east", "west", "upper", "lower"})
_COUNTRIES = frozenset(
    {
        "uk",
        "u k",
        "gb",
        "united kingdom",
        "great britain",
        "england",
        "wales",
        "scotland",
        "northern ireland",
    }
)
# Counties written after the town ('Coventry, West Midlands'): not the town. Counties named
# '...shire' are recognised by that ending.
_COUNTIES = frozenset(
    {
        "west midlands",
        "greater manchester",
        "merseyside",
        "tyne and wear",
        "greater london",
        "kent",
        "essex",
        "surrey",
        "east sussex",
        "west sussex",
        "sussex",
        "norfolk",
        "suffolk",
        "devon",
        "cornwall",
        "dorset",
        "somerset",
        "cumbria",
        "northumberland",
        "rutland",
        "isle of wight",
        "middlesex",
        "avon",
        "cleveland",
        "county durham",
        "west yorkshire",
        "south yorkshire",
        "north yorkshire",
        "east yorkshire",
        "east riding of yorkshire",
    }
)


def _fold(value: str) -> str:
    """Lower case without accents ('Zoë Court' is 'zoe court') or apostrophes ('Mary's')."""
    if not value.isascii():
        value = "".join(
            c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)
        )
    return _APOSTROPHES.sub("", value.lower())


def _expand(words: list[str]) -> list[str]:
    if _EXPANDED.isdisjoint(words):
        return words
    out: list[str] = []
    for i, word in enumerate(words):
        if word in ("st", "saint"):
            # Saint when it opens a name (first, or after a house number) and a name follows.
            opens = not out or _HOUSE_NUMBER.match(out[-1]) is not None
            word = "saint" if opens and i + 1 < len(words) else "street"
        else:
            word = _ABBREVIATIONS.get(word, word)
        out.append(word)
    return out


def _take_flats(words: list[str], flats: list[str]) -> list[str]:
    """Move 'Flat 4', 'Apt. 4', 'Flat No 4' into ``flats``; 'No 12' becomes '12'."""
    if _FLAT_OR_NUMBER.isdisjoint(words):
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in _FLAT_WORDS:
            j = i + 1
            if j < len(words) and words[j] in _NUMBER_WORDS:
                j += 1
            if j < len(words) and (any(c.isdigit() for c in words[j]) or len(words[j]) == 1):
                flats.append(f"flat {words[j]}")
                i = j + 1
                continue
        if (
            word in _NUMBER_WORDS
            and i + 1 < len(words)
            and _HOUSE_NUMBER.match(words[i + 1])
            and out[-1:] != ["flat"]
        ):
            i += 1
            continue
        out.append(word)
        i += 1
    return out


def _without_postcode(words: list[str]) -> list[str]:
    if words and _POSTCODE_WHOLE.match(words[-1]):
        return words[:-1]
    if len(words) >= 2 and _POSTCODE_OUTWARD.match(words[-2]) and _POSTCODE_INWARD.match(words[-1]):
        return words[:-2]
    return words


def _is_numbered(words: list[str]) -> bool:
    """'12 Elm Road', '12a Elm Road': a house number followed by a name."""
    return any(
        w[0].isdigit() and _HOUSE_NUMBER.match(w) and _LETTER.search(words[i + 1])
        for i, w in enumerate(words[:-1])
    )


def _street_end(words: list[str]) -> int | None:
    """Index just past the last street-type word, keeping one direction after it."""
    for i in range(len(words) - 1, -1, -1):
        if words[i] in _STREET_TYPES and i > 0:
            end = i + 1
            if len(words) == end + 1 and words[end] in _DIRECTIONS:
                end += 1
            return end
    return None


@lru_cache(maxsize=65536)
def _parse(value: str | None) -> tuple[str, str | None, bool] | None:
    """(dwelling, town or None, whether the dwelling names a street or building)."""
    if not value:
        return None
    flats: list[str] = []
    parts: list[list[str]] = []
    for raw in _PARTS.split(_fold(value)):
        words = _WORDS.findall(raw)
        if not words:
            continue
        words = _without_postcode(words)
        if " ".join(words) in _COUNTRIES:
            continue
        words = _take_flats(_expand(words), flats)
        if words:
            parts.append(words)
    # The street: the first part with a house number and a name, else the last one ending
    # in a street type ('The Cottage, Mill Lane, Coventry').
    street = next((i for i, p in enumerate(parts) if _is_numbered(p)), None)
    if street is None:
        street = next(
            (
                i
                for i in range(len(parts) - 1, -1, -1)
                if parts[i][-1] in _STREET_TYPES and len(parts[i]) > 1
            ),
            None,
        )
    if street is None:  # a building or place: 'Bus station, Walsall'
        street = len(parts) - 2 if len(parts) >= 2 else len(parts) - 1
    dwelling = [w for p in parts[: street + 1] for w in p]
    rest = [" ".join(p) for p in parts[street + 1 :]]
    if not rest and street >= 0:
        # 'Flat 4 1 Henry Avenue Coventry': the town follows the street type, no comma between.
        end = _street_end(parts[street])
        if end is not None and end < len(parts[street]):
            dwelling = dwelling[: len(dwelling) - len(parts[street]) + end]
            rest = [" ".join(parts[street][end:])]
    rest = [r for r in rest if r not in _COUNTIES and not r.endswith("shire")] or rest
    if not dwelling:  # a flat of no known building ('Flat 4'), or nothing at all
        return None
    line = " ".join(flats + dwelling)
    named = _LETTER.search(" ".join(dwelling)) is not None
    return line, (rest[-1] if rest else None), named


def phone(value: str | None) -> str | None:
    """Digits only, with a UK international prefix written the national way (+44 7… = 07…)."""
    if not value:
        return None
    digits = _NON_DIGIT.sub("", value)
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits or None


def identifier(value: str | None) -> str | None:
    """Registrations, PNC ids and handles: upper case with spaces and separators removed."""
    if not value:
        return None
    cleaned = _SEPARATORS.sub("", value).upper()
    return cleaned or None


def address_town(value: str | None) -> str | None:
    """The town an address names, in the form :func:`location_key` uses (None when it names
    none): with the first line, what says two addresses written differently are one place."""
    parsed = _parse(value)
    return parsed[1] if parsed else None
