"""Small builders for rule tests: records as the contract writes them, people by a test id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vigil.records.contract import parse_record
from vigil.rules import Casebook, Finding, MentionKey, Policy, RecordKey, evaluate

CHILD = {
    "forename": "Amy",
    "surname": "Ward",
    "date_of_birth": "2005-03-01",
    "address": "1 Elm Road, Town",
    "postcode": "TN1 1AA",
}
SIBLING = {
    "forename": "Ben",
    "surname": "Ward",
    "date_of_birth": "2007-06-01",
    "address": "1 Elm Road, Town",
    "postcode": "TN1 1AA",
}
MOTHER = {
    "forename": "Cara",
    "surname": "Ward",
    "date_of_birth": "1980-01-01",
    "address": "1 Elm Road, Town",
    "postcode": "TN1 1AA",
}
FATHER = {
    "forename": "Dan",
    "surname": "Ward",
    "date_of_birth": "1978-01-01",
    "address": "1 Elm Road, Town",
    "postcode": "TN1 1AA",
}
STRANGER = {
    "forename": "Eve",
    "surname": "Hill",
    "date_of_birth": "1970-01-01",
    "address": "9 Oak Lane, City",
    "postcode": "CT9 9ZZ",
}
OTHER_CHILD = {
    "forename": "Finn",
    "surname": "Moss",
    "date_of_birth": "2004-02-02",
    "address": "5 Ash Close, City",
    "postcode": "CT5 5AA",
}
HOME = {"address": "1 Elm Road, Town", "postcode": "TN1 1AA", "premises_type": "private_dwelling"}

PEOPLE = {
    "amy": CHILD,
    "ben": SIBLING,
    "cara": MOTHER,
    "dan": FATHER,
    "eve": STRANGER,
    "finn": OTHER_CHILD,
}


def t(text: str) -> dt.datetime:
    """'2014-06-01 10:00' as an aware UTC moment (the tests' clock)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def iso(text: str) -> str:
    return t(text).isoformat()


class Case:
    """Records about a few people, with identity fixed by the test."""

    def __init__(self) -> None:
        self.records: list[Any] = []
        self.identity: dict[MentionKey, str] = {}

    def add(
        self,
        record_type: str,
        source_id: str,
        at: str,
        people: list[tuple[str, str]] | list[tuple[str, str, dict[str, Any]]],
        system: str = "sys",
        **fields: Any,
    ) -> RecordKey:
        """people: (person id, role) or (person id, role, mention fields)."""
        mentions = []
        for index, entry in enumerate(people):
            person, role = entry[0], entry[1]
            extra = entry[2] if len(entry) > 2 else {}  # type: ignore[misc]
            mention_id = f"m{index}"
            mentions.append(
                {"mention_id": mention_id, "role": role, **PEOPLE.get(person, {}), **extra}
            )
            self.identity[MentionKey(system, source_id, mention_id)] = person
        for name, value in list(fields.items()):
            if name.endswith("_at") and isinstance(value, str) and len(value) == 16:
                fields[name] = iso(value)
        self.records.append(
            parse_record(
                {
                    "record_type": record_type,
                    "source_system": system,
                    "source_id": source_id,
                    "occurred_at": iso(at),
                    "people": mentions,
                    **fields,
                }
            )
        )
        return RecordKey(system, source_id)

    def book(self) -> Casebook:
        return Casebook(self.records, self.identity)

    def findings(
        self,
        as_of: str,
        code: str | None = None,
        policy: Policy | None = None,
        persons: set[str] | None = None,
    ) -> list[Finding]:
        found = evaluate(
            self.book(), policy, t(as_of), persons=persons, codes=[code] if code else None
        )
        return found

    def subjects(self, as_of: str, code: str, policy: Policy | None = None) -> set[object]:
        return {f.subject for f in self.findings(as_of, code, policy)}

    def one(self, as_of: str, code: str, subject: object, policy: Policy | None = None) -> Finding:
        found = [f for f in self.findings(as_of, code, policy) if f.subject == subject]
        assert len(found) == 1, f"expected one {code} about {subject}, got {found}"
        return found[0]
