"""A case audit's report in a real browser: an audit prepared on the server's own store with
`vigil audit` (create, sample, grades), then the auditor reads the report and its charts,
downloads the PDF (OFFICIAL-SENSITIVE on its first page), and adds a recommendation published
seven weeks ago for the demo supervisor, who finds it overdue on My work and on the
supervisor's page. Every page checked with axe, and at 390 px without sideways scrolling."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.browser.conftest import VIGIL, Server, _vigil_env, check_page, sign_in

pytestmark = pytest.mark.browser

SUPERVISOR = "Omar Khan"  # the demo's supervisor (accounts/demo.py)
TEXT = "Every missing child is offered a return interview within 72 hours of being found."


def _vigil(server: Server, *args: str) -> str:
    proc = subprocess.run(
        [str(VIGIL), "audit", *args],
        env=_vigil_env(server.database.parent),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"vigil audit {' '.join(args)}: {proc.stderr[-2000:]}"
    return proc.stdout


def _prepare(server: Server, tmp_path: Path) -> str:
    """An audit of the demo force's cases: a sample of three areas graded by both assessors."""
    today = timezone.localdate()
    made = json.loads(
        _vigil(
            server, "create", "Browser audit", "--from", "2000-01-01", "--to", str(today), "--json"
        )
    )
    audit_id = made["audit_id"]
    drawn = json.loads(
        _vigil(
            server,
            "sample",
            audit_id,
            "--area",
            "missing=4",
            "--area",
            "domestic_abuse=3",
            "--area",
            "custody=2",
            "--seed",
            "7",
            "--json",
        )
    )
    grades = ["excellent", "good", "adequate", "requires_improvement", "inadequate"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case_ref", "area", "assessor", "grade", "rationale"])
    for i, case in enumerate(drawn):
        writer.writerow([case["case_ref"], case["area"], "self", grades[1 + i % 2], "Self view"])
        writer.writerow(
            [case["case_ref"], case["area"], "inspector", grades[(1 + i) % 5], "Inspector view"]
        )
    # and one case audited outside the sample
    writer.writerow(["missing:compact:OUTSIDE-1", "missing", "inspector", "inadequate", "Late"])
    path = tmp_path / "grades.csv"
    path.write_text(out.getvalue())
    _vigil(server, "grades", audit_id, str(path))
    return audit_id


def narrow(page: Any, name: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-390")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1, name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_report_pdf_and_an_overdue_recommendation(
    new_page: Any, server: Server, tmp_path: Path
) -> None:
    audit_id = _prepare(server, tmp_path)
    report_url = f"/case-audits/{audit_id}/report/"

    page = new_page()
    sign_in(page, server, "auditor")
    page.goto(report_url)
    assert page.get_by_role("heading", name="Report: Browser audit").is_visible()
    charts = page.locator("svg[role='img']")
    assert charts.count() == 3
    for name in ("Grades given by each assessor", "Grades by practice area"):
        assert page.get_by_role("img", name=name).is_visible()
    assert page.locator("#table-by-assessor").is_visible()
    assert page.locator("#table-cross-tab").is_visible()
    summary = page.locator("#report-summary").inner_text()
    assert "cases in the audit" in summary and "graded by both" in summary
    assert re.search(r"Of \d+ cases? inspectors graded", page.locator("main").inner_text())
    check_page(page, "case-audit-report")
    narrow(page, "case-audit-report")

    # The PDF: its first page is marked.
    with page.expect_download() as download:
        page.get_by_role("link", name="The report as a PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0].extract_text()
    assert "OFFICIAL-SENSITIVE" in first and "Browser audit" in first
    assert all("OFFICIAL-SENSITIVE" in p.extract_text() for p in reader.pages)

    # A recommendation published seven weeks ago, owned by the demo supervisor.
    page.goto(f"/case-audits/{audit_id}/recommendations/")
    check_page(page, "case-audit-recommendations-empty")
    page.get_by_role("link", name="Add a recommendation").first.click()
    check_page(page, "case-audit-recommendation-new")
    page.get_by_role("button", name="Publish the recommendation").click()
    assert page.locator(".govuk-error-summary").is_visible()
    check_page(page, "case-audit-recommendation-errors")
    page.get_by_label("Recommendation", exact=True).fill(TEXT)
    page.get_by_label("An action plan").check()
    option = page.locator("#id_owner option", has_text=SUPERVISOR).first.get_attribute("value")
    page.locator("#id_owner").select_option(option)
    published = timezone.localtime() - dt.timedelta(weeks=7)
    for i, value in enumerate((published.day, published.month, published.year, "09:00")):
        page.locator(f"#id_published_at_{i}").fill(str(value))
    page.get_by_role("checkbox", name=re.compile(r"^No return interview within")).check()
    page.get_by_role("button", name="Publish the recommendation").click()
    page.wait_for_url(re.compile(rf"/case-audits/{audit_id}/recommendations/\d+/$"))
    assert page.locator("#overdue").is_visible()
    assert page.get_by_role("img", name="Open alerts at the end of each month").is_visible()
    check_page(page, "case-audit-recommendation")
    narrow(page, "case-audit-recommendation")
    rec_path = page.url.removeprefix(server.url)

    # The supervisor finds it overdue on My work, first, and on the supervisor's page.
    sup = new_page()
    sign_in(sup, server, "supervisor")
    sup.wait_for_url(re.compile(r"/work/$"))
    row = sup.locator("#assigned-table tbody tr").filter(has=sup.locator(f"a[href='{rec_path}']"))
    assert row.count() == 1
    assert "overdue" in row.inner_text().lower() and "return interview" in row.inner_text()
    first_row = sup.locator("#assigned-table tbody tr").first.inner_text()
    assert "overdue" in first_row.lower()
    check_page(sup, "my-work-recommendation")
    narrow(sup, "my-work-recommendation")
    sup.goto("/supervisor/")
    panel = sup.locator("main").inner_text()
    assert "Case audit recommendations overdue" in panel and "Browser audit" in panel
    check_page(sup, "supervisor-recommendations")

    # The owner records progress: done needs evidence.
    sup.goto(rec_path)
    sup.get_by_label("Done").check()
    sup.get_by_role("button", name="Save progress").click()
    assert sup.locator(".govuk-error-summary").is_visible()
    check_page(sup, "case-audit-recommendation-progress-error")
    sup.get_by_label("Evidence").fill("Dip sample of 20 returns in March: all within 72 hours.")
    sup.get_by_role("button", name="Save progress").click()
    sup.get_by_text("Progress recorded.").wait_for()
    assert sup.locator("#status").inner_text() == "Done"
    row = server.one(
        "SELECT status FROM inspection_recommendation r JOIN inspection_audit a ON a.id = r.audit_id"
        " WHERE a.audit_id = ?",
        audit_id,
    )
    assert row == ("done",)
