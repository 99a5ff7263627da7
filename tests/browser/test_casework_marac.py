"""MARAC in a real browser: an investigator opens a victim's "MARAC criteria met" alert, refers
the victim from the incident (the check page says the alert ends), records the meeting with an
action, and finds it all on the MARAC list. Every page is checked with axe, and at 390 px wide
it must not scroll sideways."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in
from tests.browser.test_casework_strategy import MONTHS, fill_when, narrow

pytestmark = pytest.mark.browser

ACTION = "Flag the address for an urgent police response"


def test_marac_referral_meeting_and_the_list(new_page: Any, server: Server) -> None:
    page = new_page()
    sign_in(page, server, "investigator")
    page.goto("/alerts/?code=MARAC_CRITERIA_MET_NOT_REFERRED")
    hrefs = [a.get_attribute("href") for a in page.locator("main a[href^='/alerts/A-']").all()]
    assessed = None
    for href in dict.fromkeys(hrefs):
        page.goto(href)
        found = re.search(
            r"(\w[\w' -]*?) assessed high risk on (\d{1,2}) (\w+) (\d{4})",
            page.locator("main").inner_text(),
        )
        if found:
            victim = found[1].strip()
            assessed = dt.date(int(found[4]), MONTHS[found[3]], int(found[2]))
            break
    assert assessed is not None, "the demo force has no victim assessed high risk"
    check_page(page, "marac-alert")

    page.get_by_role("link", name=re.compile(r"^Refer the victim to the MARAC")).first.click()
    page.get_by_role("heading", name="Refer the victim to the MARAC").wait_for()
    check_page(page, "marac-referral-form")
    narrow(page, "marac-referral-form")
    assert page.locator("input[name='victim']:checked").count() == 1
    referred = dt.datetime.combine(assessed + dt.timedelta(days=3), dt.time(12, 0))
    fill_when(page, "referred_at", referred)
    page.get_by_label("Visible high risk", exact=False).check()
    page.locator("input[name='information_shared_before'][value='yes']").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers").wait_for()
    assert "Ends: the alert resolves itself" in page.locator("main").inner_text()
    check_page(page, "marac-referral-check")
    narrow(page, "marac-referral-check")
    page.get_by_role("button", name="Save MARAC referral").click()
    page.get_by_role("heading", name="MARAC referral recorded").wait_for()
    check_page(page, "marac-referral-written")

    # The meeting, from the MARAC's own page.
    page.get_by_role("link", name="See the record in Vigil").click()
    page.get_by_role("link", name="Record the MARAC meeting").click()
    page.get_by_role("heading", name="Record the MARAC meeting").wait_for()
    check_page(page, "marac-meeting-form")
    narrow(page, "marac-meeting-form")
    met = referred + dt.timedelta(days=7)
    fill_when(page, "meeting_at", met)
    page.locator("#id_action_1_0").fill(ACTION)
    page.locator("#id_action_1_1").select_option(label="Priya Shah, CAIT North")
    due = met + dt.timedelta(days=60)
    for i, value in enumerate((str(due.day), str(due.month), str(due.year), "17:00"), start=3):
        page.locator(f"#id_action_1_{i}").fill(value)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers").wait_for()
    check_page(page, "marac-meeting-check")
    page.get_by_role("button", name="Save MARAC meeting").click()
    page.get_by_role("heading", name="MARAC meeting recorded").wait_for()

    # The MARAC list: the victim, the incident, the action and its state.
    page.get_by_role("link", name="MARAC list").click()
    page.get_by_role("heading", name="MARAC list").wait_for()
    card = page.locator(".vigil-marac", has_text=ACTION)
    assert card.count() == 1
    text = card.inner_text()
    assert victim.split()[-1] in text and "Owner: Priya Shah" in text
    assert "Domestic abuse incidents" in text
    check_page(page, "marac-list")
    narrow(page, "marac-list")
