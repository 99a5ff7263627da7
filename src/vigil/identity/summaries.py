"""Set-based helpers the people pages share: one row per person, built in a fixed number of
queries whatever the number of persons (no N+1), never loading record payloads.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from vigil.access.disclosure import DA_CANDIDATE_TYPES, DA_INCIDENT, Agreement, Viewer
from vigil.records.models import PersonMention

CHUNK = 500


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def payload_text(key: str, prefix: str = "record__") -> KeyTextTransform:
    """One payload field as text, read by the database (``KT`` cannot cross a relation)."""
    return KeyTextTransform(key, f"{prefix}payload")


def da_annotations(prefix: str = "record__") -> dict[str, Any]:
    """The few payload fields that tell whether a record is a domestic abuse incident, read by
    the database (so a whole payload is never loaded to decide it)."""
    return {
        "da_category": payload_text("category", prefix),
        "da_offence_group": payload_text("offence_group", prefix),
        "da_concern_type": payload_text("concern_type", prefix),
        "da_flags": payload_text("flags", prefix),
    }


def da_of(row: Any) -> dict[str, Any]:
    def get(key: str) -> Any:
        return row.get(key) if isinstance(row, dict) else getattr(row, key, None)

    return {
        "category": get("da_category"),
        "offence_group": get("da_offence_group"),
        "concern_type": get("da_concern_type"),
        "flags": get("da_flags"),
    }


def visible_mentions(
    viewer: Viewer, qs: QuerySet[PersonMention] | None = None, *, by_type: bool = True
) -> QuerySet[PersonMention]:
    """Mentions this viewer may learn anything from (before the per-record DA test).

    ``by_type=False`` leaves a partner's record types and roles to :func:`mention_visible`
    (which checks them too): for a query driven by person ids, where a type filter in SQL lets
    SQLite's planner (without statistics) scan every record of those types instead."""
    qs = PersonMention.objects.all() if qs is None else qs
    excluded = viewer.excluded_types()
    if excluded:
        qs = qs.exclude(record__record_type__in=sorted(excluded))
    types = viewer.retrievable_types()
    if types is not None and by_type and viewer.agreement is not None:
        # The record type through a function, so no planner (SQLite has no statistics unless
        # someone runs ANALYZE) drives the query from the record-type index, reading every
        # record of the agreement's types, instead of from the criterion (a surname, say).
        qs = (
            qs.alias(record_kind=Coalesce(F("record__record_type"), Value("")))
            .filter(agreement_q(viewer.agreement))
            .exclude(role__in=["suspect", "offender"])
        )
    return qs


def agreement_q(agreement: Agreement) -> Q:
    """Mentions on records of the kinds an agreement covers, as a filter (on ``record_kind``,
    aliased by visible_mentions). For domestic abuse
    incidents it is a superset (flags matched as text), narrowed exactly by mention_visible; it
    keeps the database from reading payload fields of rows the partner could never see."""
    plain = sorted(agreement.kinds - {DA_INCIDENT})
    q = Q(record_kind__in=plain) if plain else Q(pk__in=[])
    if DA_INCIDENT in agreement.kinds:
        da = {
            "call": Q(record__payload__category="domestic"),
            "crime": Q(record__payload__offence_group="domestic_abuse")
            | Q(record__payload__flags__icontains="domestic_abuse"),
            "concern": Q(record__payload__concern_type="domestic_abuse_noncrime"),
        }
        for record_type in sorted(DA_CANDIDATE_TYPES - set(plain)):
            q |= Q(record_kind=record_type) & da[record_type]
    return q


def mention_visible(viewer: Viewer, row: dict[str, Any]) -> bool:
    """The per-row test a query cannot do cheaply: partners and DA incidents."""
    if not viewer.partner:
        return True
    da = da_of(row) if row["record__record_type"] in DA_CANDIDATE_TYPES else None
    return viewer.visibility(row["record__record_type"], row["role"], da) != "hidden"


