"""Missing episode completion and police protection in a real browser, as a response officer:
from the child's open alert to its form, an error first, then the check page showing the alert
will end, save, and the result saying it ended. Every page is checked with axe, and at 390 px
wide it must not scroll sideways."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


def narrow(page: Any, name: str) -> None:
    """The same page at 390 px wide (a phone): checked again, and no sideways scrolling."""
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-390")
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name} scrolls sideways by {wide} px at 390 px wide"
    page.set_viewport_size({"width": 1280, "height": 900})


def _open_alert(server: Server, code: str, like: str = "%") -> tuple[str, str, dict[str, Any]]:
    """An open alert of ``code`` (not one the other flows use): its child, its alert id, and the
    payload of the record it rests on."""
    row = server.one(
        """
        SELECT a.alert_id, a.person_id, a.evidence FROM alerts_alert a
        WHERE a.code = ? AND a.status = 'open' AND a.explanation LIKE ?
          AND a.alert_id NOT IN (?, ?)
        ORDER BY a.alert_id LIMIT 1""",
        code,
        like,
        server.scenario.alert_id,
        server.scenario.work_alert_id,
    )
    assert row is not None, f"the demo force has no open {code} alert"
    alert_id, person_id, evidence = row
    system, source_id = json.loads(evidence)[0]
    held = server.one(
        "SELECT payload FROM records_record WHERE source_system = ? AND source_id = ?",
        system,
        source_id,
    )
    assert held is not None
    payload = held[0]
    return person_id, alert_id, json.loads(payload) if isinstance(payload, str) else payload


def _fill_when(page: Any, prefix: str, moment: dt.datetime) -> None:
    local = moment.astimezone(LONDON)
    for i, value in enumerate((local.day, local.month, local.year, f"{local:%H:%M}")):
        page.locator(f"input[name='{prefix}_{i}']").fill(str(value))


def _alert_card(page: Any, title: str) -> Any:
    return page.locator(".govuk-summary-card", has=page.get_by_role("heading", name=title))


def test_a_safe_and_well_check_from_the_childs_alert_ends_it(new_page: Any, server: Server) -> None:
    child, alert_id, episode = _open_alert(server, "SAFE_AND_WELL_NOT_RECORDED")
    found = dt.datetime.fromisoformat(episode["found_at"])
    page = new_page()
    sign_in(page, server, "response_officer")
    page.goto(f"/people/{child}/")
    link = page.get_by_role("link", name=re.compile(r"^Record a safe and well check"))
    assert link.count() == 1
    check_page(page, "missing-child-page")
    link.click()
    page.get_by_role("heading", name="Record a safe and well check").wait_for()
    assert page.locator("input[name='officer']").input_value() == "PC Ryan Cole 4127"
    check_page(page, "safe-and-well-form")
    narrow(page, "safe-and-well-form")

    # Before the child was found, and nothing said: the GOV.UK error summary, typed text kept.
    _fill_when(page, "safe_and_well_at", found - dt.timedelta(hours=1))
    page.get_by_label("Where the check was done").fill("At home with her mother")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "The check must be after the child was found at" in summary.inner_text()
    assert "Enter what the child said and how they presented" in summary.inner_text()
    assert page.get_by_label("Where the check was done").input_value() == "At home with her mother"
    check_page(page, "safe-and-well-errors")
    narrow(page, "safe-and-well-errors")

    _fill_when(page, "safe_and_well_at", found + dt.timedelta(hours=2))
    page.get_by_label("What the child said and how they presented").fill(
        "Said she stayed at a friend's house. Calm and tired; no injuries seen."
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers").wait_for()
    table = page.locator("table", has_text="What this will do to open alerts")
    assert "Ends" in table.inner_text()
    check_page(page, "safe-and-well-check")
    narrow(page, "safe-and-well-check")

    page.get_by_role("button", name="Save safe and well check").click()
    page.get_by_role("heading", name="Safe and well check recorded").wait_for()
    done = page.locator("table", has_text="What this did to open alerts").inner_text()
    assert "Ends" in done and "No safe and well check" in done
    check_page(page, "safe-and-well-written")
    narrow(page, "safe-and-well-written")
    assert server.one("SELECT status FROM alerts_alert WHERE alert_id = ?", alert_id) == (
        "resolved",
    )

    # The child's page: the alert is no longer open, and the check is in the chronology.
    page.goto(f"/people/{child}/")
    assert page.get_by_role("link", name=re.compile(r"^Record a safe and well check")).count() == 0
    assert "friend's house" in page.locator(".moj-timeline").inner_text()
    # The episode's page lists it under "Recorded in Vigil".
    page.goto(f"/records/{_record_pk(server, episode)}/")
    section = page.locator("#recorded-in-vigil")
    assert section.count() == 1 and "Ryan Cole" in page.locator("main").inner_text()
    check_page(page, "missing-episode-record")
    narrow(page, "missing-episode-record")


def _record_pk(server: Server, payload: dict[str, Any]) -> int:
    row = server.one(
        "SELECT id FROM records_record WHERE source_system = ? AND source_id = ?",
        payload["source_system"],
        payload["source_id"],
    )
    assert row is not None
    return int(row[0])


def test_the_end_of_police_protection_with_a_plan_ends_the_alert(
    new_page: Any, server: Server
) -> None:
    child, alert_id, protection = _open_alert(
        server, "POLICE_PROTECTION_UNRESOLVED", "%with no protective plan%"
    )
    page = new_page()
    sign_in(page, server, "response_officer")
    page.goto(f"/people/{child}/")
    page.get_by_role("link", name=re.compile(r"^Record the end of police protection")).click()
    page.get_by_role("heading", name="Record the end of police protection").wait_for()
    check_page(page, "protection-end-form")
    narrow(page, "protection-end-form")

    # No plan: refused, with the summary linking to the field.
    if not protection.get("ended_at"):
        started = dt.datetime.fromisoformat(protection["started_at"])
        _fill_when(page, "ended_at", started + dt.timedelta(hours=20))
    page.get_by_role("button", name="Continue").click()
    page.locator(".govuk-error-summary").get_by_text("Enter the protective plan").wait_for()
    check_page(page, "protection-end-errors")

    page.get_by_label("The child went home to a parent or carer").check()
    page.get_by_label("The protective plan").fill(
        "Child home with mother; social worker visits daily; strategy discussion booked."
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers").wait_for()
    assert "Ends" in page.locator("table", has_text="What this will do").inner_text()
    assert "returned_home" not in page.locator("main").inner_text()  # words, never a code
    check_page(page, "protection-end-check")
    narrow(page, "protection-end-check")

    page.get_by_role("button", name="Save end of police protection").click()
    page.get_by_role("heading", name="End of police protection recorded").wait_for()
    assert "Ends" in page.locator("table", has_text="What this did").inner_text()
    check_page(page, "protection-end-written")
    narrow(page, "protection-end-written")
    assert server.one("SELECT status FROM alerts_alert WHERE alert_id = ?", alert_id) == (
        "resolved",
    )


def test_a_return_home_interview_in_the_childs_words_ends_the_alert(
    new_page: Any, server: Server
) -> None:
    child, alert_id, episode = _open_alert(server, "RETURN_INTERVIEW_OVERDUE", "%none recorded%")
    found = dt.datetime.fromisoformat(episode["found_at"])
    page = new_page()
    sign_in(page, server, "response_officer")
    page.goto(f"/people/{child}/")
    page.get_by_role("link", name=re.compile(r"^Record a return home interview")).click()
    page.get_by_role("heading", name="Record a return home interview").wait_for()
    check_page(page, "return-interview-form")
    narrow(page, "return-interview-form")

    # Held, but without when or the child's words: refused, what was typed kept.
    if not episode.get("return_interview_offered_at"):
        _fill_when(page, "return_interview_offered_at", found + dt.timedelta(hours=6))
    page.get_by_label("The interview took place").check()
    page.get_by_label("Who offered or held the interview").fill("Jo Banks")
    page.get_by_label("An independent return home interview provider").check()
    page.get_by_label("Older associates").check()
    page.locator("input[name='trigger_plan'][value='yes']").check()
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter when the interview took place" in summary.inner_text()
    assert "Enter what the child said, in their own words" in summary.inner_text()
    assert page.get_by_label("Older associates").is_checked()
    check_page(page, "return-interview-errors")
    narrow(page, "return-interview-errors")

    _fill_when(page, "return_interview_completed_at", found + dt.timedelta(hours=30))
    page.get_by_label("What the child said, in their own words").fill(
        "I went to my cousin's because home was loud. An older lad gives me lifts."
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers").wait_for()
    effects = page.locator("table", has_text="What this will do to open alerts").inner_text()
    assert "No return home interview" in effects and "Ends" in effects
    check_page(page, "return-interview-check")
    narrow(page, "return-interview-check")

    page.get_by_role("button", name="Save return home interview").click()
    page.get_by_role("heading", name="Return home interview recorded").wait_for()
    check_page(page, "return-interview-written")
    narrow(page, "return-interview-written")
    assert server.one("SELECT status FROM alerts_alert WHERE alert_id = ?", alert_id) == (
        "resolved",
    )
