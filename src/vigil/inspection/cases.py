"""What counts as a case of each practice area (AUDIT.md 'Practice areas'), over the rules'
casebook as of the audit's end. Pure: no Django; the store side is ``inspection.sampling``.

A case is one area and one index record; its subjects are every child it concerns (for
``sex_offender``, the offender). Each definition reuses the rules' own: a DA incident and the
children exposed to it (named on it or living at its address on its date) are
:class:`vigil.rules.view.View`'s; a child is a child as the rules judge one (any recorded date of
birth, or an age estimate, making them under 18 on the triggering record's ``occurred_at``, for
custody on ``arrived_at``); a sexual or exploitation matter and the roles that name someone in one
are :mod:`vigil.rules.definitions`'.

"In the period" is judged by the time the area turns on: ``occurred_at`` for most, the start of
police protection, the decision of a section 47 referral, the opening of an investigation, the
arrival in custody; a registered sex offender is managed from registration, so every offender
registered by the audit's end is a case of its period. The period runs from the start of its
first day to the end of its last, in Europe/London.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from vigil.records.contract import (
    Concern,
    Crime,
    Custody,
    Intelligence,
    Investigation,
    MissingEpisode,
    PoliceProtection,
    RecordBase,
    Referral,
    RsoRecord,
)
from vigil.rules.casebook import Named
from vigil.rules.clock import start_of_day
from vigil.rules.definitions import NOT_NAMED_IN_MATTER_ROLES
from vigil.rules.model import Finding, MentionKey, RecordKey
from vigil.rules.view import DaIncident, View, exposed_to

# The record types an area's index record can be (the store's first cut).
RECORD_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "domestic_abuse": ("call", "concern", "crime"),
    "child_concern": ("concern",),
    "information_sharing": ("referral", "strategy_discussion"),
    "police_protection": ("police_protection",),
    "section_47": ("investigation", "referral"),
    "sex_offender": ("rso",),
    "missing": ("missing",),
    "cse": ("crime", "intelligence", "investigation", "missing"),
    "online_sexual_abuse": ("crime", "investigation"),
    "custody": ("custody",),
}
REFERRED_AGENCIES: Final = frozenset({"childrens_social_care", "mash"})
ONLINE_FLAGS: Final = frozenset({"online", "indecent_images"})
CSE_FLAG, CSE_TOPIC, CSE_RISK = "child_sexual_exploitation", "cse", "cse_risk"


@dataclass(frozen=True)
class Period:
    """An audit's period: the start of its first London day to the end of its last."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, first: dt.date, last: dt.date) -> Period:
        end = start_of_day(last + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
        return cls(start_of_day(first).astimezone(dt.UTC), end.astimezone(dt.UTC))

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, dt.datetime) and self.start <= moment <= self.end


@dataclass(frozen=True)
class Subject:
    person_id: str
    mentions: tuple[MentionKey, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "mentions": [
                {
                    "source_system": m.source_system,
                    "source_id": m.source_id,
                    "mention_id": m.mention_id,
                }
                for m in self.mentions
            ],
        }

    def stored(self) -> dict[str, Any]:
        """As ``AuditCase.subjects`` keeps it."""
        return {"person_id": self.person_id, "mentions": [list(m) for m in self.mentions]}


@dataclass(frozen=True)
class Case:
    area: str
    index: RecordKey
    subjects: tuple[Subject, ...]

    @property
    def case_ref(self) -> str:
        return case_ref(self.area, self.index)

    @property
    def person_ids(self) -> frozenset[str]:
        return frozenset(s.person_id for s in self.subjects)


def case_ref(area: str, key: RecordKey) -> str:
    """AUDIT.md: ``AREA:SOURCE_SYSTEM:SOURCE_ID`` of the index record."""
    return f"{area}:{key.source_system}:{key.source_id}"


def parse_case_ref(ref: str) -> tuple[str, RecordKey]:
    """The area and index record a case reference names; ValueError if it names none."""
    parts = ref.split(":", 2)
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ValueError(f"'{ref}' is not a case reference (AREA:SOURCE_SYSTEM:SOURCE_ID)")
    if parts[0] not in RECORD_TYPES:
        raise ValueError(f"'{ref}' names no practice area ('{parts[0]}')")
    return parts[0], RecordKey(parts[1], parts[2])


