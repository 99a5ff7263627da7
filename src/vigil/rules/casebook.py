"""The casebook: every record, indexed once, so each rule is a cheap look-up.

Built from contract records and identity resolution's mapping of mentions to persons. Every
index is independent of the moment of evaluation; each query takes ``as_of`` and sees only
records with ``occurred_at`` at or before it (ALERTS.md 'As of'). Lists are kept sorted by
time so that "as of T" is a bisection, not a scan.
"""

from __future__ import annotations

import datetime as dt
import gc
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, NamedTuple, TypeVar

import networkx as nx

from vigil.records.contract import Mention, RecordBase
from vigil.rules.amendments import amendment_order, effective_record, split_amendments
from vigil.rules.clock import add_years, age_on, collector_paused, london_date, start_of_day
from vigil.rules.definitions import (
    ADULT_AGE,
    DWELLING,
    INCIDENT_RELATIONS,
    NON_ASSOCIATING_ROLES,
    address_key,
    is_da_record,
    is_sexual_offence,
    is_sexual_or_exploitation_matter,
)
from vigil.rules.model import MentionKey, RecordKey, unresolved_person_id

V = TypeVar("V")


class Named(NamedTuple):
    """A person named on a record."""

    person: str
    mention: Mention
    key: MentionKey


class Appearance(NamedTuple):
    """One entry of a person's timeline: a record that names them, and how."""

    at: dt.datetime
    record: RecordBase
    mention: Mention
    key: MentionKey


class AssociationEvent(NamedTuple):
    """One reason two people are associated, from the moment ``at``.

    ``address`` is set when the reason is a shared address, so that an address later shown
    to be a care home or hotel stops linking people (as of the moment it is known).
    """

    at: dt.datetime
    evidence: tuple[RecordKey, ...]
    address: str | None


class _TimedList(Generic[V]):
    """Values sorted by time, with the times alongside for bisection."""

    __slots__ = ("times", "values")

    def __init__(self, pairs: list[tuple[dt.datetime, V]]) -> None:
        self.times = [at for at, _ in pairs]
        self.values = [value for _, value in pairs]

    def upto(self, moment: dt.datetime) -> int:
        """How many entries are at or before ``moment``."""
        return bisect_right(self.times, moment)


def _record_sort_key(record: RecordBase) -> tuple[dt.datetime, str, str]:
    return (record.occurred_at, record.source_system, record.source_id)


def _latest_versions(records: Iterable[RecordBase]) -> dict[RecordKey, RecordBase]:
    """One record per identity: the highest version, else the last one given (RECORDS.md)."""
    held: dict[RecordKey, RecordBase] = {}
    for record in records:
        key = RecordKey(record.source_system, record.source_id)
        current = held.get(key)
        if current is not None and (current.version or 0) > (record.version or 0):
            continue
        held[key] = record
    return held


_SETTLE_AFTER = 20_000  # records; below this a full collection costs more than it saves

_AddEvent = Callable[[str, str, AssociationEvent], None]


