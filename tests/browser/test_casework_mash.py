"""The front door in a real browser: a MASH officer opens a referral with no decision from its
alert, follows "Record a referral decision", sees the background checks, sends the form empty
(the error summary), fills it, sees on the check page that the overdue alert will stay open
marked late, saves, and sees what it did; the alert has gone to the team's supervisor and the
referral has left the inbox. Every page is checked with axe, and again at 390 px wide, where
nothing may scroll sideways."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
RATIONALE = "Checks show earlier neglect concerns; the family agree to an early help assessment."
SUPERVISOR = "Karen Doyle"  # the MASH team's supervisor among the demo's staff (accounts/demo.py)


def narrow(page: Any, name: str) -> None:
    """The same page at 390 px wide: axe again, and nothing wider than the screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-390")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"{name} scrolls sideways at 390 px ({width} px wide)"
    page.set_viewport_size({"width": 1280, "height": 900})


def _overdue_referral(server: Server) -> tuple[str, int]:
    """An open REFERRAL_NO_DECISION alert whose referral's source holds no decision (so the
    decision form is offered), not one other browser tests use, naming no scenario child."""
    s = server.scenario
    row = server.one(
        """
        SELECT a.alert_id, r.id FROM alerts_alert a
        JOIN records_record r
          ON r.source_system = a.record_system AND r.source_id = a.record_source_id
        WHERE a.code = 'REFERRAL_NO_DECISION' AND a.status = 'open'
          AND a.assigned_to_id IS NULL
          AND json_extract(r.payload, '$.decision_at') IS NULL
          AND a.alert_id NOT IN (?, ?)
          AND r.id NOT IN (
            SELECT m.record_id FROM records_personmention m
            JOIN identity_mentionlink l ON l.mention_id = m.id
            JOIN identity_person p ON p.id = l.person_id
            WHERE p.person_id IN (?, ?))
        ORDER BY a.alert_id LIMIT 1""",
        s.alert_id,
        s.work_alert_id,
        s.child_id,
        s.partner_child_id,
    )
    assert row is not None, "the demo force has no open REFERRAL_NO_DECISION alert to decide"
    return str(row[0]), int(row[1])


def test_a_mash_officer_decides_a_referral_from_its_alert(new_page: Any, server: Server) -> None:
    alert_id, record_pk = _overdue_referral(server)
    form_url = f"/casework/referral-decision/record/{record_pk}/"
    page = new_page()
    sign_in(page, server, "mash")

    # The inbox: in the navigation, each referral with its clock.
    page.get_by_role("link", name="Referrals", exact=True).first.click()
    page.wait_for_url(re.compile(r"/casework/referrals/$"))
    assert page.get_by_role("heading", name="Referrals waiting for a decision").is_visible()
    assert "Overdue by" in page.locator("#referrals").inner_text()
    waiting = _count(page)
    check_page(page, "referrals-inbox")
    narrow(page, "referrals-inbox")

    # From the alert to the decision form, with the background checks above it.
    page.goto(f"/alerts/{alert_id}/")
    check_page(page, "referral-alert")
    page.get_by_role("link", name=re.compile(r"^Record a referral decision")).first.click()
    page.wait_for_url(f"**{form_url}")
    assert page.get_by_role("heading", name="Record a referral decision").is_visible()
    assert page.get_by_role("heading", name="Background checks").is_visible()
    assert "Overdue by" in page.locator("#referral-clock").inner_text()
    check_page(page, "referral-decision-form")
    narrow(page, "referral-decision-form")

    # Sent empty: the error summary, nothing written.
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Select the decision" in summary.inner_text()
    assert "Enter why this decision was made" in summary.inner_text()
    check_page(page, "referral-decision-errors")

    # Filled: decided now, which is after the deadline.
    now = dt.datetime.now(LONDON) - dt.timedelta(minutes=1)
    page.get_by_label("Early help", exact=True).check()
    page.locator("#id_decision_at_0").fill(str(now.day))
    page.locator("#id_decision_at_1").fill(str(now.month))
    page.locator("#id_decision_at_2").fill(str(now.year))
    page.locator("#id_decision_at_3").fill(f"{now:%H:%M}")
    page.get_by_label("Why this decision").fill(RATIONALE)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/casework/check/"))
    assert page.get_by_role("heading", name="Check your answers").is_visible()
    body = page.locator("main").inner_text()
    assert "Early help" in body and RATIONALE in body
    assert "Referral with no decision" in body
    assert "Stays open, marked late" in body
    check_page(page, "referral-decision-check")
    narrow(page, "referral-decision-check")

    # Saved: what it did.
    page.get_by_role("button", name="Save referral decision").click()
    page.wait_for_url(re.compile(r"/casework/written/"))
    assert page.get_by_role("heading", name="Referral decision recorded").is_visible()
    assert "Stays open, marked late" in page.locator("main").inner_text()
    check_page(page, "referral-decision-written")
    narrow(page, "referral-decision-written")

    # The alert stays open, says how late, and is with the MASH supervisor; the referral has
    # left the inbox.
    page.goto(f"/alerts/{alert_id}/")
    assert SUPERVISOR in page.locator("#alert-holder").inner_text()
    assert "late" in page.locator("main").inner_text()
    page.goto("/casework/referrals/")
    assert page.locator(f"a[href='{form_url}']").count() == 0
    assert _count(page) == waiting - 1


