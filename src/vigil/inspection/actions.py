"""Changes to case audits (AUDIT.md 'Commands'): create an audit, draw its sample, load grades
from a CSV file. Each writes the change and its access-log entry in one transaction; the
reading that deciding cases and their findings needs is done before it.

``actor`` is who made the change as the access log names them: an account's username, or
``cli:<os user>`` for the command line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.inspection import sampling
from vigil.inspection.cases import Case, Period, finding_json, parse_case_ref
from vigil.inspection.grading import AREAS, ASSESSORS, GRADES
from vigil.inspection.models import Assessment, Audit, AuditCase
from vigil.rules import Finding

HEADER = ("case_ref", "area", "assessor", "grade", "rationale")


class AuditError(ValueError):
    """A request the method refuses (an unknown area, a period that ends before it starts)."""


# --- creating -------------------------------------------------------------------------------


def _next_audit_id() -> str:
    numbers = [
        int(m.group(1))
        for audit_id in Audit.objects.values_list("audit_id", flat=True)
        if (m := re.fullmatch(r"AUD-(\d+)", audit_id))
    ]
    return f"AUD-{max(numbers, default=0) + 1:04d}"


def create_audit(name: str, first: dt.date, last: dt.date, actor: str) -> Audit:
    """A new audit of the period ``first`` to ``last`` (both days included)."""
    name = name.strip()
    if not name:
        raise AuditError("an audit needs a name")
    if last < first:
        raise AuditError(f"the period ends ({last}) before it starts ({first})")
    for _ in range(5):
        try:
            with transaction.atomic():
                audit = Audit.objects.create(
                    audit_id=_next_audit_id(),
                    name=name,
                    period_from=first,
                    period_to=last,
                    created_by=actor,
                    created_at=timezone.now(),
                )
                log.record(
                    actor,
                    AuditAction.CASE_AUDIT_CREATE,
                    f"case-audit:{audit.audit_id}",
                    detail={"name": name, "from": first.isoformat(), "to": last.isoformat()},
                )
                return audit
        except IntegrityError:
            continue  # another audit took that number meanwhile
    raise AuditError("could not number the audit: try again")


def period(audit: Audit) -> Period:
    return sampling.period_of(audit.period_from, audit.period_to)


def as_of(audit: Audit) -> dt.datetime:
    """The end of the audit's last day (Europe/London): what the cases are evaluated at."""
    return period(audit).end


# --- sampling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """Fewer cases of an area than asked for were drawn."""

    area: str
    asked: int
    drawn: int
    held: int  # cases of the area the store holds for the period
    already: int  # of them, already in the audit

    def message(self) -> str:
        more = f", {self.already} of them already in the audit" if self.already else ""
        return (
            f"{self.area}: {self.asked} asked for, {self.drawn} drawn: the store holds "
            f"{self.held} {'case' if self.held == 1 else 'cases'} of this area for the "
            f"period{more}"
        )


def _stored_case(
    audit: Audit, case: Case, findings: Sequence[Finding], origin: str, at: dt.datetime
) -> AuditCase:
    return AuditCase(
        audit=audit,
        case_ref=case.case_ref,
        area=case.area,
        index_system=case.index.source_system,
        index_source_id=case.index.source_id,
        subjects=[s.stored() for s in case.subjects],
        findings=[finding_json(f) for f in findings],
        origin=origin,
        added_at=at,
    )


def parse_counts(counts: Mapping[str, int]) -> dict[str, int]:
    found = {}
    for area, n in counts.items():
        if area not in AREAS:
            raise AuditError(f"'{area}' is not a practice area (one of {', '.join(AREAS)})")
        if n < 1:
            raise AuditError(f"{area}: the number of cases must be at least 1, not {n}")
        found[area] = n
    if not found:
        raise AuditError("name at least one area and how many cases to draw")
    return found


