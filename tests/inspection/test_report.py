"""The report's figures (AUDIT.md, ``vigil audit report --json``): the public example, drafts
left out, and each figure worked by hand."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from vigil.inspection import grading
from vigil.inspection.models import Assessment, Audit, AuditCase
from vigil.inspection.report import GradedCase, build, tally

EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples_audit"


def _audit(audit_id: str = "AUD-T1") -> Audit:
    return Audit.objects.create(
        audit_id=audit_id,
        name="Test",
        period_from=dt.date(2014, 1, 1),
        period_to=dt.date(2014, 3, 31),
        created_by="test",
        created_at=timezone.now(),
    )


def _case(audit: Audit, ref: str, area: str, findings: list[Any] | None = None) -> AuditCase:
    _, system, source_id = ref.split(":", 2)
    return AuditCase.objects.create(
        audit=audit,
        case_ref=ref,
        area=area,
        index_system=system,
        index_source_id=source_id,
        findings=findings or [],
        origin=AuditCase.Origin.CSV,
        added_at=timezone.now(),
    )


def _grade(case: AuditCase, assessor: str, grade: str, submitted: bool = True) -> None:
    now = timezone.now()
    Assessment.objects.update_or_create(
        case=case,
        assessor=assessor,
        defaults={"grade": grade, "updated_at": now, "submitted_at": now if submitted else None},
    )


def _normalise(report: dict[str, Any]) -> dict[str, Any]:
    """The example allows zero counts in by_area/cross_tab either way: drop empty areas' and
    cross-table zeros for comparison."""
    out = dict(report)
    out.pop("audit_id", None)
    out["cross_tab"] = {
        a: {b: n for b, n in row.items() if n} for a, row in report["cross_tab"].items()
    }
    out["cross_tab"] = {a: row for a, row in out["cross_tab"].items() if row}
    return out


@pytest.mark.django_db
def test_the_public_example_loaded_straight_into_the_store() -> None:
    audit = _audit()
    cases: dict[str, AuditCase] = {}
    with (EXAMPLE / "grades.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["case_ref"] not in cases:
                cases[row["case_ref"]] = _case(audit, row["case_ref"], row["area"])
            _grade(cases[row["case_ref"]], row["assessor"], row["grade"])
    report = build(audit)
    expected = json.loads((EXAMPLE / "expected_report.json").read_text())
    assert report["audit_id"] == "AUD-T1"
    assert _normalise(report) == _normalise(expected)
    assert list(report) == [
        "audit_id",
        "cases",
        "grades",
        "by_area",
        "paired",
        "agreement",
        "cross_tab",
        "differed_significantly",
        "inspector_lower",
        "inspector_higher",
        "findings_by_grade",
    ]


@pytest.mark.django_db
def test_drafts_do_not_count_and_findings_are_counted_by_inspector_grade() -> None:
    audit = _audit()
    flagged = {"code": "REPEAT_MISSING", "severity": "high", "explanation": "x", "evidence": []}
    a = _case(audit, "missing:compact:M-1", "missing", [flagged])
    b = _case(audit, "missing:compact:M-2", "missing")
    c = _case(audit, "custody:custody:C-1", "custody", [flagged])
    _case(audit, "cse:niche:I-1", "cse")  # no grades: a case, an area, nothing counted
    _grade(a, "self", "excellent")
    _grade(a, "inspector", "requires_improvement")  # 3 steps lower: differed
    _grade(b, "self", "adequate")
    _grade(b, "inspector", "good")  # higher
    _grade(c, "self", "good")
    _grade(c, "inspector", "inadequate", submitted=False)  # a draft: not counted
    report = build(audit)
    assert report["cases"] == 4
    assert report["grades"]["self"] == {
        "excellent": 1,
        "good": 1,
        "adequate": 1,
        "requires_improvement": 0,
        "inadequate": 0,
    }
    assert report["grades"]["inspector"] == {
        "excellent": 0,
        "good": 1,
        "adequate": 0,
        "requires_improvement": 1,
        "inadequate": 0,
    }
    assert list(report["by_area"]) == ["missing", "cse", "custody"]
    assert set(report["by_area"]["cse"]["self"].values()) == {0}
    assert report["paired"] == 2
    assert report["cross_tab"] == {
        "excellent": {"requires_improvement": 1},
        "adequate": {"good": 1},
    }
    assert report["differed_significantly"] == ["missing:compact:M-1"]
    assert (report["inspector_lower"], report["inspector_higher"]) == (1, 1)
    assert report["findings_by_grade"] == {
        "good": {"cases": 1, "with_findings": 0},
        "requires_improvement": {"cases": 1, "with_findings": 1},
    }
    assert report["agreement"]["exact"] == 0.0
    assert report["agreement"]["within_one"] == 0.5


def test_an_empty_audit_has_null_agreement() -> None:
    report = tally("AUD-0", [])
    assert report["cases"] == 0 and report["paired"] == 0
    assert report["by_area"] == {} and report["cross_tab"] == {}
    assert report["findings_by_grade"] == {}
    assert set(report["agreement"].values()) == {None}
    assert report["grades"]["self"] == dict.fromkeys(grading.GRADES, 0)


def test_one_grade_throughout_leaves_kappa_undefined_but_agreement_whole() -> None:
    cases = [
        GradedCase(f"missing:c:{n}", "missing", {"self": "good", "inspector": "good"})
        for n in range(3)
    ]
    report = tally("AUD-0", cases)
    assert report["agreement"] == {
        "exact": 1.0,
        "within_one": 1.0,
        "kappa": None,
        "kappa_linear": None,
        "kappa_quadratic": None,
    }
    assert report["differed_significantly"] == []
    assert report["cross_tab"] == {"good": {"good": 3}}


def test_differed_significantly_is_sorted_by_case_ref() -> None:
    cases = [
        GradedCase("z:c:1", "missing", {"self": "excellent", "inspector": "adequate"}),
        GradedCase("a:c:1", "cse", {"self": "inadequate", "inspector": "adequate"}),
        GradedCase("m:c:1", "cse", {"self": "good", "inspector": "adequate"}),
    ]
    assert tally("X", cases)["differed_significantly"] == ["a:c:1", "z:c:1"]
