"""The rule package's own vocabulary: keys that name records and mentions, and the Finding.

A Finding is what a rule reports: the engine around this package stores it as an alert with a
lifecycle. Nothing here knows about Django or the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
SubjectKind = Literal["person", "record"]
ThresholdValue = int | float | str | bool


class RecordKey(NamedTuple):
    """A record's identity across every system: ``(source_system, source_id)``."""

    source_system: str
    source_id: str


class MentionKey(NamedTuple):
    """One person as named on one record: identity resolution maps these to person ids."""

    source_system: str
    source_id: str
    mention_id: str

    @property
    def record(self) -> RecordKey:
        return RecordKey(self.source_system, self.source_id)


def unresolved_person_id(key: MentionKey) -> str:
    """The person id of a mention that identity resolution has not linked: its own person."""
    return f"m:{key.source_system}/{key.source_id}/{key.mention_id}"


@dataclass(frozen=True)
class Finding:
    """One alert condition that holds at the moment of evaluation.

    ``person_id`` is set for person subjects and ``record`` for record subjects. ``mentions``
    is every mention linked to the person (person subject) or the record's mentions of
    children (record subject). ``evidence`` is every record the finding rests on.
    """

    code: str
    severity: str
    subject_kind: SubjectKind
    person_id: str | None
    record: RecordKey | None
    mentions: tuple[MentionKey, ...]
    explanation: str
    evidence: tuple[RecordKey, ...]
    thresholds: Mapping[str, ThresholdValue] = field(hash=False)
    raised_at: dt.datetime
    due_at: dt.datetime | None

    @property
    def subject(self) -> str | RecordKey:
        """What the alert is about: a person id or a record key (one finding per code and this)."""
        if self.subject_kind == "person":
            assert self.person_id is not None
            return self.person_id
        assert self.record is not None
        return self.record

    def as_json(self) -> dict[str, Any]:
        """The alert's fields in the shape of CLI.md (without alert_id and status, which the
        engine that stores alerts adds)."""
        subject: dict[str, Any] = {"kind": self.subject_kind}
        if self.subject_kind == "person":
            subject["person_id"] = self.person_id
        else:
            assert self.record is not None
            subject.update(self.record._asdict())
        subject["mentions"] = [m._asdict() for m in self.mentions]
        return {
            "code": self.code,
            "severity": self.severity,
            "raised_at": self.raised_at.isoformat(),
            "due_at": self.due_at.isoformat() if self.due_at is not None else None,
            "subject": subject,
            "explanation": self.explanation,
            "evidence": [e._asdict() for e in self.evidence],
            "thresholds": dict(self.thresholds),
        }

    def sort_key(self) -> tuple[str, str, str, str, str]:
        record = self.record or RecordKey("", "")
        return (self.code, self.subject_kind, self.person_id or "", *record)