def _count(page: Any) -> int:
    found = re.match(r"(\d+) referral", page.locator("#list-count").inner_text())
    assert found is not None
    return int(found[1])


def test_an_investigator_records_a_custody_referral_from_its_alert(
    new_page: Any, server: Server
) -> None:
    s = server.scenario
    row = server.one(
        """
        SELECT a.alert_id, r.id, json_extract(r.payload, '$.arrived_at') FROM alerts_alert a
        JOIN records_record r
          ON r.source_system = a.record_system AND r.source_id = a.record_source_id
        WHERE a.code = 'CUSTODY_NO_REFERRAL' AND a.status = 'open' AND a.assigned_to_id IS NULL
          AND json_extract(r.payload, '$.referral_to_csc_at') IS NULL
          AND a.alert_id NOT IN (?, ?)
          AND r.id NOT IN (
            SELECT m.record_id FROM records_personmention m
            JOIN identity_mentionlink l ON l.mention_id = m.id
            JOIN identity_person p ON p.id = l.person_id
            WHERE p.person_id IN (?, ?))
        ORDER BY a.alert_id LIMIT 1""",
        s.alert_id,
        s.work_alert_id,
        s.child_id,
        s.partner_child_id,
    )
    assert row is not None, "the demo force has no open CUSTODY_NO_REFERRAL alert"
    alert_id, record_pk, arrived = str(row[0]), int(row[1]), row[2]
    page = new_page()
    sign_in(page, server, "investigator")
    page.goto(f"/alerts/{alert_id}/")
    page.get_by_role(
        "link", name=re.compile(r"^Record a referral to children's social care")
    ).first.click()
    page.wait_for_url(f"**/casework/custody-referral/record/{record_pk}/")
    check_page(page, "custody-referral-form")
    narrow(page, "custody-referral-form")
    told = dt.datetime.fromisoformat(arrived or "") + dt.timedelta(hours=2)
    told = min(told.astimezone(LONDON), dt.datetime.now(LONDON) - dt.timedelta(minutes=1))
    page.locator("#id_referral_to_csc_at_0").fill(str(told.day))
    page.locator("#id_referral_to_csc_at_1").fill(str(told.month))
    page.locator("#id_referral_to_csc_at_2").fill(str(told.year))
    page.locator("#id_referral_to_csc_at_3").fill(f"{told:%H:%M}")
    page.get_by_label("What was shared").fill("Held overnight; the emergency duty team told.")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/casework/check/"))
    assert "Ends: the alert resolves itself" in page.locator("main").inner_text()
    check_page(page, "custody-referral-check")
    narrow(page, "custody-referral-check")
    page.get_by_role("button", name=re.compile(r"^Save ")).click()
    page.wait_for_url(re.compile(r"/casework/written/"))
    assert page.get_by_role(
        "heading", name="Custody referral to children's social care recorded"
    ).is_visible()
    check_page(page, "custody-referral-written")
    narrow(page, "custody-referral-written")
    page.goto(f"/alerts/{alert_id}/")
    assert "resolved" in page.locator("#alert-status").inner_text().lower()