class Casebook:
    """Every record and the indexes the rules need, built once."""

    def __init__(
        self,
        records: Iterable[RecordBase],
        identity: Mapping[MentionKey, str] | None = None,
        *,
        amendments_upto: dt.datetime | None = None,
    ) -> None:
        """``amendments_upto``: apply only amendments that occurred by then (default: all)."""
        with collector_paused():
            self._build(records, identity or {}, amendments_upto)
        if len(self.records) >= _SETTLE_AFTER and gc.isenabled():
            # One full collection now moves the casebook's objects to the oldest generation at
            # once, so evaluation does not pay for promoting them bit by bit (50,000 people:
            # build and evaluate 30 s without the pause and this, 27 s with them).
            gc.collect()

    def _build(
        self,
        records: Iterable[RecordBase],
        identity: Mapping[MentionKey, str],
        amendments_upto: dt.datetime | None,
    ) -> None:
        self._held = _latest_versions(records)
        self._identity = identity
        self._amendments_upto = amendments_upto
        self._variants: dict[frozenset[RecordKey], Casebook] = {}
        self.records: dict[RecordKey, RecordBase] = self._effective_records(amendments_upto)
        ordered = sorted(self.records.values(), key=_record_sort_key)
        self.time_of: dict[RecordKey, dt.datetime] = {}
        self.named: dict[RecordKey, tuple[Named, ...]] = {}
        self._by_type: dict[str, list[RecordBase]] = defaultdict(list)
        timeline: dict[str, list[Appearance]] = defaultdict(list)
        for record in ordered:
            key = RecordKey(record.source_system, record.source_id)
            # Times in the indexes are all UTC: comparing aware datetimes with one tzinfo is
            # several times faster than across offsets, and bisection does it millions of times.
            at = record.occurred_at.astimezone(dt.UTC)
            self.time_of[key] = at
            self._by_type[record.record_type].append(record)
            named = []
            for mention in record.people:
                mkey = MentionKey(key.source_system, key.source_id, mention.mention_id)
                person = identity.get(mkey) or unresolved_person_id(mkey)
                named.append(Named(person, mention, mkey))
                timeline[person].append(Appearance(at, record, mention, mkey))
            self.named[key] = tuple(named)
        self._type_times = {
            kind: [self.time_of[self.key_of(r)] for r in rows]
            for kind, rows in self._by_type.items()
        }
        self.timeline: dict[str, list[Appearance]] = dict(timeline)
        self._timeline_times = {p: [a.at for a in rows] for p, rows in self.timeline.items()}
        self.da_records = frozenset(k for k, r in self.records.items() if is_da_record(r))
        self.matters = frozenset(
            k for k, r in self.records.items() if is_sexual_or_exploitation_matter(r)
        )
        self.sexual_offences = frozenset(k for k, r in self.records.items() if is_sexual_offence(r))
        self._index_births()
        self._index_addresses()
        self._index_links()
        self.graph = self._association_graph()

    # --- amendments (RECORDS.md v1.1 'Records written in Vigil') -----------------------------

    def _effective_records(self, upto: dt.datetime | None) -> dict[RecordKey, RecordBase]:
        """Records of their own, each read as its effective record. An amendment is no record
        of its own for the rules: it is read only through the record it amends."""
        own, amendments = split_amendments(list(self._held.values()))
        records = {self.key_of(r): r for r in own}
        # amendment -> the record it amends, and when it counts from (its occurred_at).
        self.amendment_target: dict[RecordKey, RecordKey] = {}
        self._amendment_times: dict[RecordKey, dt.datetime] = {}
        # amended record -> the amendments that supplied a value or entry to it here.
        self.suppliers: dict[RecordKey, tuple[RecordKey, ...]] = {}
        for target, found in amendments.items():
            source = records.get(target)
            for amendment in found:
                key = self.key_of(amendment)
                self.amendment_target[key] = target
                if source is not None and amendment.record_type == source.record_type:
                    self._amendment_times[key] = amendment.occurred_at.astimezone(dt.UTC)
            if source is None:
                continue  # waits for its target
            applied = sorted(
                (a for a in found if upto is None or a.occurred_at <= upto), key=amendment_order
            )
            effective = effective_record(source, applied)
            if effective.suppliers:
                records[target] = effective.record
                self.suppliers[target] = effective.suppliers
        return records

    def at(self, as_of: dt.datetime) -> Casebook:
        """The casebook as evaluation at ``as_of`` reads it: only amendments with occurred_at at
        or before it applied (ALERTS.md 'Effective record'). Itself when that is all of them."""
        applicable = frozenset(k for k, at in self._amendment_times.items() if at <= as_of)
        if self._amendments_upto is None and len(applicable) == len(self._amendment_times):
            return self
        root = self if self._amendments_upto is None else self._root
        if len(applicable) == len(root._amendment_times):
            return root
        variant = root._variants.get(applicable)
        if variant is None:
            variant = Casebook(root._held.values(), root._identity, amendments_upto=as_of)
            variant._root = root
            root._variants = {applicable: variant}  # one kept: evaluations rarely go back
        return variant

    _root: Casebook

    # --- records ----------------------------------------------------------------------------

    def key_of(self, record: RecordBase) -> RecordKey:
        return RecordKey(record.source_system, record.source_id)

    def records_of_type(
        self, record_type: str, as_of: dt.datetime, since: dt.datetime | None = None
    ) -> list[RecordBase]:
        """Records of one type with occurred_at in (since, as_of], oldest first."""
        rows = self._by_type.get(record_type, [])
        times = self._type_times.get(record_type, [])
        end = bisect_right(times, as_of)
        start = bisect_right(times, since) if since is not None else 0
        return rows[start:end]

    def persons_on(self, key: RecordKey) -> set[str]:
        return {named.person for named in self.named.get(key, ())}

    # --- persons ----------------------------------------------------------------------------

    @property
    def persons(self) -> Iterable[str]:
        return self.timeline.keys()

    def appearances(
        self, person: str, as_of: dt.datetime, since: dt.datetime | None = None
    ) -> list[Appearance]:
        """The person's timeline with occurred_at in (since, as_of], oldest first."""
        rows = self.timeline.get(person, [])
        times = self._timeline_times.get(person, [])
        start = bisect_right(times, since) if since is not None else 0
        return rows[start : bisect_right(times, as_of)]

    def mentions_of(self, person: str, as_of: dt.datetime) -> tuple[MentionKey, ...]:
        """Every mention linked to the person, on records visible as of the moment."""
        return tuple(sorted(a.key for a in self.appearances(person, as_of)))

    def _index_births(self) -> None:
        # For "is a child": any recorded date that makes them one counts, so keep the latest
        # (youngest) birth date seen so far. An age estimate stands for the latest birth date
        # consistent with it: the age on its own record's occurred_at.
        self._youngest: dict[str, _TimedList[dt.date]] = {}
        self._dobs: dict[str, list[tuple[dt.datetime, dt.date]]] = {}
        for person, rows in self.timeline.items():
            youngest: dt.date | None = None
            track: list[tuple[dt.datetime, dt.date]] = []
            recorded: list[tuple[dt.datetime, dt.date]] = []
            for row in rows:
                birth = row.mention.date_of_birth
                if birth is not None:
                    recorded.append((row.at, birth))
                elif row.mention.age_estimate is not None:
                    birth = add_years(london_date(row.at), -row.mention.age_estimate)
                if birth is not None and (youngest is None or birth > youngest):
                    youngest = birth
                    track.append((row.at, birth))
            if track:
                self._youngest[person] = _TimedList(track)
            if recorded:
                self._dobs[person] = recorded

    def is_child(self, person: str, when: dt.datetime, as_of: dt.datetime) -> bool:
        """Under 18 on the London date of ``when`` by any date of birth known as of ``as_of``."""
        track = self._youngest.get(person)
        if track is None:
            return False
        index = track.upto(as_of)
        if index == 0:
            return False
        return age_on(track.values[index - 1], london_date(when)) < ADULT_AGE

    def usual_birth_date(self, person: str, as_of: dt.datetime) -> dt.date | None:
        """The date of birth recorded most often (on a tie, the latest): used for 'turned 18'."""
        recorded = [birth for at, birth in self._dobs.get(person, []) if at <= as_of]
        if not recorded:
            return None
        counts = Counter(recorded)
        return max(counts, key=lambda birth: (counts[birth], birth))

    # --- addresses --------------------------------------------------------------------------

    def _index_addresses(self) -> None:
        self._addresses: dict[str, _TimedList[tuple[str, RecordKey]]] = {}
        appearances_at: dict[str, list[tuple[dt.datetime, str, RecordKey]]] = defaultdict(list)
        for person, rows in self.timeline.items():
            track: list[tuple[dt.datetime, tuple[str, RecordKey]]] = []
            for row in rows:
                home = address_key(row.mention.address, row.mention.postcode)
                if home is not None:
                    track.append((row.at, (home, row.key.record)))
                    appearances_at[home].append((row.at, person, row.key.record))
            if track:
                self._addresses[person] = _TimedList(track)
        for found in appearances_at.values():
            found.sort()
        self._appearances_at = dict(appearances_at)
        # When each address was first recorded as something other than a private dwelling.
        self._not_dwelling_since: dict[str, dt.datetime] = {}
        self.location_key: dict[RecordKey, str] = {}
        for key, record in self.records.items():
            location = record.location
            if location is None:
                continue
            place = address_key(location.address, location.postcode)
            if place is None:
                continue
            self.location_key[key] = place
            if location.premises_type not in (None, DWELLING):
                seen = self._not_dwelling_since.get(place)
                if seen is None or self.time_of[key] < seen:
                    self._not_dwelling_since[place] = self.time_of[key]

    def is_dwelling(self, place: str, as_of: dt.datetime) -> bool:
        """An address links people unless a record known by ``as_of`` types it otherwise."""
        since = self._not_dwelling_since.get(place)
        return since is None or since > as_of

    def address_on(self, person: str, day: dt.date, as_of: dt.datetime) -> str | None:
        """The address on the person's latest mention on or before the date (ALERTS.md)."""
        track = self._addresses.get(person)
        if track is None:
            return None
        end_of_day = start_of_day(day + dt.timedelta(days=1))
        index = min(bisect_left(track.times, end_of_day), track.upto(as_of))
        if index == 0:
            return None
        return track.values[index - 1][0]

    def address_at(self, person: str, moment: dt.datetime) -> tuple[str, RecordKey] | None:
        """The address on the person's latest mention at or before ``moment``, and its record."""
        track = self._addresses.get(person)
        if track is None:
            return None
        index = track.upto(moment)
        if index == 0:
            return None
        return track.values[index - 1]

    def residents_on(self, place: str, day: dt.date, as_of: dt.datetime) -> list[str]:
        """People whose address on the date is ``place`` (a private dwelling as of ``as_of``)."""
        if not self.is_dwelling(place, as_of):
            return []
        rows = self._appearances_at.get(place, [])
        cutoff = min(start_of_day(day + dt.timedelta(days=1)), as_of + dt.timedelta(microseconds=1))
        candidates = {person for at, person, _ in rows if at < cutoff}
        return sorted(p for p in candidates if self.address_on(p, day, as_of) == place)

    # --- links between records ----------------------------------------------------------------

    def _index_links(self) -> None:
        # A link exists from the moment both records exist: before that, one of them is unseen.
        edges: list[tuple[dt.datetime, RecordKey, RecordKey]] = []
        da_edges: list[tuple[dt.datetime, RecordKey, RecordKey]] = []
        for key, record in self.records.items():
            for link in record.links:
                other = RecordKey(link.source_system, link.source_id)
                if other in self.records and other != key:
                    at = max(self.time_of[key], self.time_of[other])
                    edges.append((at, key, other))
                    # ALERTS.md 'DA incident' (v1.1): only follows_from/part_of between two DA
                    # records joins incidents; 'about' links and links through other records
                    # (a MARAC or referral about several incidents) never do.
                    if (
                        link.relation in INCIDENT_RELATIONS
                        and key in self.da_records
                        and other in self.da_records
                    ):
                        da_edges.append((at, key, other))
        edges.sort()
        da_edges.sort()
        self.link_edges = edges
        self._link_times = [at for at, _, _ in edges]
        self.da_link_edges = da_edges
        self._da_link_times = [at for at, _, _ in da_edges]

    def links_upto(self, as_of: dt.datetime) -> list[tuple[dt.datetime, RecordKey, RecordKey]]:
        """Every link between held records visible as of the moment (records about one incident)."""
        return self.link_edges[: bisect_right(self._link_times, as_of)]

    def da_links_upto(self, as_of: dt.datetime) -> list[tuple[dt.datetime, RecordKey, RecordKey]]:
        """The links that join DA records into one DA incident, visible as of the moment."""
        return self.da_link_edges[: bisect_right(self._da_link_times, as_of)]

    # --- association graph ('Linked (association), one hop') ----------------------------------

    def _association_graph(self) -> nx.Graph:
        events: dict[tuple[str, str], list[AssociationEvent]] = defaultdict(list)

        def add(a: str, b: str, event: AssociationEvent) -> None:
            if a != b:
                events[(a, b) if a < b else (b, a)].append(event)

        objects: dict[tuple[str, str], list[tuple[dt.datetime, RecordKey, list[str]]]] = (
            defaultdict(list)
        )
        for key, record in self.records.items():
            people = sorted(
                {n.person for n in self.named[key] if n.mention.role not in NON_ASSOCIATING_ROLES}
            )
            at = self.time_of[key]
            shared = AssociationEvent(at, (key,), None)
            for i, a in enumerate(people):
                for b in people[i + 1 :]:
                    add(a, b, shared)
            if people:
                for obj in record.objects:
                    ident = "".join(obj.identifier.split()).lower()
                    if ident:
                        objects[(obj.object_type, ident)].append((at, key, people))
        for shared_by in objects.values():
            self._pair_over_time(sorted(shared_by), add)
        for place, residents in self._appearances_at.items():
            self._pair_residents(place, residents, add)
        graph = nx.Graph()
        graph.add_nodes_from(self.timeline)
        for (a, b), found in events.items():
            found.sort(key=lambda event: (event.at, event.evidence, event.address or ""))
            graph.add_edge(a, b, events=found)
        return graph

    @staticmethod
    def _pair_over_time(
        rows: list[tuple[dt.datetime, RecordKey, list[str]]], add: _AddEvent
    ) -> None:
        # Records sharing an identifier link their people from the later record's moment.
        latest: dict[str, RecordKey] = {}
        for at, key, people in rows:
            for person in people:
                for other, other_key in latest.items():
                    if other_key != key:
                        add(person, other, AssociationEvent(at, (key, other_key), None))
            for person in people:
                latest[person] = key

    def _pair_residents(
        self, place: str, rows: list[tuple[dt.datetime, str, RecordKey]], add: _AddEvent
    ) -> None:
        # A person recorded at an address is associated with everyone whose address was then
        # the same. An address already known not to be a dwelling links no one, ever after.
        not_dwelling = self._not_dwelling_since.get(place)
        seen: dict[str, None] = {}
        for at, person, key in rows:
            if not_dwelling is not None and not_dwelling <= at:
                break
            for other in seen:
                if other == person:
                    continue
                current = self.address_at(other, at)
                if current is not None and current[0] == place:
                    other_row = current[1]
                    if other_row != key:
                        add(person, other, AssociationEvent(at, (key, other_row), place))
            seen[person] = None

    def associations(
        self, person: str, as_of: dt.datetime, since: dt.datetime | None = None
    ) -> Iterator[tuple[str, list[AssociationEvent]]]:
        """Each associate of the person with the events in (since, as_of] that link them."""
        if person not in self.graph:
            return
        for other, data in self.graph.adj[person].items():
            found = [
                event
                for event in data["events"]
                if event.at <= as_of
                and (since is None or event.at > since)
                and (event.address is None or self.is_dwelling(event.address, as_of))
            ]
            if found:
                yield other, found

    # --- incremental re-evaluation -------------------------------------------------------------

    def affected_persons(self, keys: Iterable[RecordKey]) -> set[str]:
        """Everyone whose findings a change to these records may change, for ``evaluate(persons=)``.

        The people named on the records and on records linked to them, the people living at
        their addresses, and everyone within two hops of association of those (a network or
        sex-offender finding about a child rests on an adult's other associations).
        """
        start: set[str] = set()
        # An amendment changes the record it amends: the people on that record are affected.
        keys = [self.amendment_target.get(k, k) for k in keys]
        pending = [k for k in keys if k in self.records]
        linked: set[RecordKey] = set(pending)
        neighbours: dict[RecordKey, set[RecordKey]] = defaultdict(set)
        for _, a, b in self.link_edges:
            neighbours[a].add(b)
            neighbours[b].add(a)
        while pending:
            key = pending.pop()
            for other in neighbours.get(key, ()):
                if other not in linked:
                    linked.add(other)
                    pending.append(other)
        for key in linked:
            start |= self.persons_on(key)
            place = self.location_key.get(key)
            if place is not None:
                start |= {person for _, person, _ in self._appearances_at.get(place, [])}
            for named in self.named[key]:
                home = address_key(named.mention.address, named.mention.postcode)
                if home is not None:
                    start |= {person for _, person, _ in self._appearances_at.get(home, [])}
        reached = set(start)
        frontier = start
        for _ in range(2):
            frontier = {n for p in frontier if p in self.graph for n in self.graph.adj[p]} - reached
            reached |= frontier
        return reached
