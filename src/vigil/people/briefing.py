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


# ---- an address recorded with and without its postcode -------------------------------------
#
# "107 Newton Street, Birmingham" recorded once with B18 9HD and once without a postcode is
# stored as two locations (ALERTS.md matches addresses on postcode and first line). Read here, not
# rekeyed in the store: the one without a postcode joins the one with it when the first line and
# the town agree and exactly one address with a postcode has them. Two candidates (the same street
# and number in two postcodes) join nothing.


def _line_and_town(no_postcode_key: str) -> tuple[str, str] | None:
    """A key without a postcode is ``"|<first line>, <town>"`` (normalise.location_key)."""
    if not no_postcode_key.startswith("|") or "#" in no_postcode_key:
        return None
    line, _, town = no_postcode_key[1:].rpartition(", ")
    return (line, town) if line and town else None


def postcode_candidates(no_postcode_key: str) -> list[Location]:
    """The addresses with a postcode that one without could be: the same first line, a postcode
    in the national format, and the same town written in their address."""
    parts = _line_and_town(no_postcode_key)
    if parts is None:
        return []
    line, town = parts
    same_line = Location.objects.filter(key__endswith=f"|{line}").exclude(key__startswith="|")
    return [loc for loc in same_line if normalise.address_town(loc.address) == town]


@dataclass
class Joined:
    """An address as the briefing shows it: the one with the postcode, and any recorded without
    it that joins it."""

    primary: Location
    without_postcode: list[Location] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [self.primary.pk, *(loc.pk for loc in self.without_postcode)]


def joined(location: Location) -> Joined:
    if location.key.startswith("|"):
        candidates = postcode_candidates(location.key)
        if len(candidates) == 1:
            return Joined(candidates[0], [location])
        return Joined(location)
    key = normalise.location_key(location.address, None)
    if key and key.startswith("|"):
        bare = Location.objects.filter(key=key).first()
        if bare is not None and [c.pk for c in postcode_candidates(key)] == [location.pk]:
            return Joined(location, [bare])
    return Joined(location)


def joining_without_postcode(postcoded: list[tuple[int, str, str]]) -> dict[int, int]:
    """Of these addresses with a postcode (pk, key, address as written), the ones recorded
    without it that join them: bare location pk -> the pk it joins."""
    keys = {
        k: pk
        for pk, key, address in postcoded
        if not key.startswith("|")
        and (k := normalise.location_key(address, None))
        and k.startswith("|")
    }
    out: dict[int, int] = {}
    for pk, key in Location.objects.filter(key__in=list(keys)).values_list("pk", "key"):
        candidates = postcode_candidates(key)
        if len(candidates) == 1 and candidates[0].pk == keys[key]:
            out[pk] = keys[key]
    return out


def find_locations(place: str) -> list[dict[str, Any]]:
    """Addresses matching a postcode (exactly) or part of an address line, with how many
    mentions record someone living there. An address recorded without its postcode that joins
    one found is counted with it (``also_without_postcode``), not listed twice."""
    code = normalise.postcode(place)
    compact = place.replace(" ", "")
    if code and 5 <= len(compact) <= 7 and any(c.isdigit() for c in compact):
        qs = Location.objects.filter(postcode=code)
    else:
        qs = Location.objects.filter(address__icontains=place.strip())
    rows = list(
        qs.annotate(people=Count("residents"))
        .order_by("address")
        .values("pk", "key", "address", "postcode", "people")[:MAX_LOCATIONS]
    )
    by_pk = {r["pk"]: r for r in rows}
    for r in rows:
        r["also_without_postcode"] = 0
    # Each address with a postcode: the one without it that may join it (one query).
    bare_keys = {
        k: r["pk"]
        for r in rows
        if not r["key"].startswith("|")
        and (k := normalise.location_key(r["address"], None))
        and k.startswith("|")
    }
    bare_keys.update({r["key"]: 0 for r in rows if r["key"].startswith("|")})
    bare = (
        Location.objects.filter(key__in=list(bare_keys))
        .annotate(people=Count("residents"))
        .values("pk", "key", "people")
        if bare_keys
        else []
    )
    for b in bare:
        candidates = postcode_candidates(b["key"])
        if len(candidates) != 1 or candidates[0].pk not in by_pk:
            continue
        target = by_pk[candidates[0].pk]
        target["people"] += b["people"]
        target["also_without_postcode"] += b["people"]
        by_pk.pop(b["pk"], None)
    return [r for r in rows if r["pk"] in by_pk]


def residents(location_ids: list[int], viewer: Viewer) -> dict[int, dict[str, Any]]:
    """Persons recorded at this address (under any of its locations): person pk ->
    {'last_here', 'role', 'current'}, 'current' saying it is still their latest address. Two
    queries (and one more per 500 persons)."""
    group = set(location_ids)
    excluded = sorted(viewer.excluded_types())
    here = PersonMention.objects.filter(location_id__in=location_ids, link__isnull=False)
    if excluded:
        here = here.exclude(record__record_type__in=excluded)
    found: dict[int, dict[str, Any]] = {}
    for pk, occurred, role in here.values_list("link__person_id", "occurred_at", "role"):
        seen = found.get(pk)
        if seen is None or occurred > seen["last_here"]:
            found[pk] = {"last_here": occurred, "role": role, "current": True}
    latest: dict[int, tuple[dt.datetime, bool]] = {}
    for chunk in chunks(sorted(found)):
        qs = PersonMention.objects.filter(link__person_id__in=chunk, location_id__isnull=False)
        if excluded:
            qs = qs.exclude(record__record_type__in=excluded)
        for pk, occurred, loc in qs.values_list("link__person_id", "occurred_at", "location_id"):
            mark = (occurred, loc in group)
            if pk not in latest or mark > latest[pk]:
                latest[pk] = mark
    for pk, info in found.items():
        info["current"] = latest.get(pk, (None, True))[1]
    return found


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
    # Records at the same address recorded without its postcode, joined to this briefing.
    without_postcode: list[Location] = field(default_factory=list)
    records_without_postcode: int = 0

    @property
    def children(self) -> list[Resident]:
        return [r for r in self.residents if r.summary.is_child]


def briefing(location: Location, viewer: Viewer, today: dt.date | None = None) -> Briefing:
    """The briefing for an address, with the same address recorded without its postcode when
    it joins (``joined``): the page shows the address with the postcode."""
    group = joined(location)
    location, ids = group.primary, group.ids
    here = residents(ids, viewer)
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
            for p in Record.objects.filter(location_id__in=ids)
            .exclude(premises_type="")
            .values_list("premises_type", flat=True)
            .distinct()
        }
    )

    # Domestic abuse at the address: calls, crimes and concerns recorded here.
    da_rows = (
        Record.objects.filter(location_id__in=ids, record_type__in=["call", "crime", "concern"])
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
    rso_q = Q(location_id__in=ids)
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
            o["lives_here"] = o["location_id"] in ids
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
        without_postcode=group.without_postcode,
        records_without_postcode=(
            Record.objects.filter(
                Q(location_id__in=[loc.pk for loc in group.without_postcode])
                | Q(mentions__location_id__in=[loc.pk for loc in group.without_postcode])
            )
            .distinct()
            .count()
            if group.without_postcode
            else 0
        ),
    )
