"""An audit's report figures (AUDIT.md, ``vigil audit report --json``): counts by grade and
assessor and by area, the self-by-inspector cross-table, agreement, the cases that differed
significantly, how often the inspector graded lower or higher, and for each inspector grade how
many cases Vigil's rules found something in.

Only submitted assessments count: a draft is its author's alone until submitted. ``tally`` is
the pure part (what the page, the documents and the command share); ``build`` reads the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.inspection.grading import AREAS, GRADES, INSPECTOR, SELF, differ_significantly
from vigil.inspection.measures import agreement
from vigil.inspection.models import Assessment, Audit, AuditCase


@dataclass(frozen=True)
class GradedCase:
    """One case as the report reads it: its submitted grades by assessor."""

    case_ref: str
    area: str
    grades: Mapping[str, str] = field(default_factory=dict)  # assessor -> grade
    has_findings: bool = False


def _by_grade(counts: Counter[str]) -> dict[str, int]:
    """Every one of the five grades, best first."""
    return {grade: counts.get(grade, 0) for grade in GRADES}


def tally(audit_id: str, cases: Iterable[GradedCase]) -> dict[str, Any]:
    """AUDIT.md's report object from the audit's cases."""
    cases = sorted(cases, key=lambda c: c.case_ref)
    grades: dict[str, Counter[str]] = {SELF: Counter(), INSPECTOR: Counter()}
    by_area: dict[str, dict[str, Counter[str]]] = {}
    pairs: list[tuple[str, str]] = []
    cross: dict[str, Counter[str]] = {}
    differed: list[str] = []
    lower = higher = 0
    inspector_grades: Counter[str] = Counter()
    with_findings: Counter[str] = Counter()
    for case in cases:
        area = by_area.setdefault(case.area, {SELF: Counter(), INSPECTOR: Counter()})
        for assessor in (SELF, INSPECTOR):
            grade = case.grades.get(assessor)
            if grade:
                grades[assessor][grade] += 1
                area[assessor][grade] += 1
        own, theirs = case.grades.get(SELF), case.grades.get(INSPECTOR)
        if theirs:
            inspector_grades[theirs] += 1
            if case.has_findings:
                with_findings[theirs] += 1
        if own and theirs:
            pairs.append((own, theirs))
            cross.setdefault(own, Counter())[theirs] += 1
            if differ_significantly(own, theirs):
                differed.append(case.case_ref)
            if GRADES[theirs] < GRADES[own]:
                lower += 1
            elif GRADES[theirs] > GRADES[own]:
                higher += 1
    return {
        "audit_id": audit_id,
        "cases": len(cases),
        "grades": {assessor: _by_grade(counts) for assessor, counts in grades.items()},
        "by_area": {
            code: {assessor: _by_grade(counts) for assessor, counts in by_area[code].items()}
            for code in AREAS
            if code in by_area
        },
        "paired": len(pairs),
        "agreement": agreement(pairs),
        "cross_tab": {
            own: {theirs: cross[own][theirs] for theirs in GRADES if cross[own][theirs]}
            for own in GRADES
            if own in cross
        },
        "differed_significantly": sorted(differed),
        "inspector_lower": lower,
        "inspector_higher": higher,
        "findings_by_grade": {
            grade: {"cases": inspector_grades[grade], "with_findings": with_findings[grade]}
            for grade in GRADES
            if inspector_grades[grade]
        },
    }


def graded_cases(audit: Audit) -> list[GradedCase]:
    """The audit's cases with their submitted grades (drafts left out). Three narrow queries:
    the cases' references and areas, which of them hold findings (decided in the database, no
    case's JSON read), and the submitted grades; no rationale, answers or subjects are loaded."""
    cases = AuditCase.objects.filter(audit=audit)
    flagged = set(cases.exclude(findings=[]).values_list("pk", flat=True))
    grades: dict[int, dict[str, str]] = {}
    submitted = Assessment.objects.filter(
        case__audit=audit, submitted_at__isnull=False, grade__in=list(GRADES)
    ).values_list("case_id", "assessor", "grade")
    for case_id, assessor, grade in submitted:
        grades.setdefault(case_id, {})[assessor] = grade
    return [
        GradedCase(ref, area, grades.get(pk, {}), pk in flagged)
        for pk, ref, area in cases.values_list("pk", "case_ref", "area")
    ]


def build(audit: Audit) -> dict[str, Any]:
    """AUDIT.md's report JSON for ``audit``."""
    return tally(audit.audit_id, graded_cases(audit))
