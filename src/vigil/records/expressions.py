"""Expressions over a record's payload that queries and indexes share: an index on an
expression serves only a query that compiles to the same expression, so both take it from here."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, Func


class PayloadText(Func):
    """A top-level payload field as text, read once; JSON null and a missing key are both SQL
    NULL. (A key lookup such as ``payload__decision_at=None`` reads the field three times per
    row on SQLite, on every referral ever made.)"""

    output_field = CharField()

    def __init__(self, key: str) -> None:
        if not key.isidentifier():
            raise ValueError(key)
        self.key = key
        super().__init__(F("payload"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template=f"JSON_EXTRACT(%(expressions)s, '$.{self.key}')"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"(%(expressions)s ->> '{self.key}')")
