"""Normal forms used to compare what sources write differently.

Kept free of Django so identity resolution, the rules and the importer share one definition.
"""

from __future__ import annotations

import re
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
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
    """The first line of an address, lower case, punctuation and repeated spaces removed."""
    if not value:
        return None
    first = value.split(",", 1)[0]
    cleaned = _NON_ALNUM.sub(" ", first.lower()).strip()
    return cleaned or None


@lru_cache(maxsize=65536)
def location_key(address: str | None, code: str | None) -> str | None:
    """ALERTS.md: addresses match on normalised postcode plus the first line of the address."""
    line, pc = address_line(address), postcode(code)
    if not line and not pc:
        return None
    return f"{pc or ''}|{line or ''}"


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