def sample(
    audit: Audit,
    counts: Mapping[str, int],
    seed: int | None,
    actor: str,
    reading: sampling.Reading | None = None,
) -> tuple[list[AuditCase], list[Shortfall], int]:
    """Draw ``counts[area]`` cases of each area at random from the cases the store holds for
    the audit's period, none already in the audit, and add them. Returns the cases drawn (in
    the order of the areas asked, each area's in the order drawn), the areas that fell short,
    and the seed (a new one when none is given)."""
    wanted = parse_counts(counts)
    seed = secrets.randbelow(2**31) if seed is None else seed
    held = set(AuditCase.objects.filter(audit=audit).values_list("case_ref", flat=True))
    the_period = period(audit)
    draws = [
        sampling.draw(area, n, the_period, seed, exclude=held, reading=reading)
        for area, n in wanted.items()
    ]
    drawn = [case for d in draws for case in d.cases]
    findings = sampling.findings_for(drawn, the_period.end, reading)
    shortfalls = [
        Shortfall(d.area, d.asked, len(d.cases), d.held or 0, d.already) for d in draws if d.short
    ]
    now = timezone.now()
    with transaction.atomic():
        stored = [
            _stored_case(audit, c, findings.get(c.case_ref, ()), AuditCase.Origin.SAMPLE, now)
            for c in drawn
        ]
        AuditCase.objects.bulk_create(stored)
        log.record(
            actor,
            AuditAction.CASE_AUDIT_SAMPLE,
            f"case-audit:{audit.audit_id}",
            detail={
                "asked": wanted,
                "seed": seed,
                "drawn": {d.area: len(d.cases) for d in draws},
                "short": {s.area: s.held for s in shortfalls},
            },
        )
    order = {c.case_ref: n for n, c in enumerate(drawn)}
    saved = sorted(
        AuditCase.objects.filter(audit=audit, case_ref__in=list(order)),
        key=lambda c: order[c.case_ref],
    )
    return saved, shortfalls, seed


def case_json(case: AuditCase) -> dict[str, Any]:
    """AUDIT.md's case object (``vigil audit sample --json``)."""
    return {
        "case_ref": case.case_ref,
        "area": case.area,
        "subjects": [
            {
                "person_id": s["person_id"],
                "mentions": [
                    {"source_system": m[0], "source_id": m[1], "mention_id": m[2]}
                    for m in s["mentions"]
                ],
            }
            for s in case.subjects
        ],
        "index_record": {"source_system": case.index_system, "source_id": case.index_source_id},
        "vigil_findings": case.finding_codes,
    }


# --- grades from a file ---------------------------------------------------------------------


class GradesRefused(AuditError):
    """A row of a grades file breaks the rules: nothing of the file is recorded."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class GradeRow:
    line: int
    case_ref: str
    area: str
    assessor: str
    grade: str
    rationale: str


def read_grades(text: str) -> list[GradeRow]:
    """The rows of a grades file, each checked; GradesRefused names the first bad one."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[GradeRow] = []
    previous = 0
    header_seen = False
    try:
        for fields in reader:
            line, previous = previous + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line
            if not header_seen:
                header_seen = True
                if tuple(f.strip() for f in fields) != HEADER:
                    raise GradesRefused(
                        line, f"the header must be {','.join(HEADER)}, not {','.join(fields)}"
                    )
                continue
            rows.append(_grade_row(line, fields))
    except csv.Error as error:
        raise GradesRefused(reader.line_num, f"not readable as CSV ({error})") from None
    if not header_seen:
        raise GradesRefused(1, f"the file is empty: it needs the header {','.join(HEADER)}")
    return rows


