"""Casework in a real browser, through the simplest workflow: an investigator opens an
intelligence alert, follows "Record the follow-up of intelligence", fills the GOV.UK date and
time, sees on the check page that the alert will end, saves, and sees that it did; the entry is on
"Recorded by me" and in the child's chronology. Every page is checked with axe, at desktop width
and at 390 px with no sideways scroll."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


def narrow(page: Any, name: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-390")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 390, f"{name} scrolls sideways at 390 px ({wide} px wide)"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_intelligence_alert_ends_when_its_follow_up_is_recorded(
    new_page: Any, server: Server
) -> None:
    row = server.one(
        "SELECT a.alert_id, r.payload FROM alerts_alert a JOIN records_record r "
        "ON r.source_system = a.record_system AND r.source_id = a.record_source_id "
        "WHERE a.code = 'INTELLIGENCE_NOT_ACTIONED' AND a.status = 'open' ORDER BY a.id"
    )
    assert row is not None, "the demo force plants intelligence never followed up"
    alert_id = row[0]
    import json

    occurred = dt.datetime.fromisoformat(json.loads(row[1])["occurred_at"])
    followed = (occurred + dt.timedelta(days=3)).astimezone(LONDON)

    page = new_page()
    sign_in(page, server, "investigator")
    page.goto(f"/alerts/{alert_id}/")
    page.get_by_role("link", name=re.compile("Record the follow-up of intelligence")).click()
    page.wait_for_url(re.compile(r"/casework/intelligence-follow-up/record/\d+/$"))
    check_page(page, "casework-form")
    narrow(page, "casework-form")

    # Nothing typed: the GOV.UK error summary, and nothing written.
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter when the intelligence was followed up" in summary.inner_text()
    check_page(page, "casework-form-errors")

    page.get_by_label("Day").fill(str(followed.day))
    page.get_by_label("Month").fill(str(followed.month))
    page.get_by_label("Year").fill(str(followed.year))
    page.get_by_label("Time (24-hour)").fill(f"{followed:%H:%M}")
    page.get_by_label("What was done").fill("Research request raised; shared with the CSE team")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers").wait_for()
    assert "Ends: the alert resolves itself" in page.content()
    check_page(page, "casework-check")
    narrow(page, "casework-check")

    page.get_by_role("button", name="Save intelligence follow-up").click()
    page.get_by_role("heading", name="Intelligence follow-up recorded").wait_for()
    assert "Ends: the alert resolves itself" in page.content()
    check_page(page, "casework-written")
    narrow(page, "casework-written")

    page.goto(f"/alerts/{alert_id}/")
    assert "Resolved" in page.content() or "resolved" in page.content()
    page.goto("/casework/mine/")
    assert "Ended 1 alert" in page.content()
    check_page(page, "casework-mine")
    narrow(page, "casework-mine")