# --- the store's first cut: what a source record alone can rule out ---------------------------


def deciding_time(area: str, record: RecordBase) -> dt.datetime | None:
    """The time inside the record the area's 'in the period' turns on, if not ``occurred_at``."""
    if area == "police_protection" and isinstance(record, PoliceProtection):
        return record.started_at
    if area == "section_47" and isinstance(record, Referral):
        return record.decision_at
    if area == "section_47" and isinstance(record, Investigation):
        return record.opened_at
    if area == "custody" and isinstance(record, Custody):
        return record.arrived_at
    if area == "sex_offender" and isinstance(record, RsoRecord):
        return record.registered_at
    return None


def may_be_case(area: str, record: RecordBase, period: Period) -> bool:
    """False only when the source record alone shows it is no case of the area in the period
    (a value the source holds always wins over an amendment, RECORDS.md): the store's cheap
    first cut before a casebook decides."""
    if record.record_type not in RECORD_TYPES[area] or record.occurred_at > period.end:
        return False
    when = deciding_time(area, record)
    if area == "sex_offender":
        return when is None or when <= period.end
    if when is not None:
        return when in period
    if area in ("police_protection", "section_47", "custody"):
        return True  # an amendment may supply the time; else occurred_at decides
    return record.occurred_at in period


# --- the definitions, over a view as of the audit's end ----------------------------------------


