"""Everything a person's page shows, in a fixed number of queries (no payloads loaded)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import (
    DA_CANDIDATE_TYPES,
    RESTRICTED_TYPES,
    Viewer,
    kind_label,
)
from vigil.alerts.models import Alert, AlertEvent
from vigil.alerts.querysets import LIVE
from vigil.alerts.subjects import Happened, history, people_named
from vigil.alerts.titles import title
from vigil.casework.models import Entry as CaseworkEntry
from vigil.identity.models import MentionLink, Person
from vigil.identity.summaries import (
    PersonSummary,
    da_annotations,
    da_of,
    full_name,
    payload_text,
)
from vigil.people.chronology import source_label
from vigil.people.summaries import summarise
from vigil.records.contract import AMENDS, VIGIL_SYSTEM
from vigil.records.models import PersonMention, Record, RecordLink
from vigil.work import registry as work_registry

# Premises where people live together without being a household.
NOT_A_HOUSEHOLD = frozenset(
    {
        "care_home",
        "hotel",
        "police_station",
        "hospital",
        "school",
        "licensed_premises",
        "takeaway",
        "public_place",
        "online",
        "other",
    }
)
MAX_ASSOCIATES = 25

FLAG_LABELS = {
    "looked_after": "Looked after child",
    "child_protection_plan": "On a child protection plan",
    "rso_in_household": "Registered sex offender in the household",
    "cse_risk": "At risk of child sexual exploitation",
    "cce_risk": "At risk of child criminal exploitation",
    "rso": "Registered sex offender",
}


@dataclass
class Entry:
    """One record in the chronology, as this viewer may see it."""

    pk: int
    occurred_at: dt.datetime
    record_type: str
    kind: str
    label: str
    visibility: str  # full, minimised, restricted
    source_system: str = ""
    source_id: str = ""
    summary: str = ""
    roles: list[str] = field(default_factory=list)
    time: bool = True  # the time of day may be shown (a partner's agreement may say not)
    # What staff recorded in Vigil to complete it (amendments): (when, what, by whom).
    completed: list[tuple[str, str, str]] = field(default_factory=list)

    # Written here, not by template tags: a long chronology is hundreds of entries.
    @property
    def url(self) -> str:
        return record_url(self.pk)

    @property
    def when(self) -> str:
        local = timezone.localtime(self.occurred_at)
        return (
            f"{local.day} {local:%B %Y} at {local:%H:%M}"
            if self.time
            else f"{local.day} {local:%B %Y}"
        )

    @property
    def source_words(self) -> str:
        """The source system in words (STORM (command and control), Written in Vigil)."""
        return source_label(self.source_system)

    @property
    def when_iso(self) -> str:
        local = timezone.localtime(self.occurred_at)
        return local.isoformat() if self.time else local.date().isoformat()


@dataclass
class AlertView:
    alert: Alert
    explanation: str | None  # None: withheld (it draws on a restricted record)
    history: list[Happened] = field(default_factory=list)
    closed_by: str = ""  # the name of the person who closed it

    @property
    def title(self) -> str:
        return title(self.alert.code, self.alert.thresholds)

    @property
    def live(self) -> bool:
        return self.alert.status in LIVE

    @property
    def outcome(self) -> str:
        """How whoever closed it said it ended, in words (the list fitting its code)."""
        if not self.alert.outcome:
            return ""
        return work_registry.kind_of(self.alert).outcome_label(self.alert, self.alert.outcome)


@dataclass
class PersonPage:
    person: Person
    summary: PersonSummary | None
    names: list[str]
    dates_of_birth: list[dt.date]
    aliases: list[str]
    mentions: list[dict[str, Any]]
    flags: list[tuple[str, str]]
    chronology: list[Entry]
    type_counts: list[tuple[str, str, int]]
    household: list[PersonSummary]
    household_address: str
    household_note: str
    associates: list[tuple[PersonSummary, int]]
    alerts: list[AlertView]

    @property
    def open_alerts(self) -> list[AlertView]:
        return [a for a in self.alerts if a.live]

    @property
    def ended_alerts(self) -> list[AlertView]:
        """Closed and resolved alerts, the latest to end first."""
        return sorted(
            (a for a in self.alerts if not a.live),
            key=lambda a: a.alert.closed_at or a.alert.resolved_at or a.alert.raised_at,
            reverse=True,
        )


_MENTION_FIELDS = (
    "pk",
    "mention_id",
    "role",
    "forename",
    "middle_names",
    "surname",
    "date_of_birth",
    "aliases",
    "flags",
    "occurred_at",
    "address",
    "postcode",
    "location_id",
    "record_id",
    "record__record_type",
    "record__source_system",
    "record__source_id",
    "record__summary",
    "record__occurred_at",
)


@cache
def _record_url_pattern() -> str:
    return reverse("people:record", args=[999999999]).replace("999999999", "{}")


def record_url(pk: int) -> str:
    """The record page's URL (one reverse() per process, not one per row)."""
    return _record_url_pattern().format(int(pk))


