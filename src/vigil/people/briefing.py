"""An address briefing for an officer about to attend, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from vigil.access.disclosure import Viewer, is_domestic_abuse
from vigil.alerts.models import Alert
from vigil.identity.summaries import (
    PersonSummary,
    chunks,
    da_annotations,
    da_of,
    payload_text,
)
from vigil.people.person import residents
from vigil.people.summaries import summarise
from vigil.records import normalise
from vigil.records.models import Location, PersonMention, Record

MAX_LOCATIONS = 50
_DA_FIELDS = (
    "pk",
    "record_type",
    "occurred_at",
    "summary",
    "da_category",
    "da_offence_group",
    "da_concern_type",
    "da_flags",
    "risk_level",
    "risk_tool",
)


def find_locations(place: str) -> list[dict[str, Any]]:
    """Addresses matching a postcode (exactly) or part of an address line, with how many
    mentions record someone living there."""
    code = normalise.postcode(place)
    compact = place.replace(" ", "")
    if code and 5 <= len(compact) <= 7 and any(c.isdigit() for c in compact):
        qs = Location.objects.filter(postcode=code)
    else:
        qs = Location.objects.filter(address__icontains=place.strip())
    return list(
        qs.annotate(people=Count("residents"))
        .order_by("address")
        .values("pk", "address", "postcode", "people")[:MAX_LOCATIONS]
    )


_ALERT_FIELDS = (
    "pk",
    "alert_id",
    "code",
    "severity",
    "person_id",
    "status",
    "raised_at",
    "thresholds",
)


def _resident_alerts(current: dict[int, Resident], viewer: Viewer) -> None:
    """Each current resident's open alerts, as their page shows them: alerts about the person,
    and alerts about a record that names them (not a record the viewer may not see). Three
    queries per 500 residents, newest first."""
    by_person_id = {r.summary.person_id: r for r in current.values()}
    for chunk in chunks(sorted(by_person_id)):
        for alert in Alert.objects.live().about_persons(chunk).only(*_ALERT_FIELDS):
            by_person_id[alert.person_id].alerts.append(alert)
    keys: dict[tuple[str, str, str], int] = {}
    excluded = sorted(viewer.excluded_types())
    for chunk in chunks(sorted(current)):
        mentions = PersonMention.objects.filter(link__person_id__in=chunk)
        if excluded:
            mentions = mentions.exclude(record__record_type__in=excluded)
        for system, source_id, mention_id, pk in mentions.values_list(
            "record__source_system", "record__source_id", "mention_id", "link__person_id"
        ):
            keys[(system, source_id, mention_id)] = pk
    for chunk in chunks(sorted({k[1] for k in keys})):
        for alert in (
            Alert.objects.live().on_records(chunk).only(*_ALERT_FIELDS, "record_system", "mentions")
        ):
            for pk in {keys[k] for m in alert.mentions if (k := tuple(m)) in keys}:
                current[pk].alerts.append(alert)
    for resident in current.values():
        resident.alerts.sort(key=lambda a: a.raised_at, reverse=True)


@dataclass
class Resident:
    summary: PersonSummary
    last_here: dt.datetime
    current: bool
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class Briefing:
    location: Location
    residents: list[Resident]
    former: list[Resident]
    da_incidents: list[dict[str, Any]]
    latest_risk: dict[str, Any] | None
    offenders: list[dict[str, Any]]
    protection: list[dict[str, Any]]
    premises: list[str]

    @property
    def children(self) -> list[Resident]:
        return [r for r in self.residents if r.summary.is_child]


def briefing(location: Location, viewer: Viewer, today: dt.date | None = None) -> Briefing:
    here = residents(location.pk, viewer)
    # Open alerts are listed per current resident below, so no per-person alert counts here.
    summaries = summarise(here, viewer, with_alerts=False, today=today)
    people = [
        Resident(summaries[pk], info["last_here"], info["current"])
        for pk, info in here.items()
        if pk in summaries
    ]
    people.sort(key=lambda r: (r.summary.age is None, r.summary.age or 0, r.summary.best_name))
    _resident_alerts({r.summary.pk: r for r in people if r.current}, viewer)
    premises = sorted(
        {
            p.replace("_", " ")
            for p in Record.objects.filter(location=location)
            .exclude(premises_type="")
            .values_list("premises_type", flat=True)
            .distinct()
        }
    )

    # Domestic abuse at the address: calls, crimes and concerns recorded here.
    da_rows = (
        Record.objects.filter(location=location, record_type__in=["call", "crime", "concern"])
        .annotate(
            **da_annotations(prefix=""),
            risk_level=KeyTextTransform("level", KeyTransform("risk_assessment", "payload")),
            risk_tool=KeyTextTransform("tool", KeyTransform("risk_assessment", "payload")),
        )
        .order_by("-occurred_at")
        .values(*_DA_FIELDS)
    )
    incidents = [r for r in da_rows if is_domestic_abuse(r["record_type"], **da_of(r))]
    latest_risk = next((r for r in incidents if r["risk_level"]), None)

    # Registered sex offenders who live here, or are recorded at this address at all.
    persons_here = sorted(here)
    rso_q = Q(location=location)
    if persons_here:
        rso_q |= Q(link__person_id__in=persons_here)
    offenders = list(
        PersonMention.objects.filter(rso_q, record__record_type="rso", role="offender")
        .annotate(risk_level=payload_text("risk_level"), management=payload_text("management"))
        .values(
            "pk",
            "forename",
            "surname",
            "location_id",
            "address",
            "occurred_at",
            "record_id",
            "risk_level",
            "management",
            "link__person__person_id",
        )
        .order_by("-occurred_at")
    )
    seen: set[Any] = set()
    unique = []
    for o in offenders:
        key = o["link__person__person_id"] or o["pk"]
        if key not in seen:
            seen.add(key)
            o["lives_here"] = o["location_id"] == location.pk
            unique.append(o)

    # Police protection and child protection plans for the children living here.
    child_pks = [r.summary.pk for r in people if r.current and r.summary.is_child]
    protection = (
        list(
            PersonMention.objects.filter(
                link__person_id__in=child_pks,
                record__record_type__in=["police_protection", "cp_plan"],
            )
            .annotate(
                started=payload_text("started_at"),
                ended=payload_text("ended_at"),
                category=payload_text("category"),
            )
            .values(
                "record_id",
                "record__record_type",
                "record__occurred_at",
                "started",
                "ended",
                "category",
                "forename",
                "surname",
                "link__person__person_id",
            )
            .order_by("-record__occurred_at")
        )
        if child_pks
        else []
    )
    return Briefing(
        location=location,
        residents=[r for r in people if r.current],
        former=[r for r in people if not r.current],
        da_incidents=incidents,
        latest_risk=latest_risk,
        offenders=unique,
        protection=protection,
        premises=premises,
    )
