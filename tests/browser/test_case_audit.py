"""A case audit in a real browser, blind: a supervisor creates an audit, draws a sample and
self-assesses a case; the auditor opens the same case and cannot see the self-assessment's
grade, inspects it, asks for an immediate management review and submits; then each sees both,
and the supervisor finds the review on My work and closes it. axe on every page; at a phone's width
(390 px) the audit and case pages do not scroll sideways."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import Server, check_page, sign_in
from vigil.inspection.grading import QUESTIONS

pytestmark = pytest.mark.browser


def _period(server: Server) -> tuple[dt.date, dt.date]:
    """A period holding the demo force's missing episodes (the demo's years), ending no later
    than today."""
    row = server.one(
        "SELECT MIN(occurred_at), MAX(occurred_at) FROM records_record WHERE record_type = ?",
        "missing",
    )
    assert row is not None and row[0], "the demo force has no missing episodes"
    first = dt.date.fromisoformat(str(row[0])[:10])
    last = min(dt.date.fromisoformat(str(row[1])[:10]) + dt.timedelta(days=1), timezone.localdate())
    return first, last


def _fill_date(page: Any, name: str, day: dt.date) -> None:
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def _assess(page: Any, grade: str, rationale: str) -> None:
    for key in QUESTIONS:
        page.locator(f"#id_answer_{key}_1").check()  # partly met
        page.locator(f"#id_note_{key}").fill(f"Note on {key}")
    page.get_by_label(grade, exact=True).check()
    page.get_by_label("Overall rationale").fill(rationale)


def _fits(page: Any, name: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, name
    check_page(page, f"narrow {name}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_audit_sample_and_blind_assessments(new_page: Any, server: Server) -> None:
    first, last = _period(server)
    supervisor = new_page()
    sign_in(supervisor, server, "supervisor")
    supervisor.get_by_role("link", name="Case audits").click()
    supervisor.wait_for_load_state()
    check_page(supervisor, "case audits")
    supervisor.get_by_role("link", name="Create an audit").click()
    supervisor.wait_for_load_state()
    check_page(supervisor, "create an audit")
    # A mistake first: the end before the start.
    supervisor.get_by_label("Name of the audit").fill("Browser audit of missing children")
    _fill_date(supervisor, "period_from", last)
    _fill_date(supervisor, "period_to", first)
    supervisor.get_by_role("button", name="Create the audit").click()
    supervisor.wait_for_load_state()
    assert supervisor.locator(".govuk-error-summary").is_visible()
    check_page(supervisor, "create an audit error")
    _fill_date(supervisor, "period_from", first)
    _fill_date(supervisor, "period_to", last)
    supervisor.get_by_role("button", name="Create the audit").click()
    supervisor.wait_for_load_state()

    # Draw a sample of missing episodes, with a seed.
    assert supervisor.get_by_role("heading", name="Draw a sample").is_visible()
    check_page(supervisor, "draw a sample")
    _fits(supervisor, "draw a sample")
    supervisor.get_by_label("Missing children").fill("3")
    supervisor.get_by_label("Seed (optional)").fill("20140314")
    supervisor.get_by_role("button", name="Draw the sample").click()
    supervisor.wait_for_load_state()
    assert "Seed 20140314" in supervisor.locator("#drawn").inner_text()
    check_page(supervisor, "sample drawn")
    audit_id = server.one(
        "SELECT audit_id FROM inspection_audit WHERE name = ?", "Browser audit of missing children"
    )
    assert audit_id is not None
    drawn = server.one(
        "SELECT COUNT(*) FROM inspection_auditcase c JOIN inspection_audit a ON a.id = c.audit_id"
        " WHERE a.audit_id = ?",
        audit_id[0],
    )
    assert drawn is not None and drawn[0] >= 1

    supervisor.get_by_role("link", name="See the audit's cases").click()
    supervisor.wait_for_load_state()
    check_page(supervisor, "audit")
    cases = supervisor.locator("#area-missing tbody a")
    assert cases.count() == drawn[0]
    assert cases.first.inner_text().startswith("Missing episode of ")
    cases.first.click()
    supervisor.wait_for_load_state()
    case_url = supervisor.url
    assert supervisor.get_by_role("heading", name="Vigil's findings").is_visible()
    assert supervisor.locator("#chronologies ~ table tbody tr").count() >= 1
    check_page(supervisor, "case")

    # The force's self-assessment: a draft, then submitted.
    supervisor.get_by_role("link", name="Start the force self-assessment").click()
    supervisor.wait_for_load_state()
    check_page(supervisor, "self-assessment form")
    _fits(supervisor, "self-assessment form")
    supervisor.get_by_role("button", name="Submit").click()
    supervisor.wait_for_load_state()
    assert "Choose the overall grade" in supervisor.locator(".govuk-error-summary").inner_text()
    check_page(supervisor, "self-assessment error")
    _assess(supervisor, "Good", "Seen and heard; strategy discussion held in time")
    supervisor.get_by_role("button", name="Submit").click()
    supervisor.wait_for_load_state()
    assert supervisor.url == case_url
    assert "Good" in supervisor.locator("#assessment-self").inner_text()
    assert supervisor.locator("#assessment-inspector").count() == 0

    # The auditor, blind: the self-assessment is submitted but its grade is hidden.
    auditor = new_page()
    sign_in(auditor, server, "auditor")
    auditor.goto(case_url)
    auditor.wait_for_load_state()
    assert auditor.locator("#assessment-self").count() == 0
    assert "hidden until both" in auditor.locator("#hidden-self").inner_text()
    assert "Seen and heard" not in auditor.content()
    check_page(auditor, "case blind")
    auditor.get_by_role("link", name="Start the independent inspection").click()
    auditor.wait_for_load_state()
    assert "Seen and heard" not in auditor.content()
    _assess(auditor, "Inadequate", "No return interview; exploitation risk not assessed")
    # An immediate management review, for the demo's supervisor.
    held_by = server.one(
        "SELECT id FROM accounts_user WHERE username = ?", server.credentials("supervisor")[0]
    )
    assert held_by is not None
    auditor.get_by_label("This case needs an immediate management review").check()
    auditor.locator("#id_review_supervisor").select_option(str(held_by[0]))
    auditor.get_by_label("Why the case needs a management review").fill(
        "Third missing episode with no strategy discussion"
    )
    check_page(auditor, "inspection form with a review")
    auditor.get_by_role("button", name="Submit").click()
    auditor.wait_for_load_state()
    assert auditor.url == case_url

    # Both submitted: each sees both.
    assert "Good" in auditor.locator("#assessment-self").inner_text()
    assert "Inadequate" in auditor.locator("#assessment-inspector").inner_text()
    check_page(auditor, "case both submitted")
    supervisor.reload()
    supervisor.wait_for_load_state()
    assert "Inadequate" in supervisor.locator("#assessment-inspector").inner_text()
    assert "No return interview" in supervisor.locator("#assessment-inspector").inner_text()
    _fits(supervisor, "case")

    # The review is on the supervisor's My work; they read it and close it.
    supervisor.goto("/work/")
    supervisor.wait_for_load_state()
    review = supervisor.locator("#assigned-table").get_by_role(
        "link", name="Immediate management review: Missing episode of"
    )
    assert review.count() == 1
    check_page(supervisor, "my work with a review")
    review.click()
    supervisor.wait_for_load_state()
    assert "Third missing episode" in supervisor.locator("#review-reason").inner_text()
    check_page(supervisor, "management review")
    supervisor.get_by_label("Management review held: actions set for the case").check()
    supervisor.get_by_label("Note").fill("Strategy discussion booked for tomorrow")
    supervisor.get_by_role("button", name="Close the review").click()
    supervisor.wait_for_load_state()
    assert supervisor.locator("#review-status").inner_text() == "Done"
    check_page(supervisor, "management review closed")
    supervisor.goto(f"/case-audits/{audit_id[0]}/")
    supervisor.wait_for_load_state()
    assert "Inadequate" in supervisor.locator("#area-missing").inner_text()
    _fits(supervisor, "audit")
