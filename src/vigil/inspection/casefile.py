"""What an auditor reads for a case (AUDIT.md): each subject's whole chronology up to the
audit's end, and what Vigil's rules found, each with its explanation and evidence. Read from the
store directly (this app sits below the people pages), as the viewer may see it: intelligence
only for roles that may see intelligence. Two queries for the subjects, one for the evidence."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import RESTRICTED_TYPES, Viewer, kind_label
from vigil.alerts.titles import title
from vigil.identity.summaries import full_name
from vigil.inspection.models import AuditCase
from vigil.inspection.words import day_text, record_words
from vigil.records.models import PersonMention, Record


@dataclass
class Line:
    """One record in a subject's chronology."""

    pk: int
    occurred_at: dt.datetime
    what: str
    restricted: bool = False
    index: bool = False  # the case's own record
    summary: str = ""
    roles: list[str] = field(default_factory=list)

    @property
    def when(self) -> str:
        local = timezone.localtime(self.occurred_at)
        return f"{day_text(local.date())}, {local:%H:%M}"

    @property
    def url(self) -> str:
        return reverse("people:record", args=[self.pk])


@dataclass
class Subject:
    person_id: str
    name: str
    born: dt.date | None
    lines: list[Line]

    @property
    def label(self) -> str:
        return self.name + (f", born {day_text(self.born)}" if self.born else "")


@dataclass
class Evidence:
    label: str
    url: str = ""  # empty: the record is not held, or the viewer may not open it


@dataclass
class Finding:
    code: str
    title: str
    severity: str
    explanation: str | None  # None: withheld (it draws on a record the viewer may not see)
    about: str
    evidence: list[Evidence]


def subjects(case: AuditCase, until: dt.datetime, viewer: Viewer) -> list[Subject]:
    ids = [s["person_id"] for s in case.subjects if s.get("person_id")]
    if not ids:
        return []
    rows = (
        PersonMention.objects.filter(link__person__person_id__in=ids, occurred_at__lte=until)
        .values(
            "link__person__person_id",
            "record_id",
            "role",
            "forename",
            "middle_names",
            "surname",
            "date_of_birth",
            "record__record_type",
            "record__occurred_at",
            "record__summary",
            "record__source_system",
            "record__source_id",
        )
        .order_by("occurred_at", "record_id", "pk")
    )
    lines: dict[str, dict[int, Line]] = {pid: {} for pid in ids}
    names: dict[str, Counter[str]] = {pid: Counter() for pid in ids}
    born: dict[str, Counter[dt.date]] = {pid: Counter() for pid in ids}
    for row in rows:
        pid = row["link__person__person_id"]
        rtype = row["record__record_type"]
        restricted = rtype in RESTRICTED_TYPES and not viewer.intelligence
        line = lines[pid].get(row["record_id"])
        if line is None:
            line = lines[pid][row["record_id"]] = Line(
                pk=row["record_id"],
                occurred_at=row["record__occurred_at"],
                what="Restricted record" if restricted else kind_label(rtype),
                restricted=restricted,
                summary="" if restricted else row["record__summary"],
                index=(row["record__source_system"], row["record__source_id"])
                == (case.index_system, case.index_source_id),
            )
        if restricted:
            continue
        role = row["role"].replace("_", " ")
        if role not in line.roles:
            line.roles.append(role)
        if name := full_name(row["forename"], row["middle_names"], row["surname"]):
            names[pid][name] += 1
        if row["date_of_birth"]:
            born[pid][row["date_of_birth"]] += 1
    return [
        Subject(
            person_id=pid,
            name=names[pid].most_common(1)[0][0] if names[pid] else "Name not recorded",
            born=born[pid].most_common(1)[0][0] if born[pid] else None,
            lines=sorted(lines[pid].values(), key=lambda ln: (ln.occurred_at, ln.pk)),
        )
        for pid in ids
    ]


def findings(case: AuditCase, people: list[Subject], viewer: Viewer) -> list[Finding]:
    """Vigil's findings on the case, as evaluated at the audit's end, with their evidence."""
    keys = {tuple(e) for f in case.findings for e in f.get("evidence", [])}
    keys |= {
        (f["subject"]["source_system"], f["subject"]["source_id"])
        for f in case.findings
        if isinstance(f.get("subject"), dict) and f["subject"].get("kind") == "record"
    }
    held: dict[tuple[str, str], tuple[int, str, dt.datetime]] = {}
    if keys:
        held = {
            (s, i): (pk, t, at)
            for s, i, pk, t, at in Record.objects.filter(
                source_system__in={k[0] for k in keys}, source_id__in={k[1] for k in keys}
            ).values_list("source_system", "source_id", "pk", "record_type", "occurred_at")
            if (s, i) in keys
        }
    named = {p.person_id: p.label for p in people}
    out = []
    for raw in case.findings:
        evidence = []
        withheld = False
        for key in raw.get("evidence", []):
            found = held.get((key[0], key[1]))
            if found is None:
                evidence.append(Evidence("A record Vigil no longer holds"))
            elif found[1] in RESTRICTED_TYPES and not viewer.intelligence:
                withheld = True
                evidence.append(Evidence("Restricted record"))
            else:
                evidence.append(
                    Evidence(
                        record_words(found[1], found[2]),
                        reverse("people:record", args=[found[0]]),
                    )
                )
        out.append(
            Finding(
                code=raw["code"],
                title=title(raw["code"], raw.get("thresholds")),
                severity=str(raw.get("severity", "")),
                explanation=None if withheld else str(raw.get("explanation", "")),
                about=_about(raw.get("subject"), named, held, viewer),
                evidence=evidence,
            )
        )
    return out


def _about(
    subject: Any,
    named: dict[str, str],
    held: dict[tuple[str, str], tuple[int, str, dt.datetime]],
    viewer: Viewer,
) -> str:
    """Whom (one of the case's people) or what (a record, in words) a finding is about."""
    if isinstance(subject, dict) and subject.get("kind") == "record":
        found = held.get((subject.get("source_system", ""), subject.get("source_id", "")))
        if found is None or (found[1] in RESTRICTED_TYPES and not viewer.intelligence):
            return ""
        return record_words(found[1], found[2])
    if isinstance(subject, dict):
        subject = subject.get("person_id") or ""
    if isinstance(subject, str):
        pid = subject.removeprefix("person:")
        return named.get(pid, "")
    return ""