def age_on(
    dob: dt.date | None, estimate: int | None, estimated_on: dt.date | None, today: dt.date
) -> int | None:
    if dob is not None:
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    if estimate is not None and estimated_on is not None:
        return estimate + (today - estimated_on).days // 365
    return None


def full_name(forename: str, middle: str, surname: str) -> str:
    return " ".join(part for part in (forename, middle, surname) if part)


@dataclass
class PersonSummary:
    pk: int
    person_id: str
    best_name: str = ""
    names: list[str] = field(default_factory=list)
    date_of_birth: dt.date | None = None
    age: int | None = None
    address: str = ""
    postcode: str = ""
    location_id: int | None = None
    address_seen: dt.datetime | None = None
    flags: set[str] = field(default_factory=set)
    open_alerts: int | None = None
    mentions: int = 0

    @property
    def flag_text(self) -> str:
        return ", ".join(sorted(f.replace("_", " ") for f in self.flags))

    @property
    def is_child(self) -> bool:
        return self.age is not None and self.age < 18


SUMMARY_FIELDS = (
    "pk",
    "mention_id",
    "role",
    "forename",
    "middle_names",
    "surname",
    "date_of_birth",
    "age_estimate",
    "occurred_at",
    "address",
    "postcode",
    "location_id",
    "flags",
    "link__person_id",
    "link__person__person_id",
    "record__record_type",
    "record__source_system",
    "record__source_id",
)


def summarise(
    person_pks: Iterable[int], viewer: Viewer, *, today: dt.date | None = None
) -> tuple[dict[int, PersonSummary], dict[int, list[dict[str, Any]]]]:
    """One summary per person (by ``Person`` pk) from the mentions this viewer may see:
    most used name, most used date of birth, age today, latest address, flags; and the mention
    rows each rests on. Two queries per 500 persons. (Open alerts are counted by the people
    pages, above the alerts app: ``vigil.people.summaries``.)"""
    today = today or timezone.localdate()
    pks = sorted(set(person_pks))
    rows_by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    annotations = da_annotations() if viewer.partner else {}
    fields = SUMMARY_FIELDS + tuple(annotations)
    for chunk in chunks(pks):
        qs = visible_mentions(
            viewer, PersonMention.objects.filter(link__person_id__in=chunk), by_type=False
        )
        for row in qs.annotate(**annotations).values(*fields):
            if mention_visible(viewer, row):
                rows_by[row["link__person_id"]].append(row)
    out: dict[int, PersonSummary] = {}
    for pk, rows in rows_by.items():
        rows.sort(key=lambda r: (r["occurred_at"], r["pk"]))
        summary = PersonSummary(
            pk=pk, person_id=rows[0]["link__person__person_id"], mentions=len(rows)
        )
        names = Counter(
            n for r in rows if (n := full_name(r["forename"], r["middle_names"], r["surname"]))
        )
        summary.names = [n for n, _ in names.most_common()]
        summary.best_name = summary.names[0] if summary.names else "(no name recorded)"
        dobs = Counter(r["date_of_birth"] for r in rows if r["date_of_birth"])
        if dobs:
            summary.date_of_birth = dobs.most_common(1)[0][0]
            summary.age = age_on(summary.date_of_birth, None, None, today)
        else:
            estimated = [r for r in rows if r["age_estimate"] is not None]
            if estimated:
                last = estimated[-1]
                summary.age = age_on(None, last["age_estimate"], last["occurred_at"].date(), today)
        located = [r for r in rows if r["address"] or r["postcode"]]
        if located:
            last = located[-1]
            summary.address, summary.postcode = last["address"], last["postcode"]
            summary.location_id, summary.address_seen = last["location_id"], last["occurred_at"]
        summary.flags = {f for r in rows for f in r["flags"].split()}
        out[pk] = summary
    return out, rows_by
