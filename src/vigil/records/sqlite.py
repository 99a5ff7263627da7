"""SQLite settings the importer changes for its duration, on Django's connection."""

from __future__ import annotations

from django.db import connection


def set_pragma(name: str, value: int) -> int:
    """Set an integer pragma on the connection; return what it was, to be put back after."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA {name} = {int(value)}")
    return before
