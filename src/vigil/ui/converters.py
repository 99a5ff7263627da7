"""Path converters for Vigil's own ids, so an odd path (a NUL, a slash, spaces, thousands of
characters) never reaches a query: it does not match, and the answer is 404."""

from __future__ import annotations

from django.urls import register_converter


class RefConverter:
    """An internal id such as a person's (``P3fa2…``) or an alert's (``A-9c1e…``): letters,
    digits, ``-``, ``_``, ``.`` and ``:``, at most 80 characters (the longest id column)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class BigIntConverter:
    """A positive database key that fits a 64-bit integer (Django's ``int`` takes any length,
    and a 19-digit number overflows the database's integer)."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(RefConverter, "ref")
register_converter(BigIntConverter, "key")
