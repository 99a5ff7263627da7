"""Work in Vigil, in a real browser: a MASH officer gives an alert to an investigator with a
note; the investigator finds it on My work with a notification, adds a note and closes it with
an outcome; the supervisor sees it on the team page. Every new page is checked with axe at
desktop width and at 390 px."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser

NOTE = "Mother rang the MASH again this morning: please see the child today."
WORK_NOTE = "Visited with children's social care; the child was seen alone."
RATIONALE = "Joint visit made and a strategy discussion held; safety plan agreed with the family."


def narrow(page: Any, name: str) -> None:
    """The same page at 390 px wide (a phone), checked again, then back to desktop width."""
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_assign_note_close_and_see_it_on_the_team_page(new_page: Any, server: Server) -> None:
    alert_url = f"/alerts/{server.scenario.work_alert_id}/"
    # The demo's staff, as colleagues see them (accounts/demo.py): by name, never username.
    investigator, mash_officer, team = "Priya Shah", "Chloe Evans", "CAIT North"

    # The MASH officer lands on My work, then gives the alert to the investigator with a note.
    mash = new_page()
    sign_in(mash, server, "mash")
    mash.wait_for_url(re.compile(r"/work/$"))
    assert mash.get_by_role("heading", name="My work", exact=True).is_visible()
    check_page(mash, "my-work-mash")
    narrow(mash, "my-work-mash")
    mash.goto(alert_url)
    holder = mash.locator("#alert-holder")
    assert holder.inner_text().startswith("Nobody")
    option = mash.locator("#assignee option", has_text=investigator).first.get_attribute("value")
    mash.locator("#assignee").select_option(option)
    mash.locator("#assign_note").fill(NOTE)
    mash.get_by_role("button", name="Assign", exact=True).click()
    mash.get_by_text(f"Alert given to {investigator}.").wait_for()
    assert investigator in holder.inner_text() and team in holder.inner_text()
    check_page(mash, "alert-assigned")

    # The investigator sees it on My work, with a notification counted in the header.
    page = new_page()
    sign_in(page, server, "investigator")
    page.wait_for_url(re.compile(r"/work/$"))
    counter = page.locator("#header-notifications")
    assert re.search(r"Notifications\s*1\s*new", counter.inner_text())
    assigned = page.locator("#assigned-table")
    assert assigned.locator(f"a[href='{alert_url}']").count() == 1
    assert mash_officer in assigned.inner_text()  # given by
    check_page(page, "my-work-investigator")
    narrow(page, "my-work-investigator")

    counter.click()
    page.wait_for_url(re.compile(r"/work/notifications/$"))
    body = page.locator("main").inner_text()
    assert f"{mash_officer} gave this alert to you." in body and NOTE in body
    check_page(page, "notifications")
    narrow(page, "notifications")

    # From the notification to the alert: a note, then acknowledge, then close with an outcome.
    page.locator(f"main a[href='{alert_url}']").first.click()
    page.wait_for_url(f"**{alert_url}")
    page.get_by_label("Add a note").fill(WORK_NOTE)
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Note added.").wait_for()
    assert "open" in page.locator("#alert-status").inner_text().lower()  # no change of status
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("button", name="Close alert").wait_for()

    # Without an outcome the close is refused with a GOV.UK error by the outcomes.
    page.get_by_label("Why are you closing this alert?").fill(RATIONALE)
    page.get_by_role("button", name="Close alert").click()
    page.locator(".govuk-error-summary").get_by_text("Choose the outcome").wait_for()
    check_page(page, "alert-close-without-outcome")
    outcome = page.locator("input[name='outcome']").first
    label = page.locator(f"label[for='{outcome.get_attribute('id')}']").inner_text().strip()
    outcome.check()
    page.get_by_role("button", name="Close alert").click()
    page.get_by_role("button", name="Close alert").wait_for(state="detached")
    assert page.locator("#alert-outcome").inner_text().strip() == label
    history = page.locator(".moj-timeline").inner_text()
    assert WORK_NOTE in history and NOTE in history and label in history
    check_page(page, "alert-closed-with-outcome")

    # The supervisor's team page shows the investigator and what the team closed, by name.
    boss = new_page()
    sign_in(boss, server, "supervisor")
    boss.goto("/work/team/")
    assert boss.get_by_role("heading", name=f"{team}: work by person").is_visible()
    assert investigator in boss.locator("#team-load").inner_text()
    closed = boss.locator("#team-closed")
    assert closed.locator(f"a[href='{alert_url}']").count() == 1
    assert label in closed.inner_text() and investigator in closed.inner_text()
    check_page(boss, "team")
    narrow(boss, "team")

    # And the MASH officer is told that the alert they gave on was closed, and why.
    mash.goto("/work/notifications/")
    assert (
        f"{investigator} closed this alert, which you gave on. Outcome: {label}"
        in mash.locator("main").inner_text()
    )
    mash.get_by_role("button", name="Mark all as read").click()
    mash.get_by_text("Nothing new.").wait_for()
    check_page(mash, "notifications-read")
