"""Who an import can affect, and which records their findings rest on, straight from the store.

Incremental evaluation (docs/rules.md, 'Engine') needs two sets without building the whole
casebook:

* :meth:`Neighbourhood.affected` — every person whose findings a change to some records may
  change (the people an import touches, their households and network neighbours);
* :meth:`Neighbourhood.support` — every record the findings about those people can depend on,
  so that a casebook of just those records gives each of them exactly the findings the full
  casebook gives.

Both are over-approximations built from indexed look-ups on the record tables: mentions by
record, by person and by address (``location_id``), records by location, records sharing an
object identifier, and records joined by links. A person here is an ``int``: the
``identity_person`` primary key, or minus the mention's primary key for a mention identity
resolution has not linked (the rules give such a mention a person of its own).

SQL text is built only from model table names and ``%s`` placeholders; every value goes in as a
parameter, hence the file-wide ``noqa: S608``.
"""
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection

from vigil.identity.models import MentionLink, Person
from vigil.records.contract import RecordBase, parse_record_json
from vigil.records.models import Location, PersonMention, Record, RecordLink, RecordObject
from vigil.rules import MentionKey, RecordKey
from vigil.rules.definitions import DWELLING, MATTER_CHILD_ROLES, NON_ASSOCIATING_ROLES
from vigil.rules.model import unresolved_person_id

_CHUNK = 900  # parameters per IN (...): under SQLite's limit

# Record types that can be a DA incident (ALERTS.md 'DA incident'); a superset is harmless.
_DA_TYPES = frozenset({"call", "crime", "concern"})
# Roles that may make someone an EXPLOITATION_NETWORK adult (suspect, offender; intelligence
# subject or associate). The record type and age are not checked here: a superset is harmless.
_NETWORK_ADULT_ROLES = frozenset({"suspect", "offender"})
_INTELLIGENCE_ADULT_ROLES = frozenset({"subject", "associate"})
# Record types that can be a sexual or exploitation matter (ALERTS.md).
_MATTER_TYPES = frozenset({"intelligence", "crime", "investigation", "missing"})
# An address stops linking people at its first record as other premises than a dwelling, and a
# DA incident there exposes no one after it; mentions there later than this margin past that
# moment can matter to no rule (the exposure rule looks to the end of the incident's day).
_MARGIN = dt.timedelta(days=2)


class Row(NamedTuple):
    """One mention: which record, how named, where the person lived, who it is."""

    mention: int
    record: int
    role: str
    location: int | None
    at: dt.datetime
    person: int


