"""How the access log names what an entry touched, in words staff know.

The log stores internal ids (a person's id, ``record:123``, ``location:7``); the access-log
pages show a person by name and date of birth, a record by its type and date. The apps that hold
people and records sit above this one, so they register the functions that name them here (from
their ``AppConfig.ready``), as kinds of work register with ``vigil.work``; the log never imports
them. Unregistered, everything is named in general words ("a person").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model


@dataclass
class Namers:
    # person ids -> "Amy Stone, born 1 April 2009"
    persons: Callable[[set[str]], dict[str, str]] = lambda ids: {}
    # record references ("123", a record's key, or "storm/C-1") -> "the call of 3 May 2012"
    records: Callable[[set[str]], dict[str, str]] = lambda refs: {}
    # location keys -> "107 Newton Street, B18 9HD"
    places: Callable[[set[int]], dict[int, str]] = lambda pks: {}
    # a name, or a person's id, as an auditor types it -> person ids
    find_persons: Callable[[str], list[str]] = lambda text: []
    # a record reference as staff write it ("storm/C-1", "C-1") -> its references
    find_records: Callable[[str], list[str]] = lambda text: []
    # a person's id -> the references of every record naming them
    records_of_person: Callable[[str], list[str]] = lambda person_id: []


namers = Namers()


def register(**functions: Callable[..., object]) -> None:
    """Called once by the app that holds people and records (``vigil.identity``)."""
    for name, function in functions.items():
        if not hasattr(namers, name):
            raise TypeError(f"no namer called {name!r}")
        setattr(namers, name, function)


@dataclass
class Names:
    """What one page's entries touched, each named once (a few queries for the whole page)."""

    persons: dict[str, str] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)
    places: dict[int, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # "user:<pk>" or "username:x"


def person_of(target: str) -> str | None:
    """The person id a target names, written as ``person:<id>`` or (the person page and the
    pages like it) as the bare id."""
    if target.startswith("person:"):
        return target.removeprefix("person:")
    if ":" in target or not target or target in BARE_TARGETS:
        return None
    return target


# Targets that are pages, not a person's id.
BARE_TARGETS = frozenset(
    {
        "people",
        "addresses",
        "imports",
        "quarantine",
        "accounts",
        "alert-queue",
        "supervisor",
        "identity-reviews",
        "referrals",
        "audit-log",
        "all",
        "model",
        "stdout",
    }
)


def resolve(entries: Iterable[tuple[str, dict[str, object]]]) -> Names:
    """Name everything these (target, detail) pairs touch."""
    persons: set[str] = set()
    records: set[str] = set()
    places: set[int] = set()
    users: set[int] = set()
    for target, detail in entries:
        if (pid := person_of(target)) is not None:
            persons.add(pid)
        elif target.startswith("record:"):
            records.add(target.removeprefix("record:"))
        elif target.startswith("location:") and target[9:].isdigit():
            places.add(int(target[9:]))
        elif target.startswith("user:") and target[5:].isdigit():
            users.add(int(target[5:]))
        if isinstance(detail, dict) and isinstance(detail.get("person_id"), str):
            persons.add(str(detail["person_id"]))
    names = Names(
        persons=namers.persons(persons) if persons else {},
        records=namers.records(records) if records else {},
        places=namers.places(places) if places else {},
    )
    if users:
        for pk, username, full_name in (
            get_user_model().objects.filter(pk__in=users).values_list("pk", "username", "full_name")
        ):
            names.accounts[f"user:{pk}"] = full_name or username
    return names


def person_targets(person_id: str, *, with_records: bool = True) -> list[str]:
    """Every target an entry about this person may have: the person, and each record naming
    them (when asked)."""
    targets = [person_id, f"person:{person_id}"]
    if with_records:
        targets += [f"record:{ref}" for ref in namers.records_of_person(person_id)]
    return targets