def _grade_row(line: int, fields: list[str]) -> GradeRow:
    if len(fields) != len(HEADER):
        raise GradesRefused(line, f"{len(fields)} fields where {len(HEADER)} are expected")
    ref, area, assessor, grade, rationale = (f.strip() for f in fields)
    if not ref:
        raise GradesRefused(line, "case_ref is empty")
    if area not in AREAS:
        raise GradesRefused(line, f"area '{area}' is not one of {', '.join(AREAS)}")
    try:
        ref_area, _ = parse_case_ref(ref)
    except ValueError as error:
        raise GradesRefused(line, str(error)) from None
    if ref_area != area:
        raise GradesRefused(line, f"case_ref '{ref}' names area '{ref_area}', not '{area}'")
    if assessor not in ASSESSORS:
        raise GradesRefused(line, f"assessor '{assessor}' is not one of {', '.join(ASSESSORS)}")
    if grade not in GRADES:
        raise GradesRefused(line, f"grade '{grade}' is not one of {', '.join(GRADES)}")
    return GradeRow(line, ref, area, assessor, grade, rationale)


def _text_of(source: str | Path | bytes) -> str:
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, bytes):
        try:
            return source.decode("utf-8")
        except UnicodeDecodeError as error:
            raise GradesRefused(source[: error.start].count(b"\n") + 1, "not UTF-8 text") from None
    return source


def record_grades(audit: Audit, source: str | Path | bytes, actor: str) -> dict[str, int]:
    """Record the assessments of a grades file (a path, or its text or bytes): all of them, or,
    if any row breaks the rules, none (GradesRefused names the line and the reason).

    A case reference the audit does not hold is added as a case of its area (with its subjects
    and Vigil's findings when the store holds its index record). A later row for the same case
    and assessor replaces the earlier one, in the file or held. Rows are submitted assessments
    as loaded. Returns AUDIT.md's ``{"recorded", "replaced", "cases_added"}``."""
    rows = read_grades(_text_of(source))
    held = {c.case_ref: c for c in AuditCase.objects.filter(audit=audit)}
    new_refs = sorted({r.case_ref for r in rows} - set(held))
    areas = {r.case_ref: r.area for r in rows}
    when = as_of(audit)
    added: list[Case] = []
    for ref in new_refs:
        area, key = parse_case_ref(ref)
        added.append(sampling.case_for(area, key, when) or Case(areas[ref], key, ()))
    findings = sampling.findings_for(added, when)
    # The last row for each case and assessor is the one that stands.
    final: dict[tuple[str, str], GradeRow] = {}
    replaced = 0
    for row in rows:
        if (row.case_ref, row.assessor) in final:
            replaced += 1
        final[(row.case_ref, row.assessor)] = row
    now = timezone.now()
    with transaction.atomic():
        AuditCase.objects.bulk_create(
            [
                _stored_case(audit, c, findings.get(c.case_ref, ()), AuditCase.Origin.CSV, now)
                for c in added
            ]
        )
        cases = {c.case_ref: c for c in AuditCase.objects.filter(audit=audit)}
        existing = {
            (a.case.case_ref, a.assessor): a
            for a in Assessment.objects.filter(case__audit=audit).select_related("case")
        }
        for (ref, assessor), row in final.items():
            assessment = existing.get((ref, assessor))
            if assessment is None:
                assessment = Assessment(case=cases[ref], assessor=assessor)
            else:
                replaced += 1
            assessment.grade = row.grade
            assessment.rationale = row.rationale
            assessment.answers = {}
            assessment.management_review = False
            assessment.assessed_by = None
            assessment.assessed_by_name = actor
            assessment.updated_at = now
            assessment.submitted_at = now
            assessment.save()
        outcome = {"recorded": len(rows), "replaced": replaced, "cases_added": len(added)}
        log.record(
            actor,
            AuditAction.CASE_AUDIT_LOAD_GRADES,
            f"case-audit:{audit.audit_id}",
            detail=outcome,
        )
    return outcome


def log_report(audit: Audit, actor: str, forms: Sequence[str]) -> None:
    """The report read or written out (it names cases and their grades)."""
    with transaction.atomic():
        log.record(
            actor,
            AuditAction.CASE_AUDIT_REPORT,
            f"case-audit:{audit.audit_id}",
            detail={"forms": list(forms)},
        )
