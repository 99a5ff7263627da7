"""The casebook as of one moment: the per-evaluation facts that several rules share.

A View answers the ALERTS.md definitions that depend on the moment of evaluation: is this
person a child, which records form one incident, which DA incidents a child is exposed to,
whether a person shows an exploitation signal. Each is computed at most once per evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from vigil.records.contract import Concern, Crime, RecordBase
from vigil.rules.casebook import Casebook, Named
from vigil.rules.clock import in_words, london_date
from vigil.rules.definitions import (
    EXPLOITATION_RISK_FLAGS,
    FLAG_WORDS,
    NOT_NAMED_IN_MATTER_ROLES,
    describe,
    with_article,
)
from vigil.rules.model import Finding, MentionKey, RecordKey
from vigil.rules.policy import Policy


def _union(edges: Iterable[tuple[dt.datetime, RecordKey, RecordKey]]) -> dict[RecordKey, RecordKey]:
    """Union-find over links: each linked record -> the smallest key of its group."""
    parent: dict[RecordKey, RecordKey] = {}

    def find(key: RecordKey) -> RecordKey:
        root = key
        while parent.get(root, root) != root:
            root = parent[root]
        while key != root:
            parent[key], key = root, parent[key]
        return root

    for _, a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            # The smaller key is the root so that an incident's name never depends on order.
            parent[max(ra, rb)] = min(ra, rb)
            parent.setdefault(min(ra, rb), min(ra, rb))
    return {key: find(key) for key in parent}


@dataclass(frozen=True)
class DaIncident:
    """One DA incident: its DA records, joined by follows_from/part_of links, counted once."""

    root: RecordKey
    da_records: tuple[RecordBase, ...]  # the incident's DA records, oldest first

    @property
    def records(self) -> tuple[RecordBase, ...]:
        """The records a child is named on to be exposed, and that carry its assessments."""
        return self.da_records

    @property
    def at(self) -> dt.datetime:
        return self.da_records[0].occurred_at

    @property
    def last_at(self) -> dt.datetime:
        return self.da_records[-1].occurred_at

    @property
    def keys(self) -> tuple[RecordKey, ...]:
        return tuple(RecordKey(r.source_system, r.source_id) for r in self.records)

    def in_words(self) -> str:
        # Named after its most serious record: a crime says more than the call that reported it.
        def weight(record: RecordBase) -> int:
            return 0 if isinstance(record, Crime) else 1 if isinstance(record, Concern) else 2

        primary = min(self.da_records, key=lambda r: (weight(r), r.occurred_at))
        return f"{in_words(primary.occurred_at)} {describe(primary)}"


@dataclass(frozen=True)
class Signal:
    """Why a person shows an exploitation signal, and since when."""

    at: dt.datetime
    evidence: tuple[RecordKey, ...]
    reasons: tuple[str, ...]


class View:
    """One evaluation: the casebook seen as of ``as_of`` under ``policy``."""

    def __init__(
        self,
        casebook: Casebook,
        policy: Policy,
        as_of: dt.datetime,
        scope: frozenset[str] | None = None,
    ) -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must carry a UTC offset")
        self.book = casebook
        self.policy = policy
        self.as_of = as_of.astimezone(dt.UTC)  # as the casebook's indexes (fast comparisons)
        self.scope = scope
        self._own_signals: dict[str, Signal | None] = {}
        self._suspect_signals: dict[str, Signal | None] = {}
        self._signals: dict[str, Signal | None] = {}

    # --- scope and time -------------------------------------------------------------------------

    def in_scope(self, person: str) -> bool:
        return self.scope is None or person in self.scope

    def record_in_scope(self, key: RecordKey) -> bool:
        return self.scope is None or not self.scope.isdisjoint(self.book.persons_on(key))

    def days_ago(self, days: float) -> dt.datetime:
        return self.as_of - dt.timedelta(days=days)

    def seen(self, moment: dt.datetime | None) -> dt.datetime | None:
        """A time inside a record, or None if it is later than the moment of evaluation."""
        return moment if moment is not None and moment <= self.as_of else None

    def records(self, record_type: str, since: dt.datetime | None = None) -> list[RecordBase]:
        return self.book.records_of_type(record_type, self.as_of, since)

    # --- people -------------------------------------------------------------------------------------

    def is_child(self, person: str, when: dt.datetime) -> bool:
        return self.book.is_child(person, when, self.as_of)

    def children_on(self, record: RecordBase, when: dt.datetime | None = None) -> list[Named]:
        """The record's mentions of people who are children on its occurred_at (or ``when``)."""
        moment = when or record.occurred_at
        return [
            named
            for named in self.book.named[self.book.key_of(record)]
            if self.is_child(named.person, moment)
        ]

    def name_of(self, person: str) -> str:
        """The fullest name the person's latest mentions give, for explanations."""
        for row in reversed(self.book.appearances(person, self.as_of)):
            parts = [row.mention.forename, row.mention.surname]
            if any(parts):
                return " ".join(p for p in parts if p)
        return "a person with no recorded name"

    # --- incidents -------------------------------------------------------------------------------

    @cached_property
    def _incident_root(self) -> dict[RecordKey, RecordKey]:
        # Records about one incident: every link visible now, either way and transitively (a
        # link carried by a later record joins nothing yet).
        return _union(self.book.links_upto(self.as_of))

    @cached_property
    def _incident_members(self) -> dict[RecordKey, list[RecordKey]]:
        members: dict[RecordKey, list[RecordKey]] = defaultdict(list)
        for key, root in self._incident_root.items():
            members[root].append(key)
        return dict(members)

    def incident_of(self, key: RecordKey) -> RecordKey:
        return self._incident_root.get(key, key)

    def incident_records(self, key: RecordKey) -> list[RecordKey]:
        """Every visible record in the same incident as ``key`` (itself included)."""
        return self._incident_members.get(self.incident_of(key), [key])

    @cached_property
    def _da_incident_root(self) -> dict[RecordKey, RecordKey]:
        # ALERTS.md 'DA incident' (v1.1): DA records joined by follows_from/part_of links between
        # DA records, directly or through other DA records. A MARAC, referral or strategy
        # discussion about several incidents, or an 'about' link, joins none of them.
        return _union(self.book.da_links_upto(self.as_of))

    @cached_property
    def da_incidents(self) -> dict[RecordKey, DaIncident]:
        grouped: dict[RecordKey, list[RecordBase]] = defaultdict(list)
        roots = self._da_incident_root
        for record_type in ("call", "crime", "concern"):
            for record in self.records(record_type):
                key = self.book.key_of(record)
                if key in self.book.da_records:
                    grouped[roots.get(key, key)].append(record)
        incidents = {}
        for root, da_records in grouped.items():
            order = sorted(da_records, key=lambda r: (r.occurred_at, r.source_system, r.source_id))
            incidents[root] = DaIncident(root, tuple(order))
        return incidents

    @cached_property
    def exposures(self) -> dict[str, dict[RecordKey, dt.datetime]]:
        """Person -> DA incidents they are named on or live at, with the moment it touched them.

        Whether the person was a child then is for the rule to ask (is_child on that moment).
        """
        exposed: dict[str, dict[RecordKey, dt.datetime]] = defaultdict(dict)

        def touch(person: str, root: RecordKey, at: dt.datetime) -> None:
            current = exposed[person].get(root)
            if current is None or at < current:
                exposed[person][root] = at

        for root, incident in self.da_incidents.items():
            for record in incident.records:
                key = self.book.key_of(record)
                for named in self.book.named[key]:
                    touch(named.person, root, record.occurred_at)
            for record in incident.da_records:
                place = self.book.location_key.get(self.book.key_of(record))
                if place is None:
                    continue
                day = london_date(record.occurred_at)
                for person in self.book.residents_on(place, day, self.as_of):
                    touch(person, root, record.occurred_at)
        return dict(exposed)

    @cached_property
    def exposed_by_incident(self) -> dict[RecordKey, dict[str, dt.datetime]]:
        """DA incident -> the people exposed to it, with the moment (the inverse of exposures)."""
        by_root: dict[RecordKey, dict[str, dt.datetime]] = defaultdict(dict)
        for person, incidents in self.exposures.items():
            for root, at in incidents.items():
                by_root[root][person] = at
        return dict(by_root)

    def child_exposures(self, person: str, since: dt.datetime | None = None) -> list[DaIncident]:
        """The DA incidents the person was exposed to as a child, any of them after ``since``."""
        found = []
        for root, at in self.exposures.get(person, {}).items():
            incident = self.da_incidents[root]
            if since is not None and incident.last_at <= since:
                continue
            if self.is_child(person, at):
                found.append(incident)
        return sorted(found, key=lambda i: (i.at, i.root))

    def latest_da_assessment(
        self, incidents: Iterable[DaIncident]
    ) -> tuple[RecordBase, str, dt.datetime] | None:
        """The risk assessment with the latest assessed_at among the incidents: (record, level, at)."""
        latest: tuple[dt.datetime, RecordKey, RecordBase, str] | None = None
        for incident in incidents:
            for record in incident.records:
                assessment = getattr(record, "risk_assessment", None)
                if assessment is None or assessment.level is None:
                    continue
                if assessment.assessed_at is not None and assessment.assessed_at > self.as_of:
                    continue  # not yet assessed at the moment of evaluation
                at = assessment.assessed_at or record.occurred_at
                candidate = (at, self.book.key_of(record), record, assessment.level)
                if latest is None or candidate[:2] > latest[:2]:
                    latest = candidate
        if latest is None:
            return None
        return latest[2], latest[3], latest[0]

    # --- exploitation signals ----------------------------------------------------------------------

    def own_signal(self, person: str) -> Signal | None:
        """A cse_risk/cce_risk flag, or being named in a sexual or exploitation matter (in any
        role but reporting person, witness, professional, parent or carer and household member:
        ALERTS.md 'Named in a matter', v1.1)."""
        if person not in self._own_signals:
            evidence: list[RecordKey] = []
            reasons: list[str] = []
            first: dt.datetime | None = None
            for row in self.book.appearances(person, self.as_of):
                key = row.key.record
                flags = EXPLOITATION_RISK_FLAGS.intersection(row.mention.flags)
                why = [f"flagged {FLAG_WORDS[f]}" for f in sorted(flags)]
                if key in self.book.matters and row.mention.role not in NOT_NAMED_IN_MATTER_ROLES:
                    why.append(
                        f"named ({row.mention.role.replace('_', ' ')}) in {with_article(describe(row.record))}"
                    )
                if why:
                    first = first or row.at
                    evidence.append(key)
                    reasons.append(f"{' and '.join(why)} on {in_words(row.at)}")
            self._own_signals[person] = (
                Signal(first, tuple(evidence), tuple(reasons)) if first is not None else None
            )
        return self._own_signals[person]

    def sexual_suspect_signal(self, person: str) -> Signal | None:
        """Named as suspect or offender in a sexual offence."""
        if person not in self._suspect_signals:
            rows = [
                row
                for row in self.book.appearances(person, self.as_of)
                if row.mention.role in ("suspect", "offender")
                and row.key.record in self.book.sexual_offences
            ]
            self._suspect_signals[person] = (
                Signal(
                    rows[0].at,
                    tuple(r.key.record for r in rows),
                    tuple(
                        f"{r.mention.role} in {with_article(describe(r.record))} on {in_words(r.at)}"
                        for r in rows
                    ),
                )
                if rows
                else None
            )
        return self._suspect_signals[person]

    def exploitation_signal(self, person: str) -> Signal | None:
        """ALERTS.md MISSING_EXPLOITATION_RISK's 'exploitation signal', own or by association."""
        if person in self._signals:
            return self._signals[person]
        parts: list[Signal] = []
        own = self.own_signal(person)
        if own is not None:
            parts.append(own)
        for other, events in sorted(self.book.associations(person, self.as_of)):
            for theirs in (self.own_signal(other), self.sexual_suspect_signal(other)):
                if theirs is None:
                    continue
                link = events[0]
                parts.append(
                    Signal(
                        max(link.at, theirs.at),
                        tuple(e for event in events for e in event.evidence) + theirs.evidence,
                        tuple(
                            f"associated since {in_words(link.at)} with {self.name_of(other)}, {why}"
                            for why in theirs.reasons
                        ),
                    )
                )
        signal = None
        if parts:
            signal = Signal(
                min(p.at for p in parts),
                tuple(dict.fromkeys(e for p in parts for e in p.evidence)),
                tuple(r for p in parts for r in p.reasons),
            )
        self._signals[person] = signal
        return signal

    # --- findings ---------------------------------------------------------------------------------

    def _evidence(self, evidence: Iterable[RecordKey]) -> tuple[RecordKey, ...]:
        unique = set(evidence)
        return tuple(sorted(unique, key=lambda k: (self.book.time_of.get(k, self.as_of), k)))

    def _finish(self, code: str, raised_at: dt.datetime) -> tuple[str, dt.datetime, dt.datetime]:
        severity = self.policy.severity(code)
        raised = min(raised_at, self.as_of)
        due = raised + dt.timedelta(hours=self.policy.response_hours[severity])
        return severity, raised, due

    def person_finding(
        self,
        code: str,
        person: str,
        explanation: str,
        evidence: Iterable[RecordKey],
        raised_at: dt.datetime,
    ) -> Finding:
        severity, raised, due = self._finish(code, raised_at)
        return Finding(
            code=code,
            severity=severity,
            subject_kind="person",
            person_id=person,
            record=None,
            mentions=self.book.mentions_of(person, self.as_of),
            explanation=explanation,
            evidence=self._evidence(evidence),
            thresholds=self.policy.thresholds(code),
            raised_at=raised,
            due_at=due,
        )

    def record_finding(
        self,
        code: str,
        record: RecordBase,
        explanation: str,
        raised_at: dt.datetime,
        evidence: Iterable[RecordKey] = (),
        children_when: dt.datetime | None = None,
    ) -> Finding:
        key = self.book.key_of(record)
        severity, raised, due = self._finish(code, raised_at)
        mentions: tuple[MentionKey, ...] = tuple(
            sorted(n.key for n in self.children_on(record, children_when))
        )
        return Finding(
            code=code,
            severity=severity,
            subject_kind="record",
            person_id=None,
            record=key,
            mentions=mentions,
            explanation=explanation,
            evidence=self._evidence([key, *evidence]),
            thresholds=self.policy.thresholds(code),
            raised_at=raised,
            due_at=due,
        )


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 device', '2 devices'."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def listing(items: Iterable[str]) -> str:
    """Items read aloud in order: commas, or semicolons when an item has commas of its own."""
    parts = list(items)
    return ("; " if any("," in part for part in parts) else ", ").join(parts)


def exposed_to(view: View, root: RecordKey) -> list[str]:
    """People who were children when exposed to the DA incident ``root``."""
    touched = view.exposed_by_incident.get(root, {})
    return sorted(person for person, at in touched.items() if view.is_child(person, at))