def _chunks(values: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _marks(values: list[int]) -> str:
    return ", ".join(["%s"] * len(values))


_M = PersonMention._meta.db_table
_L = MentionLink._meta.db_table
_P = Person._meta.db_table
_R = Record._meta.db_table
_O = RecordObject._meta.db_table
_K = RecordLink._meta.db_table
_LOC = Location._meta.db_table
# Who a mention is, as a look-up by primary key: a join here lets a planner with stale
# statistics scan every link after a bulk import.
_ROW = (
    f"SELECT m.id, m.record_id, m.role, m.location_id, m.occurred_at, "
    f"(SELECT l.person_id FROM {_L} l WHERE l.mention_id = m.id) FROM {_M} m "
)


@dataclass
class Neighbourhood:
    """Look-ups against the store, each fact fetched once per instance."""

    queries: int = 0
    _by_record: dict[int, list[Row]] = field(default_factory=dict)
    _by_person: dict[int, list[Row]] = field(default_factory=dict)
    _by_place: dict[int, list[Row]] = field(default_factory=dict)
    _place_records: dict[int, list[tuple[int, dt.datetime]]] = field(default_factory=dict)
    _linked: dict[int, set[int]] = field(default_factory=dict)
    _sharing: dict[int, set[int]] = field(default_factory=dict)
    _record_info: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    _not_dwelling: dict[int, list[tuple[dt.datetime, int]]] = field(default_factory=dict)
    # Records whose arrival is being assessed: an address's "not a dwelling since" is taken
    # without them, so that associations they end are still found (a superset either way).
    exclude: frozenset[int] = frozenset()

    # --- raw look-ups ------------------------------------------------------------------------

    def _rows(self, sql: str, params: list[int]) -> list[tuple[Any, ...]]:
        self.queries += 1
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    @staticmethod
    def _row(raw: tuple[Any, ...]) -> Row:
        pk, record, role, location, at, person = raw
        return Row(pk, record, role, location, at, person if person is not None else -pk)

    def rows_on(self, records: Iterable[int]) -> list[Row]:
        """Every mention on the records."""
        records = set(records)  # read twice below: a generator would be empty the second time
        wanted = [r for r in records if r not in self._by_record]
        for chunk in _chunks(wanted):
            for r in chunk:
                self._by_record[r] = []
            sql = f"{_ROW} WHERE m.record_id IN ({_marks(chunk)})"
            for raw in self._rows(sql, chunk):
                row = self._row(raw)
                self._by_record[row.record].append(row)
        return [row for r in records for row in self._by_record[r]]

    def rows_of(self, persons: Iterable[int]) -> list[Row]:
        """Every mention of the persons: their timelines."""
        people = set(persons)
        linked = [p for p in people if p >= 0 and p not in self._by_person]
        for chunk in _chunks(linked):
            for p in chunk:
                self._by_person[p] = []
            sql = (
                f"{_ROW} WHERE m.id IN (SELECT l.mention_id FROM {_L} l "
                f"WHERE l.person_id IN ({_marks(chunk)}))"
            )
            for raw in self._rows(sql, chunk):
                row = self._row(raw)
                self._by_person[row.person].append(row)
        unlinked = [-p for p in people if p < 0 and p not in self._by_person]
        for chunk in _chunks(unlinked):
            for m in chunk:
                self._by_person[-m] = []
            sql = f"{_ROW} WHERE m.id IN ({_marks(chunk)})"
            for raw in self._rows(sql, chunk):
                row = self._row(raw)
                self._by_person[row.person].append(row)
        return [row for p in people for row in self._by_person[p]]

    def rows_at(self, places: Iterable[int]) -> list[Row]:
        """Every mention giving one of these addresses (people recorded as living there)."""
        places = set(places)
        wanted = [p for p in places if p not in self._by_place]
        for chunk in _chunks(wanted):
            for p in chunk:
                self._by_place[p] = []
            sql = f"{_ROW} WHERE m.location_id IN ({_marks(chunk)})"
            for raw in self._rows(sql, chunk):
                row = self._row(raw)
                assert row.location is not None
                self._by_place[row.location].append(row)
        return [row for p in places for row in self._by_place[p]]

    def records_at(self, places: Iterable[int]) -> set[int]:
        """Records located at these places that rules read about the place: the possible DA
        incidents while it was still a private dwelling, and the first record showing it is not
        one (when it stopped linking people)."""
        places = set(places)
        wanted = [p for p in places if p not in self._place_records]
        for chunk in _chunks(wanted):
            for p in chunk:
                self._place_records[p] = []
            types = ", ".join(f"'{t}'" for t in sorted(_DA_TYPES))
            sql = (
                f"SELECT id, location_id, occurred_at FROM {_R} WHERE location_id IN "
                f"({_marks(chunk)}) AND record_type IN ({types})"
            )
            for record, place, at in self._rows(sql, chunk):
                self._place_records[place].append((record, at))
        found: set[int] = set()
        for place in places:
            since = self.since(place)
            found |= {
                r for r, at in self._place_records[place] if since is None or at < since + _MARGIN
            }
            found |= {r for _, r in self._not_dwelling[place][:1]}
        return found

    def since(self, place: int) -> dt.datetime | None:
        """When a record (other than the excluded) first showed the place is not a dwelling."""
        if place not in self._not_dwelling:
            self.not_dwelling([place])
        for at, record in self._not_dwelling[place]:
            if record not in self.exclude:
                return at
        return None

    def not_dwelling(self, places: Iterable[int]) -> None:
        wanted = [p for p in set(places) if p not in self._not_dwelling]
        for chunk in _chunks(wanted):
            for p in chunk:
                self._not_dwelling[p] = []
            sql = (
                f"SELECT location_id, occurred_at, id FROM {_R} WHERE location_id IN "
                f"({_marks(chunk)}) AND premises_type NOT IN ('', '{DWELLING}')"
            )
            for place, at, record in self._rows(sql, chunk):
                self._not_dwelling[place].append((at, record))
        for p in wanted:
            self._not_dwelling[p].sort()

    def first_not_dwelling(self, places: Iterable[int]) -> set[int]:
        """At each place, the first record showing it is not a private dwelling (from when it
        stops linking the people recorded there), if any."""
        places = set(places)
        self.not_dwelling(places)
        return {r for p in places for _, r in self._not_dwelling[p][:1]}

    def association_support(self, person: int) -> set[int]:
        """Every record the person's one-hop associations ('Linked (association)') rest on, so
        that a casebook of just these gives the person exactly the associations the whole
        store's casebook gives: their own records, the records sharing an object with those,
        the records giving an address of anyone recorded at their addresses (whose address on
        a date decides a shared address: their other records cannot change it), and the record
        that ends each address's linking."""
        own = self.timeline({person})
        places = self.places_of({person})
        addressed = {
            row.record for row in self.rows_of(self.residents(places)) if row.location is not None
        }
        return own | self.sharing_objects(own) | addressed | self.first_not_dwelling(places)

    def network_support(self, person: int) -> set[int]:
        """Every record the EXPLOITATION_NETWORK networks around the person rest on: the
        person's associations, those of each possible network adult among the person and
        their neighbours, and the whole timelines of the possible matter children around
        those adults (their ages and the matters naming them). Smaller than :meth:`support`,
        which also holds what other rules read (DA incidents, MARAC victims)."""
        records = self.association_support(person)
        adults = self.network_adult_candidates(self.neighbours({person}) | {person})
        for adult in adults:
            records |= self.association_support(adult)
        if adults:
            records |= self.timeline(self.matter_candidates(self.neighbours(adults) | {person}))
        return records

    def residents(self, places: Iterable[int]) -> set[int]:
        """People recorded as living at these places while they could link or be exposed."""
        places = set(places)
        self.not_dwelling(places)
        found = set()
        for row in self.rows_at(places):
            assert row.location is not None
            since = self.since(row.location)
            if since is None or row.at < since + _MARGIN:
                found.add(row.person)
        return found

    def info(self, records: Iterable[int]) -> dict[int, tuple[str, int | None]]:
        """Record -> (record type, location)."""
        records = set(records)  # read twice below: a generator would be spent by the first
        wanted = [r for r in records if r not in self._record_info]
        for chunk in _chunks(wanted):
            sql = f"SELECT id, record_type, location_id FROM {_R} WHERE id IN ({_marks(chunk)})"
            for record, kind, place in self._rows(sql, chunk):
                self._record_info[record] = (kind, place)
        return {r: self._record_info[r] for r in records if r in self._record_info}

    def sharing_objects(self, records: Iterable[int]) -> set[int]:
        """Records naming a vehicle, phone, device or account that one of these records names.

        The store's identifiers are normalised at least as coarsely as the rules compare them,
        so this is a superset of the rules' object sharing.
        """
        records = set(records)
        wanted = [r for r in records if r not in self._sharing]
        for chunk in _chunks(wanted):
            for r in chunk:
                self._sharing[r] = set()
            sql = (
                f"SELECT o1.record_id, o2.record_id FROM {_O} o1 JOIN {_O} o2 "
                f"ON o2.object_type = o1.object_type AND o2.identifier = o1.identifier "
                f"WHERE o1.record_id IN ({_marks(chunk)})"
            )
            for mine, other in self._rows(sql, chunk):
                self._sharing[mine].add(other)
        return {o for r in records for o in self._sharing[r]}

    def link_closure(self, records: Iterable[int]) -> set[int]:
        """The records and every record joined to them by links, either way, transitively."""
        found = set(records)
        frontier = set(found)
        while frontier:
            step: set[int] = set()
            for chunk in _chunks(r for r in frontier if r not in self._linked):
                for r in chunk:
                    self._linked[r] = set()
                marks = _marks(chunk)
                out = (
                    f"SELECT k.record_id, r.id FROM {_K} k JOIN {_R} r ON r.source_system = "
                    f"k.target_system AND r.source_id = k.target_id WHERE k.record_id IN ({marks})"
                )
                into = (
                    f"SELECT r.id, k.record_id FROM {_R} r JOIN {_K} k ON k.target_system = "
                    f"r.source_system AND k.target_id = r.source_id WHERE r.id IN ({marks})"
                )
                for sql in (out, into):
                    for mine, other in self._rows(sql, chunk):
                        self._linked[mine].add(other)
            for r in frontier:
                step |= self._linked[r]
            frontier = step - found
            found |= frontier
        return found

    # --- derived ------------------------------------------------------------------------------

    def persons_on(self, records: Iterable[int], *, associating: bool = False) -> set[int]:
        return {
            row.person
            for row in self.rows_on(records)
            if not associating or row.role not in NON_ASSOCIATING_ROLES
        }

    def timeline(self, persons: Iterable[int]) -> set[int]:
        """Every record naming one of the persons."""
        return {row.record for row in self.rows_of(persons)}

    def places_of(self, persons: Iterable[int]) -> set[int]:
        """Every address any of the persons was ever recorded at."""
        return self.places(
            {row.location for row in self.rows_of(persons) if row.location is not None}
        )

    def places(self, locations: Iterable[int]) -> set[int]:
        """The locations that are addresses to the rules: every one, since a location's key is
        the rules' address key (``vigil.records.normalise.location_key``; before, the store also
        kept postcode-only and postcode-less keys the rules ignored)."""
        return set(locations)

    def candidates(self, persons: Iterable[int]) -> set[int]:
        """A superset of everyone associated with, or named on a record with, the persons:
        named on their records (any role), on records sharing an object with theirs, or
        recorded at one of their addresses."""
        people = set(persons)
        records = self.timeline(people)
        found = self.persons_on(records | self.sharing_objects(records))
        found |= self.residents(self.places_of(people))
        return found

    def neighbours(self, persons: Iterable[int]) -> set[int]:
        """A superset of the association graph's neighbours ('Linked (association), one hop')."""
        people = set(persons)
        own = {row.record for row in self.rows_of(people) if row.role not in NON_ASSOCIATING_ROLES}
        found = self.persons_on(own, associating=True)
        found |= self.persons_on(self.sharing_objects(own), associating=True)
        found |= self.residents(self.places_of(people))
        return found

    def matter_candidates(self, persons: Iterable[int]) -> set[int]:
        """Those ever named in a role that can make a child part of a sexual or exploitation
        matter, on a record of a type that can be one."""
        rows = [r for r in self.rows_of(persons) if r.role in MATTER_CHILD_ROLES]
        info = self.info(r.record for r in rows)
        return {r.person for r in rows if info.get(r.record, ("", None))[0] in _MATTER_TYPES}

    def network_adult_candidates(self, persons: Iterable[int]) -> set[int]:
        """Those ever named as suspect or offender, or as subject or associate of intelligence."""
        rows = self.rows_of(persons)
        info = self.info(r.record for r in rows if r.role in _INTELLIGENCE_ADULT_ROLES)
        return {
            r.person
            for r in rows
            if r.role in _NETWORK_ADULT_ROLES
            or (
                r.role in _INTELLIGENCE_ADULT_ROLES
                and info.get(r.record, ("", None))[0] == "intelligence"
            )
        }

    def offender_candidates(self, persons: Iterable[int]) -> set[int]:
        """Those named as offender or subject of an rso record (registered sex offenders)."""
        rows = [r for r in self.rows_of(persons) if r.role in ("offender", "subject")]
        info = self.info(r.record for r in rows)
        return {r.person for r in rows if info.get(r.record, ("", None))[0] == "rso"}

    def association_readers(self, persons: Iterable[int]) -> set[int]:
        """Those whose findings can read an associate's facts: ever a missing person, suspect,
        offender or detainee (MISSING_EXPLOITATION_RISK, CHILD_SUSPECT_EXPLOITED), a possible
        child in a sexual or exploitation matter or network adult (EXPLOITATION_NETWORK), or a
        registered sex offender (RSO_CHILD_CONTACT)."""
        people = set(persons)
        found = {
            r.person
            for r in self.rows_of(people)
            if r.role in ("missing_person", "suspect", "offender", "detainee")
        }
        rest = people - found
        return (
            found
            | self.matter_candidates(rest)
            | self.network_adult_candidates(rest)
            | self.offender_candidates(rest)
        )

    def exposed_to_victims_incidents(self, persons: Iterable[int]) -> set[int]:
        """Everyone named on, or recorded at the place of, a possible DA incident in which one
        of the persons is a victim (MARAC_CRITERIA_MET_NOT_REFERRED names those children)."""
        victim_records = {row.record for row in self.rows_of(persons) if row.role == "victim"}
        info = self.info(victim_records)
        incidents = self.link_closure(r for r, (kind, _) in info.items() if kind in _DA_TYPES)
        places = self.places(
            place for _, place in self.info(incidents).values() if place is not None
        )
        return self.persons_on(incidents) | self.residents(places)

    # --- the two sets -------------------------------------------------------------------------

    def affected(self, touched: Iterable[int]) -> set[int]:
        """Everyone whose findings a change to the ``touched`` records may change."""
        touched = set(touched)
        self.exclude = frozenset(touched)
        named = self.persons_on(touched)
        incident = self.link_closure(touched)
        places = {place for _, place in self.info(incident).values() if place is not None}
        places |= {row.location for row in self.rows_on(incident) if row.location is not None}
        places = self.places(places) | self.places_of(named)
        at_places = self.residents(places)
        sharing = self.persons_on(self.sharing_objects(touched))
        # People whose own facts changed, or who are at either end of an association that
        # appeared, changed or disappeared (the seeds). One hop out, those whose findings read
        # their associates' facts: signals (a missing child, a child suspect), a sex offender's
        # contacts, network adults and the children in networks. Two hops out, through a
        # network adult, the other children of that network.
        seeds = named | at_places | sharing
        around = self.neighbours(seeds) - seeds
        first = self.association_readers(around)
        offenders = self.offender_candidates(seeds)
        if offenders:
            first |= self.neighbours(offenders) - seeds
        adults = self.network_adult_candidates(seeds | first)
        second = self.matter_candidates(self.neighbours(adults)) if adults else set()
        affected = seeds | first | second
        # Facts that reach no further: incidents (exposure), co-naming (sex-offender contact,
        # suspects at a child's address), a victim's other incidents (MARAC).
        on_incident = self.persons_on(incident)
        affected |= on_incident
        affected |= self.persons_on(self.timeline(named))
        affected |= self.exposed_to_victims_incidents(on_incident)
        return affected

    def support(self, persons: Iterable[int]) -> set[int]:
        """Every record the findings about these persons (and about records naming them) can
        depend on; see docs/rules.md 'Engine' for why each part is there."""
        scope = set(persons)
        own = self.timeline(scope)
        own_places = self.places_of(scope)
        records = self.link_closure(own | self.records_at(own_places))
        # Victims of the DA incidents the persons may be exposed to: their other incidents and
        # MARACs decide MARAC_CRITERIA_MET_NOT_REFERRED for the children exposed.
        victims = {row.person for row in self.rows_on(records) if row.role == "victim"}
        records |= self.link_closure(self.timeline(victims))
        # Everyone named with them (their ages decide which records name a child; a suspect's
        # address, an offender's registration). For those whose findings read associations,
        # everyone who may be associated with them, whose timelines decide the association and
        # what it brings; for the others, only the registered sex offenders among those.
        readers = self.association_readers(scope)
        around = self.persons_on(own) | self.candidates(readers)
        others = scope - readers
        if others:
            around |= self.offender_candidates(self.candidates(others))
        records |= self.timeline(around)
        records |= self.sharing_objects(own)
        # A child's EXPLOITATION_NETWORK finding counts each adult's other children: for the
        # possible network adults around possible matter children, their associations with
        # other possible matter children (both timelines, and whether the address was a
        # dwelling) come too.
        children = self.matter_candidates(scope)
        if children:
            adults = self.network_adult_candidates(self.candidates(children) - scope)
            if adults:
                places = self.places_of(adults)
                self.not_dwelling(places)
                records |= {r for p in places for _, r in self._not_dwelling[p][:1]}
                records |= self.timeline(adults)
                records |= self.timeline(self.matter_candidates(self.candidates(adults)))
        return records

    # --- loading --------------------------------------------------------------------------------

    def load(self, records: Iterable[int]) -> tuple[list[RecordBase], dict[MentionKey, str]]:
        """The records as the rules see them, and who each of their mentions is.

        The amendments of every record loaded come too: the rules read each record as its
        effective record (RECORDS.md v1.1 'Records written in Vigil').
        """
        parsed: list[RecordBase] = []
        identity: dict[MentionKey, str] = {}
        column = "r.payload::text" if connection.vendor == "postgresql" else "r.payload"
        wanted = set(records)
        wanted |= self.amendments_of(wanted)
        for chunk in _chunks(wanted):
            marks = _marks(chunk)
            for (text,) in self._rows(
                f"SELECT {column} FROM {_R} r WHERE r.id IN ({marks})", chunk
            ):
                parsed.append(parse_record_json(text))
            sql = (
                f"SELECT r.source_system, r.source_id, m.mention_id, p.person_id FROM {_M} m "
                f"JOIN {_R} r ON r.id = m.record_id JOIN {_L} l ON l.mention_id = m.id "
                f"JOIN {_P} p ON p.id = l.person_id WHERE m.record_id IN ({marks})"
            )
            for system, source_id, mention_id, person in self._rows(sql, chunk):
                identity[MentionKey(system, source_id, mention_id)] = person
        return parsed, identity

    def amendments_of(self, records: Iterable[int]) -> set[int]:
        """The records that amend one of these (links with relation 'amends' naming them)."""
        found: set[int] = set()
        for chunk in _chunks(records):
            sql = (
                f"SELECT k.record_id FROM {_R} r JOIN {_K} k ON k.target_system = "
                f"r.source_system AND k.target_id = r.source_id "
                f"WHERE r.id IN ({_marks(chunk)}) AND k.relation = 'amends'"
            )
            found |= {pk for (pk,) in self._rows(sql, chunk)}
        return found

    def person_ids(self, persons: Iterable[int]) -> set[str]:
        """The rules' person ids of these persons."""
        people = set(persons)
        found: set[str] = set()
        for chunk in _chunks(p for p in people if p >= 0):
            found |= {
                pid
                for (pid,) in self._rows(
                    f"SELECT person_id FROM {_P} WHERE id IN ({_marks(chunk)})", chunk
                )
            }
        for chunk in _chunks(-p for p in people if p < 0):
            sql = (
                f"SELECT r.source_system, r.source_id, m.mention_id FROM {_M} m JOIN {_R} r "
                f"ON r.id = m.record_id WHERE m.id IN ({_marks(chunk)})"
            )
            found |= {unresolved_person_id(MentionKey(*row)) for row in self._rows(sql, chunk)}
        return found

    def record_keys(self, records: Iterable[int]) -> set[RecordKey]:
        found: set[RecordKey] = set()
        for chunk in _chunks(records):
            sql = f"SELECT source_system, source_id FROM {_R} WHERE id IN ({_marks(chunk)})"
            found |= {RecordKey(*row) for row in self._rows(sql, chunk)}
        return found


_TABLES = (_M, _L, _P, _R, _O, _K, _LOC)


def ensure_statistics() -> list[str]:
    """ANALYZE the tables these look-ups read when much has changed since their last analysis.

    PostgreSQL plans the small indexed look-ups above well only with table statistics; after a
    bulk import or relink, without autovacuum (or before it runs), it may scan whole tables:
    ten times slower. This does what autovacuum's analyse would (a tenth of the rows changed).
    Returns the tables analysed.
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relname = ANY(%s) AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0)",
            [list(_TABLES)],
        )
        stale = sorted(name for (name,) in cursor.fetchall())
        if stale:
            # As the tables' owner (alerts migration 0002): the application's role owns none,
            # and PostgreSQL skips ANALYZE for it with no more than a warning.
            cursor.execute("SELECT vigil_analyze(%s)", [stale])
    return stale