def short_date(day: dt.date) -> str:
    """As the template filter date:"j M Y" writes it (e.g. 3 May 2012)."""
    return f"{day.day} {day:%b %Y}"


def person_page(
    person: Person, viewer: Viewer, record_type: str = "", today: dt.date | None = None
) -> PersonPage:
    annotations: dict[str, Any] = dict(da_annotations()) if viewer.partner else {}
    annotations["plan_ended"] = payload_text("ended_at")
    rows = list(
        PersonMention.objects.filter(link__person=person)
        .annotate(**annotations)
        .values(*_MENTION_FIELDS, *annotations)
        .order_by("occurred_at", "pk")
    )
    visible: list[dict[str, Any]] = []
    entries: dict[int, Entry] = {}
    for row in rows:
        rtype = row["record__record_type"]
        da = da_of(row) if rtype in DA_CANDIDATE_TYPES else None
        seen = viewer.visibility(rtype, row["role"], da)
        if seen == "hidden":
            continue
        if seen != "restricted":
            visible.append(row)
        entry = entries.get(row["record_id"])
        if entry is None:
            kind = viewer.kind(rtype, da)
            entry = entries[row["record_id"]] = Entry(
                pk=row["record_id"],
                occurred_at=row["record__occurred_at"],
                record_type=rtype,
                kind=kind,
                visibility=seen,
                time=viewer.shows_time(rtype, da),
                label="Restricted record" if seen == "restricted" else kind_label(kind),
            )
            if seen == "full":
                entry.source_system = row["record__source_system"]
                entry.source_id = row["record__source_id"]
                entry.summary = row["record__summary"]
        if seen != "restricted" and viewer.shows_role(rtype, da):
            entry.roles.append(row["role"].replace("_", " "))
    chronology = sorted(entries.values(), key=lambda e: (e.occurred_at, e.pk))
    _completions([e for e in chronology if e.visibility == "full"])
    counts = Counter(e.kind if e.visibility != "restricted" else "restricted" for e in chronology)
    type_counts = sorted(
        (
            (k, "Restricted record" if k == "restricted" else kind_label(k), n)
            for k, n in counts.items()
        ),
        key=lambda t: t[1],
    )
    if record_type:
        chronology = [
            e
            for e in chronology
            if (
                e.kind == record_type
                or (record_type == "restricted" and e.visibility == "restricted")
            )
        ]

    names = Counter(
        n for r in visible if (n := full_name(r["forename"], r["middle_names"], r["surname"]))
    )
    summaries = summarise([person.pk], viewer, with_alerts=False, today=today)
    summary = summaries.get(person.pk)
    page = PersonPage(
        person=person,
        summary=summary,
        names=[n for n, _ in names.most_common()],
        dates_of_birth=sorted({r["date_of_birth"] for r in visible if r["date_of_birth"]}),
        aliases=sorted({a for r in visible for a in r["aliases"].split("\n") if a}),
        mentions=[_mention_row(r, viewer) for r in visible],
        flags=[],
        chronology=chronology,
        type_counts=type_counts,
        household=[],
        household_address="",
        household_note="",
        associates=[],
        alerts=[],
    )
    # A source's flags on a mention (looked after, RSO, exploitation risk) are not a field any
    # partner's agreement lists; a plan in place is, for those who may see plans.
    flags = set() if viewer.partner else {f for r in visible for f in r["flags"].split()}
    if any(r["record__record_type"] == "cp_plan" and not r["plan_ended"] for r in visible):
        flags.add("child_protection_plan")
    if not viewer.partner:
        _household_and_associates(page, person, visible, viewer, today)
        if any("rso" in p.flags for p in page.household):
            flags.add("rso_in_household")
        page.alerts = _alerts(person, rows, viewer)
    page.flags = [(f, FLAG_LABELS[f]) for f in FLAG_LABELS if f in flags]
    return page


