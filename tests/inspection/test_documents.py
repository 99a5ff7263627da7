"""The report in words, as a page, and as documents: the standalone HTML (charts inline), the
PDF (OFFICIAL-SENSITIVE at the top and bottom of every page, the summary first, a page per
case) and the CSV of assessments; blind until both are submitted; every view logged."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import add_audit_case, assess_case, make_audit
from vigil.access.roles import Role
from vigil.audit.models import AuditEntry
from vigil.inspection import documents, report
from vigil.inspection.documents import kappa_reading, reading

FINDING = {
    "code": "REPEAT_MISSING",
    "severity": "high",
    "explanation": "Missing four times in 60 days",
    "evidence": [["compact", "M-1"]],
    "subject": "P-1",
}


def _audit() -> Any:
    """Inspectors graded 3 inadequate (Vigil flagged 2), 1 good; self graded all 4; one more
    case inspected only, and one with a draft."""
    audit = make_audit("AUD-DOC", name="Spring audit")
    rows = [
        ("missing:compact:M-1", "good", "inadequate", True),  # differs significantly
        ("missing:compact:M-2", "adequate", "inadequate", True),
        ("custody:niche:CU-1", "inadequate", "inadequate", False),
        ("custody:niche:CU-2", "good", "good", False),
    ]
    for ref, own, theirs, flagged in rows:
        case = add_audit_case(
            audit,
            ref,
            findings=[FINDING] if flagged else [],
            subjects=[{"person_id": "P-1", "mentions": []}] if ref.endswith("M-1") else [],
        )
        assess_case(
            case,
            "self",
            own,
            rationale=f"Self rationale for {ref}",
            answers={"risk": {"answer": "partly_met", "note": "DASH late"}},
        )
        assess_case(case, "inspector", theirs, rationale=f"=Inspector rationale for {ref}")
    blind = add_audit_case(audit, "section_47:niche:S-1")
    assess_case(blind, "self", "good", rationale="Secret self view")
    assess_case(blind, "inspector", "adequate", submitted=False, rationale="Draft inspector view")
    return audit


def test_kappa_words() -> None:
    assert kappa_reading(None) == "cannot be measured"
    assert kappa_reading(-0.1) == "less agreement than chance"
    assert kappa_reading(0.2) == "slight agreement"
    assert kappa_reading(0.41) == "moderate agreement"
    assert kappa_reading(0.6) == "moderate agreement"
    assert kappa_reading(0.75) == "substantial agreement"
    assert kappa_reading(0.95) == "almost perfect agreement"


@pytest.mark.django_db
def test_the_figures_in_words() -> None:
    figures = report.build(_audit())
    words = reading(figures)
    assert words.paired == 4
    assert "Of 3 cases inspectors graded inadequate, Vigil's rules had flagged 2." in [
        f["sentence"] for f in words.findings
    ]
    assert words.direction_sentence == (
        "The inspection graded 2 cases lower than the self-assessment, 0 cases higher, and "
        "2 cases the same."
    )
    assert words.differed == ["missing:compact:M-1", "missing:compact:M-2"]
    assert "(50%)" in words.agreement_sentence  # 2 of 4 the same
    assert words.kappas[0].reading == kappa_reading(figures["agreement"]["kappa"])


@pytest.mark.django_db
def test_nothing_graded_yet_reads_plainly() -> None:
    words = reading(report.build(make_audit()))
    assert "cannot be measured" in words.agreement_sentence
    assert all(k.shown == "not measurable" for k in words.kappas)


@pytest.mark.django_db
def test_html_document_holds_the_figures_charts_and_a_section_per_case() -> None:
    audit = _audit()
    html = documents.report_html(audit)
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('role="img"') == 3
    assert "Grades given by each assessor" in html and "Grades by practice area" in html
    assert "Self-assessment against inspection" in html
    assert html.count("OFFICIAL-SENSITIVE") >= 3  # title, top and bottom
    assert "Of 3 cases inspectors graded inadequate, Vigil&#x27;s rules had flagged 2." in html
    assert html.count('class="case"') == 5
    assert "Self rationale for missing:compact:M-1" in html and "DASH late" in html
    assert "Missing four times in 60 days" in html
    # blind: a case whose inspection is a draft shows neither assessment
    assert "Secret self view" not in html and "Draft inspector view" not in html
    assert "not submitted yet" in html
    assert "<script" not in html and 'rel="stylesheet"' not in html  # standalone


@pytest.mark.django_db
def test_pdf_is_marked_on_every_page_and_holds_the_figures() -> None:
    audit = _audit()
    pdf = documents.report_pdf(audit)
    assert pdf.startswith(b"%PDF")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 6  # the summary, then a page per case
    for n, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {n} is not marked top and bottom"
    first = pages[0]
    assert "5 cases in the audit" in first and "4 graded by both" in first
    text = " ".join(" ".join(p.split()) for p in pages)
    assert "Vigil's rules had flagged 2" in text
    assert "Self rationale for missing:compact:M-1" in text
    assert "Secret self view" not in text


@pytest.mark.django_db
def test_csv_of_assessments() -> None:
    audit = _audit()
    rows = list(csv.DictReader(io.StringIO(documents.assessments_csv(audit))))
    assert list(rows[0])[:6] == [
        "case_ref",
        "area",
        "assessor",
        "grade",
        "rationale",
        "submitted_at",
    ]
    assert len(rows) == 8  # four cases by both; the case with a draft left out
    first = next(
        r for r in rows if r["case_ref"] == "missing:compact:M-1" and r["assessor"] == "self"
    )
    assert first["grade"] == "good" and first["area"] == "missing"
    assert first["risk_answer"] == "partly_met" and first["risk_note"] == "DASH late"
    assert first["vigil_findings"] == "REPEAT_MISSING"
    inspected = next(
        r for r in rows if r["case_ref"] == "missing:compact:M-1" and r["assessor"] == "inspector"
    )
    assert inspected["rationale"].startswith("'=")  # not run as a formula
    assert not any(r["case_ref"].startswith("section_47") for r in rows)


@pytest.mark.django_db
def test_report_page_shows_figures_charts_and_is_logged(as_role: Any) -> None:
    audit = _audit()
    client, user = as_role(Role.AUDITOR)
    response = client.get(reverse("inspection:report", args=[audit.audit_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('role="img"') == 3
    assert page.count("vigil-chart-table") == 3  # each chart followed by its table
    assert "Of 3 cases inspectors graded inadequate, Vigil&#x27;s rules had flagged 2." in page
    assert "Case missing:compact:M-1" in page  # the case that differed significantly
    assert "agreement" in page
    shown = re.sub(r"<[^>]+>", " ", page)  # the words on the page, not its markup
    assert "requires_improvement" not in shown and "REPEAT_MISSING" not in shown
    entry = AuditEntry.objects.filter(action="case_audit.view_report").last()
    assert entry is not None and entry.actor == user.username
    assert entry.target == "case_audit:AUD-DOC"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "kind", "fmt"),
    [
        ("inspection:report-pdf", "application/pdf", "pdf"),
        ("inspection:report-html", "text/html; charset=utf-8", "html"),
        ("inspection:assessments-csv", "text/csv; charset=utf-8", "csv"),
    ],
)
def test_downloads_are_attachments_and_logged(as_role: Any, name: str, kind: str, fmt: str) -> None:
    audit = _audit()
    client, _ = as_role(Role.SUPERVISOR)
    response = client.get(reverse(name, args=[audit.audit_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == kind
    assert response["Content-Disposition"].startswith('attachment; filename="case-audit-AUD-DOC')
    action = "case_audit.export_assessments" if fmt == "csv" else "case_audit.download_report"
    entry = AuditEntry.objects.get(action=action, target="case_audit:AUD-DOC")
    assert entry.detail["format"] == fmt
    # and a view of each case's people, the audit the purpose
    person = AuditEntry.objects.get(action=action, target="person:P-1")
    assert person.reason == "Case audit: Spring audit"
    assert person.detail["cases"] == ["missing:compact:M-1"]


@pytest.mark.django_db
def test_partners_and_others_may_not_see_reports(as_role: Any) -> None:
    audit = _audit()
    for role in (Role.PARTNER_CSC, Role.INVESTIGATOR, Role.ADMIN):
        client, _ = as_role(role)
        assert client.get(reverse("inspection:report", args=[audit.audit_id])).status_code == 403
        assert (
            client.get(reverse("inspection:report-pdf", args=[audit.audit_id])).status_code == 403
        )


@pytest.mark.django_db
def test_unknown_audit_is_not_found(as_role: Any) -> None:
    client, _ = as_role(Role.AUDITOR)
    assert client.get(reverse("inspection:report", args=["AUD-NONE"])).status_code == 404


@pytest.mark.django_db
def test_an_audit_with_nothing_graded_yet(as_role: Any) -> None:
    audit = make_audit("AUD-EMPTY")
    client, _ = as_role(Role.SUPERVISOR)
    page = client.get(reverse("inspection:report", args=[audit.audit_id])).content.decode()
    assert "No case has been graded by both" in page
    assert "No case has been added to the audit yet." in page
    assert "The report makes no recommendation yet." in page
    pdf = PdfReader(io.BytesIO(documents.report_pdf(audit)))
    assert all("OFFICIAL-SENSITIVE" in p.extract_text() for p in pdf.pages)
    assert documents.assessments_csv(audit).splitlines() == [",".join(documents.CSV_COLUMNS)]


def test_a_case_assessed_in_vigil_by_one_side_only_stays_blind_in_the_documents(db: None) -> None:
    from tests.factories import make_user

    audit = make_audit("AUD-BLIND")
    case = add_audit_case(audit, "missing:compact:M-9")
    supervisor = make_user("supervisor")
    assess_case(case, "self", "good", rationale="Self view kept blind", assessed_by=supervisor)
    assert "Self view kept blind" not in documents.report_html(audit)
    assess_case(
        case, "inspector", "adequate", rationale="Inspector view", assessed_by=make_user("auditor")
    )
    html = documents.report_html(audit)
    assert "Self view kept blind" in html and "Inspector view" in html
