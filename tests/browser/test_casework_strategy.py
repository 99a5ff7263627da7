"""A strategy discussion in a real browser: an investigator opens a child's "no strategy
discussion" alert, records the discussion held in time with an action owned by a MASH
colleague, sees before saving that the alert ends, saves; the colleague finds the action on My
work with its due date and records it done. Every page is checked with axe, and at 390 px wide
it must not scroll sideways."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
ACTION = "Check the school's attendance and concerns"
DECISIONS = "Section 47 enquiry to start; joint visit with children's social care today."
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        1,
    )
}


def narrow(page: Any, name: str) -> None:
    """The same page at 390 px wide: axe again, and no sideways scrolling."""
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-390")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, name
    page.set_viewport_size({"width": 1280, "height": 900})


def fill_when(page: Any, prefix: str, moment: dt.datetime) -> None:
    page.locator(f"#id_{prefix}_0").fill(str(moment.day))
    page.locator(f"#id_{prefix}_1").fill(str(moment.month))
    page.locator(f"#id_{prefix}_2").fill(str(moment.year))
    page.locator(f"#id_{prefix}_3").fill(f"{moment:%H:%M}")


def test_strategy_discussion_from_the_alert_to_its_action_done(
    new_page: Any, server: Server
) -> None:
    page = new_page()
    sign_in(page, server, "investigator")
    page.goto("/alerts/?code=NO_STRATEGY_DISCUSSION")
    hrefs = [a.get_attribute("href") for a in page.locator("main a[href^='/alerts/A-']").all()]
    # An alert with one event to meet (a section 47 decision, or a crime): the days run from
    # it (ALERTS.md 'Anchors'), so a discussion held the next day is in time.
    decided = alert_url = None
    for href in dict.fromkeys(hrefs):
        page.goto(href)
        body = page.locator("main").inner_text()
        found = re.findall(
            r" on (\d{1,2}) (\w+) (\d{4}) at ", body.split("Record what was done")[0]
        )
        if len(found) == 1 and "OPEN" in body.upper():
            day, month, year = found[0]
            decided = dt.date(int(year), MONTHS[month], int(day))
            alert_url = href
            break
    assert decided is not None and alert_url is not None, "no open strategy discussion alert"
    held = dt.datetime.combine(decided + dt.timedelta(days=1), dt.time(12, 0))
    check_page(page, "strategy-alert")

    page.get_by_role("link", name="Record a strategy discussion", exact=True).click()
    page.get_by_role("heading", name="Record a strategy discussion").wait_for()
    check_page(page, "strategy-form")
    narrow(page, "strategy-form")
    fill_when(page, "held_at", held)
    page.get_by_label("Police", exact=True).check()
    page.get_by_label("Children's social care", exact=True).check()
    page.get_by_label("Decisions").fill(DECISIONS)
    page.locator("#id_action_1_0").fill(ACTION)
    page.locator("#id_action_1_1").select_option(label="Chloe Evans, MASH")
    due = dt.datetime.now(LONDON) + dt.timedelta(days=7)
    # The row's boxes: what, owner, partner agency's name, then the due date's four.
    for i, value in enumerate((str(due.day), str(due.month), str(due.year), "17:00"), start=3):
        page.locator(f"#id_action_1_{i}").fill(value)
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Check your answers").wait_for()
    effects = page.locator("main").inner_text()
    assert "Ends: the alert resolves itself" in effects
    assert "Chloe Evans" in effects and ACTION in effects
    check_page(page, "strategy-check")
    narrow(page, "strategy-check")
    page.get_by_role("button", name="Save strategy discussion").click()
    page.get_by_role("heading", name="Strategy discussion recorded").wait_for()
    assert "Ends: the alert resolves itself" in page.locator("main").inner_text()
    check_page(page, "strategy-written")
    narrow(page, "strategy-written")

    # The colleague finds the action on My work, with its due date, and records it done.
    mash = new_page()
    sign_in(mash, server, "mash")
    mash.wait_for_url(re.compile(r"/work/$"))
    assigned = mash.locator("#assigned-table")
    row = assigned.locator("tr", has_text=ACTION)
    assert row.count() == 1
    assert f"{due.day} {due:%b %Y} 17:00" in row.inner_text()
    check_page(mash, "strategy-my-work")
    narrow(mash, "strategy-my-work")
    row.get_by_role("link", name="Strategy discussion action").click()
    mash.get_by_role("heading", name="Strategy discussion action").wait_for()
    assert ACTION in mash.locator("#action-summary").inner_text()
    check_page(mash, "strategy-action")
    narrow(mash, "strategy-action")
    mash.get_by_role("link", name="Record it as done").click()
    mash.get_by_role("heading", name="Record an action as done").wait_for()
    assert mash.locator("input[name='action']:checked").count() == 1
    check_page(mash, "strategy-action-done-form")
    narrow(mash, "strategy-action-done-form")
    fill_when(mash, "done_at", dt.datetime.now(LONDON) - dt.timedelta(minutes=10))
    mash.get_by_label("Note (optional)").fill("School confirmed attendance is good.")
    mash.get_by_role("button", name="Continue").click()
    mash.get_by_role("heading", name="Check your answers").wait_for()
    check_page(mash, "strategy-action-done-check")
    mash.get_by_role("button", name="Save strategy discussion action done").click()
    mash.get_by_role("heading", name="Strategy discussion action done recorded").wait_for()
    check_page(mash, "strategy-action-done-written")
    mash.goto("/work/")
    assert mash.locator("#assigned-table tr", has_text=ACTION).count() == 0

    # The investigator sees the alert resolved, and is told the action they gave was done
    # (then reads it: other tests on this server count the investigator's new notifications).
    page.goto(alert_url)
    assert "resolved" in page.locator("main").inner_text().lower()
    page.goto("/work/notifications/")
    told = page.locator("main").inner_text()
    assert "Chloe Evans closed this action, which you gave on. Outcome: Done" in told
    page.get_by_role("button", name="Mark all as read").click()
    page.get_by_text("Nothing new.").wait_for()