class Finder:
    """The cases a view (the casebook as of the audit's end) holds, area by area."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.book = view.book
        self._incident_of: dict[RecordKey, DaIncident] | None = None

    def incident_of(self, key: RecordKey) -> DaIncident | None:
        if self._incident_of is None:
            self._incident_of = {
                k: incident for incident in self.view.da_incidents.values() for k in incident.keys
            }
        return self._incident_of.get(key)

    def _record(self, key: RecordKey) -> RecordBase | None:
        record = self.book.records.get(key)
        if record is None or self.book.time_of[key] > self.view.as_of:
            return None
        return record

    def _children(self, record: RecordBase, roles: Iterable[str] | None = None) -> list[str]:
        wanted = None if roles is None else frozenset(roles)
        return [
            n.person
            for n in self.view.children_on(record)
            if wanted is None or n.mention.role in wanted
        ]

    def _named(self, record: RecordBase, roles: Iterable[str]) -> list[Named]:
        wanted = frozenset(roles)
        return [n for n in self.book.named[self.book.key_of(record)] if n.mention.role in wanted]

    def moment(self, area: str, key: RecordKey) -> dt.datetime | None:
        """When the record became a case of the area (what 'in the period' is judged on)."""
        record = self._record(key)
        if record is None:
            return None
        if area == "domestic_abuse":
            incident = self.incident_of(key)
            return incident.at if incident is not None else None
        when = deciding_time(area, record)
        if when is None:
            return record.occurred_at
        # Not started, decided, opened, arrived or registered yet at the audit's end.
        return self.view.seen(when)

    def in_period(self, area: str, key: RecordKey, period: Period) -> bool:
        moment = self.moment(area, key)
        if moment is None:
            return False
        if area == "sex_offender":  # managed from registration to the audit's end
            return moment <= period.end
        return moment in period

    def subjects(self, area: str, key: RecordKey) -> list[str] | None:
        """The persons the record concerns as a case of the area, whatever its period; None
        when it is not a case of the area at all (wrong kind of record, or no child)."""
        record = self._record(key)
        if record is None:
            return None
        found = self._subjects(area, key, record)
        return sorted(set(found)) if found else None

    def _subjects(self, area: str, key: RecordKey, record: RecordBase) -> list[str]:
        view = self.view
        if area == "domestic_abuse":
            incident = self.incident_of(key)
            # One case per incident: its index record is its first DA record.
            if incident is None or incident.keys[0] != key:
                return []
            return exposed_to(view, incident.root)
        if area == "child_concern":
            if not isinstance(record, Concern):
                return []
            referred = any(
                r.agency in REFERRED_AGENCIES and (r.at is None or r.at <= view.as_of)
                for r in record.referred_to
            )
            return self._children(record) if referred else []
        if area == "information_sharing":
            if record.record_type not in ("strategy_discussion", "referral"):
                return []
            return self._children(record)
        if area == "police_protection":
            if not isinstance(record, PoliceProtection):
                return []
            return self._children(record, ["subject"])
        if area == "section_47":
            if isinstance(record, Referral):
                if record.decision != "section_47" or (
                    record.decision_at is not None and record.decision_at > view.as_of
                ):
                    return []
                return self._children(record)
            if isinstance(record, Investigation):
                return self._children(record, ["victim"])
            return []
        if area == "sex_offender":
            if not isinstance(record, RsoRecord):
                return []
            if record.registered_at is not None and record.registered_at > view.as_of:
                return []
            return [n.person for n in self._named(record, ["offender", "subject"])]
        if area == "missing":
            if not isinstance(record, MissingEpisode):
                return []
            return self._children(record, ["missing_person"])
        if area == "cse":
            if key not in self.book.matters or not self._is_cse(record):
                return []
            return [
                n.person
                for n in view.children_on(record)
                if n.mention.role not in NOT_NAMED_IN_MATTER_ROLES
            ]
        if area == "online_sexual_abuse":
            if not isinstance(record, Crime | Investigation):
                return []
            online = record.offence_group == "online_sexual" or not ONLINE_FLAGS.isdisjoint(
                record.flags
            )
            return self._children(record) if online else []
        if area == "custody":
            if not isinstance(record, Custody):
                return []
            arrived = view.seen(record.arrived_at) or record.occurred_at
            return [
                n.person
                for n in self._named(record, ["detainee"])
                if view.is_child(n.person, arrived)
            ]
        raise ValueError(f"no practice area '{area}'")

    def _is_cse(self, record: RecordBase) -> bool:
        if isinstance(record, Intelligence) and CSE_TOPIC in record.topics:
            return True
        if isinstance(record, Crime | Investigation) and CSE_FLAG in record.flags:
            return True
        return any(CSE_RISK in n.mention.flags for n in self.book.named[self.book.key_of(record)])

    def case(self, area: str, key: RecordKey, period: Period | None = None) -> Case | None:
        """The case of the area this record is the index of (in the period, if one is given)."""
        if period is not None and not self.in_period(area, key, period):
            return None
        persons = self.subjects(area, key)
        if persons is None:
            return None
        as_of = self.view.as_of
        return Case(
            area,
            key,
            tuple(Subject(p, self.book.mentions_of(p, as_of)) for p in persons),
        )

    def cases(self, area: str, period: Period) -> list[Case]:
        """Every case of the area in the period that the casebook holds, by case reference."""
        found = []
        for record_type in RECORD_TYPES[area]:
            for record in self.view.records(record_type):
                case = self.case(area, self.book.key_of(record), period)
                if case is not None:
                    found.append(case)
        return sorted(found, key=lambda c: c.case_ref)


# --- Vigil's findings in a case --------------------------------------------------------------


def findings_in(case: Case, findings: Sequence[Finding]) -> list[Finding]:
    """The findings on one of the case's subjects or on its index record."""
    persons = case.person_ids
    return [
        f
        for f in findings
        if (f.subject_kind == "person" and f.person_id in persons)
        or (f.subject_kind == "record" and f.record == case.index)
    ]


def finding_json(finding: Finding) -> dict[str, Any]:
    """As ``AuditCase.findings`` keeps a finding: enough for the case page without the store."""
    subject: dict[str, Any]
    if finding.subject_kind == "person":
        subject = {"kind": "person", "person_id": finding.person_id}
    else:
        assert finding.record is not None
        subject = {
            "kind": "record",
            "source_system": finding.record.source_system,
            "source_id": finding.record.source_id,
        }
    return {
        "code": finding.code,
        "severity": finding.severity,
        "explanation": finding.explanation,
        "evidence": [list(k) for k in finding.evidence],
        "subject": subject,
        "raised_at": finding.raised_at.isoformat(),
    }
