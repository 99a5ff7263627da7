"""Who is around a person: everyone linked to them by one hop, with why and since when.

'One hop' is ALERTS.md's 'Linked (association)', and it is the rules' own: the person's
neighbourhood is loaded from the store (:meth:`Neighbourhood.association_support`), a casebook
is built of it, and :meth:`Casebook.associations` answers, exactly as it does for the alerts.
This module only puts the answer into words: which record named them together, which home
they shared, which phone, vehicle, device or online account; and what staff must notice about
each associate (a child and their age, a registered sex offender, an adult named in a sexual
or exploitation matter, a child flagged at risk of exploitation).

A role that may not see intelligence sees no link that rests only on an intelligence record,
and no mark drawn from one (as the person page leaves intelligence out of its associates).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import Viewer
from vigil.alerts.neighbourhood import Neighbourhood
from vigil.identity.models import Person
from vigil.identity.summaries import PersonSummary
from vigil.people.person import record_url
from vigil.people.summaries import summarise
from vigil.records.contract import RecordBase, parse_record
from vigil.records.models import Location, PersonMention, Record
from vigil.rules import Casebook, RecordKey
from vigil.rules.casebook import AssociationEvent
from vigil.rules.clock import in_words
from vigil.rules.definitions import (
    EXPLOITATION_RISK_FLAGS,
    NOT_NAMED_IN_MATTER_ROLES,
    describe,
    is_sexual_offence,
    is_sexual_or_exploitation_matter,
)

# What links two people, in the order the page lists the kinds.
KINDS: dict[str, str] = {
    "record": "Named on the same record",
    "address": "Shared home address",
    "phone": "Shared phone",
    "vehicle": "Shared vehicle",
    "device": "Shared device",
    "online_account": "Shared online account",
}
OBJECT_WORDS = {
    "phone": "phone",
    "vehicle": "vehicle",
    "device": "device",
    "online_account": "online account",
}
# Record types that can be a sexual or exploitation matter (ALERTS.md), for the marks.
MATTER_TYPES = ("intelligence", "crime", "investigation", "missing")

# The marks, in words (never colour alone), most serious first.
OFFENDER = "Registered sex offender"
SEXUAL_SUSPECT = "Suspect in a sexual offence"
IN_MATTER = "Named in a sexual or exploitation matter"
FLAG_TAGS = {
    "cse_risk": "Flagged at risk of sexual exploitation",
    "cce_risk": "Flagged at risk of criminal exploitation",
}


@dataclass
class RecordRef:
    """A record named as a reason, in words, with its page."""

    text: str
    url: str | None


@dataclass
class Reason:
    kind: str
    at: dt.datetime
    text: str
    records: list[RecordRef] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def when(self) -> str:
        return in_words(self.at)


@dataclass
class Associate:
    person_id: str  # the rules' person id
    name: str
    url: str | None
    summary: PersonSummary | None
    reasons: list[Reason]
    tags: list[str] = field(default_factory=list)

    @property
    def since(self) -> dt.datetime:
        return min(r.at for r in self.reasons)

    @property
    def latest(self) -> dt.datetime:
        return max(r.at for r in self.reasons)

    @property
    def since_words(self) -> str:
        return in_words(self.since)

    @property
    def kinds(self) -> list[str]:
        found = {r.kind for r in self.reasons}
        return [KINDS[k] for k in KINDS if k in found]

    @property
    def is_child(self) -> bool:
        return self.summary is not None and self.summary.is_child

    @property
    def age(self) -> int | None:
        return self.summary.age if self.summary else None

    @property
    def concern(self) -> bool:
        """An offender, or an adult suspected of a sexual offence or named in a matter."""
        return OFFENDER in self.tags or (
            not self.is_child and any(t in (SEXUAL_SUSPECT, IN_MATTER) for t in self.tags)
        )


@dataclass
class Around:
    person: Person
    summary: PersonSummary | None
    associates: list[Associate]
    withheld: int  # associates linked only through records this viewer may not see
    as_of: dt.datetime

    @property
    def children(self) -> int:
        return sum(1 for a in self.associates if a.is_child)

    @property
    def offenders(self) -> int:
        return sum(1 for a in self.associates if OFFENDER in a.tags)

    @property
    def in_matters(self) -> int:
        return sum(1 for a in self.associates if IN_MATTER in a.tags and not a.is_child)

    @property
    def counts_by_kind(self) -> list[tuple[str, int]]:
        counts = dict.fromkeys(KINDS.values(), 0)
        for a in self.associates:
            for label in a.kinds:
                counts[label] += 1
        return [(label, n) for label, n in counts.items() if n]


def load_book(records: set[int]) -> Casebook:
    """The casebook of these store records, as the engine builds one."""
    hood = Neighbourhood()
    parsed, identity = hood.load(records)
    return Casebook(parsed, identity)


def record_refs(book: Casebook, keys: Iterable[RecordKey]) -> dict[RecordKey, RecordRef]:
    """Each record in words ('Assault, 1 February 2020') with its page: one query per 500."""
    wanted = sorted(set(keys))
    pks: dict[RecordKey, int] = {}
    ids = sorted({k.source_id for k in wanted})
    # The system too, so the look-up uses the (system, id) unique index, not a scan by id.
    systems = sorted({k.source_system for k in wanted})
    for i in range(0, len(ids), 500):
        for pk, system, source_id in Record.objects.filter(
            source_system__in=systems, source_id__in=ids[i : i + 500]
        ).values_list("pk", "source_system", "source_id"):
            pks[RecordKey(system, source_id)] = pk
    out = {}
    for key in wanted:
        record = book.records.get(key)
        if record is None:
            continue
        found = pks.get(key)
        out[key] = RecordRef(record_words(record), record_url(found) if found else None)
    return out


def record_words(record: RecordBase) -> str:
    """'Assault (crime), 1 February 2020', 'Call, 1 January 2020'."""
    what = describe(record).replace("_", " ")
    text = what[:1].upper() + what[1:]
    if record.record_type == "crime" and "crime" not in what:
        text = f"{text} (crime)"
    return f"{text}, {in_words(record.occurred_at)}"


def _role(book: Casebook, key: RecordKey, person: str) -> str:
    roles = sorted(
        {n.mention.role.replace("_", " ") for n in book.named.get(key, ()) if n.person == person}
    )
    return " and ".join(roles)


def _shared_objects(book: Casebook, a: RecordKey, b: RecordKey) -> list[tuple[str, str]]:
    """The (type, identifier) pairs the two records both name, each identifier as written on
    either record ('YX19 ABC' and 'yx19abc' are one vehicle)."""

    def norm(text: str) -> str:
        return "".join(text.split()).lower()

    first, second = book.records.get(a), book.records.get(b)
    if first is None or second is None:
        return []
    mine = {(o.object_type, norm(o.identifier)) for o in first.objects}
    theirs = {(o.object_type, norm(o.identifier)) for o in second.objects}
    both = mine & theirs
    return sorted(
        {
            (o.object_type, o.identifier)
            for o in (*first.objects, *second.objects)
            if (o.object_type, norm(o.identifier)) in both
        }
    )


def describe_events(
    book: Casebook,
    person: str,
    other: str,
    other_name: str,
    events: list[AssociationEvent],
    refs: dict[RecordKey, RecordRef],
    addresses: dict[str, str],
    person_name: str = "this person",
) -> list[Reason]:
    """Each reason two people are associated, in words; one per record, home or object."""
    reasons: dict[tuple[str, str], Reason] = {}
    for event in events:
        if event.address is not None:
            place = addresses.get(event.address) or "the same address"
            key = ("address", event.address)
            reason = reasons.get(key)
            if reason is None:
                reason = reasons[key] = Reason(
                    "address", event.at, f"Both recorded as living at {place}."
                )
        elif len(event.evidence) == 1:
            record = event.evidence[0]
            key = ("record", f"{record.source_system}/{record.source_id}")
            reason = reasons.get(key)
            if reason is None:
                mine, theirs = _role(book, record, person), _role(book, record, other)
                ref = refs.get(record)
                what = ref.text if ref else "a record"
                reason = reasons[key] = Reason(
                    "record",
                    event.at,
                    f"Named together on {what}: {person_name} as {mine or 'named'}, "
                    f"{other_name} as {theirs or 'named'}.",
                )
        else:
            shared = _shared_objects(book, *event.evidence[:2])
            kind = shared[0][0] if shared else "phone"
            ident = " or ".join(sorted({i for _, i in shared})) or "an identifier"
            key = (kind, "".join(ident.split()).lower())
            reason = reasons.get(key)
            if reason is None:
                reason = reasons[key] = Reason(
                    kind,
                    event.at,
                    f"The same {OBJECT_WORDS.get(kind, kind)} ({ident}) is on records naming each.",
                )
        for record in event.evidence:
            ref = refs.get(record)
            if ref is not None and ref not in reason.records:
                reason.records.append(ref)
        reason.at = min(reason.at, event.at)
    order = list(KINDS)
    return sorted(reasons.values(), key=lambda r: (order.index(r.kind), r.at))


def address_words(keys: Iterable[str]) -> dict[str, str]:
    """Address key -> the address as first written (with its postcode)."""
    out = {}
    for key, address, postcode in Location.objects.filter(key__in=sorted(set(keys))).values_list(
        "key", "address", "postcode"
    ):
        out[key] = ", ".join(p for p in (address, postcode) if p) or "an address"
    return out


def person_pks(person_ids: Iterable[str]) -> dict[str, int]:
    ids = sorted(set(person_ids))
    found: dict[str, int] = {}
    for i in range(0, len(ids), 500):
        found.update(
            Person.objects.filter(person_id__in=ids[i : i + 500]).values_list("person_id", "pk")
        )
    return found


def marks(pks: Iterable[int], viewer: Viewer, book: Casebook | None = None) -> dict[int, list[str]]:
    """Person pk -> what staff must notice about them, in words, from the records this viewer
    may see: registered sex offender (named on an rso record), suspect in a sexual offence,
    named in a sexual or exploitation matter (ALERTS.md 'Named in a matter'), flagged at risk of
    exploitation. A few queries per 500 people; only the candidate records are read, and those
    the casebook ``book`` holds are not parsed again."""
    wanted = sorted(set(pks))
    excluded = sorted(viewer.excluded_types())
    tags: dict[int, set[str]] = defaultdict(set)
    candidates: list[tuple[int, int, str, str, str]] = []
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        base = PersonMention.objects.filter(link__person_id__in=chunk)
        if excluded:
            base = base.exclude(record__record_type__in=excluded)
        for pk in base.filter(
            record__record_type="rso", role__in=("offender", "subject")
        ).values_list("link__person_id", flat=True):
            tags[pk].add(OFFENDER)
        candidates += list(
            base.filter(record__record_type__in=MATTER_TYPES)
            .exclude(role__in=sorted(NOT_NAMED_IN_MATTER_ROLES))
            .values_list(
                "link__person_id", "record_id", "role", "record__source_system", "record__source_id"
            )
        )
        for pk, flags in base.exclude(flags="").values_list("link__person_id", "flags"):
            for flag in EXPLOITATION_RISK_FLAGS.intersection(flags.split()):
                tags[pk].add(FLAG_TAGS[flag])
    held = book.records if book is not None else {}
    parsed: dict[int, RecordBase] = {}
    for _, pk, _, system, source_id in candidates:
        if (known := held.get(RecordKey(system, source_id))) is not None:
            parsed[pk] = known
    records = sorted({c[1] for c in candidates} - set(parsed))
    for i in range(0, len(records), 500):
        for pk, payload in Record.objects.filter(pk__in=records[i : i + 500]).values_list(
            "pk", "payload"
        ):
            if (read := _parse(payload)) is not None:
                parsed[pk] = read
    matter = {pk for pk, r in parsed.items() if is_sexual_or_exploitation_matter(r)}
    sexual = {pk for pk, r in parsed.items() if is_sexual_offence(r)}
    for person, record, role, _, _ in candidates:
        if record in matter:
            tags[person].add(IN_MATTER)
        if record in sexual and role in ("suspect", "offender"):
            tags[person].add(SEXUAL_SUSPECT)
    order = [OFFENDER, SEXUAL_SUSPECT, IN_MATTER, *FLAG_TAGS.values()]
    return {pk: [t for t in order if t in found] for pk, found in tags.items()}


def _parse(payload: Any) -> RecordBase | None:
    try:
        return parse_record(payload)
    except ValueError:
        return None


def around(person: Person, viewer: Viewer, *, as_of: dt.datetime | None = None) -> Around:
    """Everyone linked to the person by one hop as of now (or ``as_of``), with why."""
    now = as_of or timezone.now()
    hood = Neighbourhood()
    book = load_book(hood.association_support(person.pk))
    me = person.person_id
    excluded = viewer.excluded_types()
    found: list[tuple[str, list[AssociationEvent]]] = []
    withheld = 0
    for other, events in book.associations(me, now):
        shown = [
            e
            for e in events
            if not any(
                (r := book.records.get(k)) is not None and r.record_type in excluded
                for k in e.evidence
            )
        ]
        if shown:
            found.append((other, shown))
        else:
            withheld += 1
    refs = record_refs(book, {k for _, events in found for e in events for k in e.evidence})
    places = address_words({e.address for _, events in found for e in events if e.address})
    pks = person_pks([me, *(other for other, _ in found)])
    summaries = summarise(pks.values(), viewer, with_alerts=False, today=timezone.localdate(now))
    tagged = marks([pks[o] for o, _ in found if o in pks], viewer, book)
    associates = []
    for other, events in found:
        pk = pks.get(other)
        summary = summaries.get(pk) if pk is not None else None
        name = summary.best_name if summary else _book_name(book, other, now)
        associates.append(
            Associate(
                person_id=other,
                name=name,
                url=reverse("people:person", args=[other]) if pk is not None else None,
                summary=summary,
                reasons=describe_events(book, me, other, name, events, refs, places),
                tags=list(tagged.get(pk, [])) if pk is not None else [],
            )
        )
    associates.sort(key=lambda a: (not a.concern, -a.latest.timestamp(), a.name))
    return Around(person, summaries.get(person.pk), associates, withheld, now)


def _book_name(book: Casebook, person: str, now: dt.datetime) -> str:
    for row in reversed(book.appearances(person, now)):
        name = " ".join(p for p in (row.mention.forename, row.mention.surname) if p)
        if name:
            return f"{name} (not linked to a person yet)"
    return "A person with no recorded name"