def _completions(shown: list[Entry]) -> None:
    """Each record's amendments written in Vigil, as part of its history in the chronology
    (RECORDS.md v1.1): an amendment names no one of its own, so it is read through its target.
    Two queries for the page."""
    by_key = {(e.source_system, e.source_id): e for e in shown if e.source_system != VIGIL_SYSTEM}
    if not by_key:
        return
    links = list(
        RecordLink.objects.filter(
            relation=AMENDS,
            target_system__in={k[0] for k in by_key},
            target_id__in={k[1] for k in by_key},
        ).values_list(
            "target_system", "target_id", "record_id", "record__occurred_at", "record__summary"
        )
    )
    writers = dict(
        CaseworkEntry.objects.filter(record_id__in={link[2] for link in links})
        .order_by("record_id", "-version")
        .values_list("record_id", "written_by__full_name")
    )
    for system, source_id, record_id, at, summary in sorted(links, key=lambda k: k[3]):
        entry = by_key.get((system, source_id))
        if entry is not None:
            local = timezone.localtime(at)
            entry.completed.append(
                (
                    f"{local.day} {local:%B %Y} at {local:%H:%M}",
                    summary,
                    writers.get(record_id) or "",
                )
            )


def _mention_row(r: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """One row of "Records linked to this person", as the viewer's agreement allows: a
    partner sees a domestic abuse incident as such (as in its chronology), and no role where
    the agreement shares the date only."""
    rtype = r["record__record_type"]
    da = da_of(r) if viewer.partner and rtype in DA_CANDIDATE_TYPES else None
    return {
        "pk": r["pk"],
        "name": full_name(r["forename"], r["middle_names"], r["surname"]),
        "date_of_birth": r["date_of_birth"],
        "role": r["role"].replace("_", " ") if viewer.shows_role(rtype, da) else "",
        "occurred_at": r["occurred_at"],
        "record_id": r["record_id"],
        "url": record_url(r["record_id"]),
        "on": short_date(timezone.localtime(r["occurred_at"])),
        "born": short_date(r["date_of_birth"]) if r["date_of_birth"] else "",
        "kind": kind_label(viewer.kind(rtype, da)),
    }


def _household_and_associates(
    page: PersonPage,
    person: Person,
    visible: list[dict[str, Any]],
    viewer: Viewer,
    today: dt.date | None,
) -> None:
    located = [r for r in visible if r["location_id"]]
    home = located[-1]["location_id"] if located else None
    household: set[int] = set()
    if home is not None:
        page.household_address = located[-1]["address"] or located[-1]["postcode"]
        premises = set(
            Record.objects.filter(location_id=home)
            .exclude(premises_type="")
            .values_list("premises_type", flat=True)
            .distinct()
        )
        if premises & NOT_A_HOUSEHOLD:
            page.household_note = (
                "This address is not a private dwelling ("
                + ", ".join(sorted(p.replace("_", " ") for p in premises))
                + "), so the people recorded there are not listed as a household."
            )
        else:
            household = residents_now(home, viewer) - {person.pk}
    co_named: dict[int, set[int]] = defaultdict(set)
    record_ids = sorted({r["record_id"] for r in visible})
    excluded = viewer.excluded_types()
    for i in range(0, len(record_ids), 500):
        qs = MentionLink.objects.filter(mention__record_id__in=record_ids[i : i + 500]).exclude(
            person=person
        )
        if excluded:
            qs = qs.exclude(mention__record__record_type__in=sorted(excluded))
        for pk, record_id in qs.values_list("person_id", "mention__record_id"):
            co_named[pk].add(record_id)
    ranked = sorted(
        (pk for pk in co_named if pk not in household), key=lambda pk: (-len(co_named[pk]), pk)
    )[:MAX_ASSOCIATES]
    people = summarise(household | set(ranked), viewer, today=today)
    page.household = sorted(
        (people[pk] for pk in household if pk in people),
        key=lambda p: (p.age is None, -(p.age or 0), p.best_name),
    )
    page.associates = [(people[pk], len(co_named[pk])) for pk in ranked if pk in people]


def residents_now(location_id: int, viewer: Viewer) -> set[int]:
    """Persons whose latest recorded address (on a record the viewer may see) is this one."""
    return set(residents(location_id, viewer, current_only=True))


def residents(
    location_id: int,
    viewer: Viewer,
    *,
    current_only: bool = False,
) -> dict[int, dict[str, Any]]:
    """Persons recorded at this address: person pk -> {'last_here', 'role', 'current'} where
    'current' says the address is still their latest. Two queries."""
    excluded = sorted(viewer.excluded_types())
    here = PersonMention.objects.filter(location_id=location_id, link__isnull=False)
    if excluded:
        here = here.exclude(record__record_type__in=excluded)
    found: dict[int, dict[str, Any]] = {}
    for pk, occurred, role in here.values_list("link__person_id", "occurred_at", "role"):
        seen = found.get(pk)
        if seen is None or occurred > seen["last_here"]:
            found[pk] = {"last_here": occurred, "role": role, "current": True}
    latest: dict[int, tuple[dt.datetime, int]] = {}
    pks = sorted(found)
    for i in range(0, len(pks), 500):
        qs = PersonMention.objects.filter(
            link__person_id__in=pks[i : i + 500], location_id__isnull=False
        )
        if excluded:
            qs = qs.exclude(record__record_type__in=excluded)
        for pk, occurred, loc in qs.values_list("link__person_id", "occurred_at", "location_id"):
            if pk not in latest or (occurred, loc == location_id) > (
                latest[pk][0],
                latest[pk][1] == location_id,
            ):
                latest[pk] = (occurred, loc)
    for pk, info in found.items():
        info["current"] = latest.get(pk, (None, location_id))[1] == location_id
    if current_only:
        return {pk: info for pk, info in found.items() if info["current"]}
    return found


def _alerts(person: Person, rows: list[dict[str, Any]], viewer: Viewer) -> list[AlertView]:
    """Every alert about the person, open or ended, each with its history in words. Four
    queries (and one more per 500 records the person is named on)."""
    keys = {(r["record__source_system"], r["record__source_id"], r["mention_id"]) for r in rows}
    alerts = Alert.objects.select_related("closed_by").about_person(person.person_id, keys)
    if not alerts:
        return []
    if viewer.intelligence:
        withheld: set[int] = set()
    else:
        restricted = {
            (r["record__source_system"], r["record__source_id"])
            for r in rows
            if r["record__record_type"] in RESTRICTED_TYPES
        }
        evidence = {tuple(e) for a in alerts for e in a.evidence} - restricted
        known = {(r["record__source_system"], r["record__source_id"]) for r in rows}
        unknown = sorted(evidence - known)
        if unknown:
            ids = sorted({i for _, i in unknown})
            for i in range(0, len(ids), 500):
                for system, source_id in Record.objects.filter(
                    source_id__in=ids[i : i + 500],
                    record_type__in=sorted(RESTRICTED_TYPES),
                ).values_list("source_system", "source_id"):
                    restricted.add((system, source_id))
        withheld = {a.pk for a in alerts if any(tuple(e) in restricted for e in a.evidence)}
    events: dict[int, list[AlertEvent]] = defaultdict(list)
    for event in AlertEvent.objects.filter(alert__in=[a.pk for a in alerts]).order_by("at", "id"):
        events[event.alert_id].append(event)
    names = people_named(
        {e.actor for evs in events.values() for e in evs}
        | {
            str(e.detail.get(k))
            for evs in events.values()
            for e in evs
            for k in ("to", "from")
            if isinstance(e.detail, dict) and e.detail.get(k)
        }
    )
    return [
        AlertView(
            a,
            None if a.pk in withheld else a.explanation,
            history=history(events[a.pk], names, withheld=a.pk in withheld),
            closed_by=a.closed_by.display_name if a.closed_by else "",
        )
        for a in alerts
    ]
