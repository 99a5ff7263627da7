"""Investigation oversight and offender visits in a real browser, from an open alert to its
resolution: a supervisor records a supervisory review on an investigation not reviewed for 28
days and allocates a sexual-abuse investigation to a specialist; an investigator records activity
on an investigation that has drifted and a visit to an offender not visited in time. Each page (form, check your answers, what it did, the
alert afterwards) is checked with axe, and at 390 px wide it must not scroll sideways."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


def _open_alert(server: Server, code: str) -> str:
    """An open alert of ``code`` about an investigation on this server's demo force (record
    alerts are none that other browser tests choose: theirs name a person)."""
    row = server.one(
        "SELECT alert_id FROM alerts_alert WHERE code = ? AND status = 'open'"
        " AND subject_key LIKE 'record:%' ORDER BY alert_id LIMIT 1",
        code,
    )
    if row is None:
        pytest.fail(f"the demo force has no open {code} alert to complete")
    return str(row[0])


def _no_sideways_scroll(page: Any, name: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-390")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1, name
    page.set_viewport_size({"width": 1280, "height": 900})


def _fill_when(page: Any, legend: str, moment: dt.datetime) -> None:
    local = moment.astimezone(LONDON)
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(local.day))
    group.get_by_label("Month").fill(str(local.month))
    group.get_by_label("Year").fill(str(local.year))
    group.get_by_label("Time (24-hour)").fill(f"{local:%H:%M}")


def _complete(
    page: Any,
    alert_url: str,
    link: str,
    legend: str,
    fill: Any,
    noun: str,
    name: str,
    ends: bool = True,
) -> None:
    """From the alert's page through the form and check your answers to what it did, and back
    to the alert: resolved (or, ``ends`` false, still open as the check page said)."""
    page.goto(alert_url)
    assert "open" in page.locator("#alert-status").inner_text().lower()
    check_page(page, f"{name}-alert")
    page.get_by_role("link", name=re.compile(re.escape(link))).first.click()
    page.wait_for_url(re.compile(r"/casework/"))
    assert page.get_by_role("heading", name=link, exact=True).is_visible()
    check_page(page, f"{name}-form")
    _no_sideways_scroll(page, f"{name}-form")

    # Bad input first (no year): the GOV.UK error summary, what was typed kept.
    fill(page)
    kept = page.locator("textarea, select").first
    typed = kept.input_value()
    year = page.get_by_role("group", name=legend).get_by_label("Year")
    entered = year.input_value()
    year.fill("")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "must include a year" in summary.inner_text()
    assert page.locator("textarea, select").first.input_value() == typed
    check_page(page, f"{name}-form-errors")

    page.get_by_role("group", name=legend).get_by_label("Year").fill(entered)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/casework/check/"))
    assert page.get_by_role("heading", name="Check your answers").is_visible()
    effects = page.locator("table", has_text="What this will do to open alerts")
    row = effects.locator("tbody tr", has=page.locator(f"a[href='{alert_url}']"))
    says = "Ends: the alert resolves itself" if ends else "Stays open: this entry does not end it"
    assert says in row.inner_text(), effects.inner_text()
    check_page(page, f"{name}-check")
    _no_sideways_scroll(page, f"{name}-check")

    page.get_by_role("button", name=f"Save {noun}").click()
    page.wait_for_url(re.compile(r"/casework/written/"))
    assert page.get_by_role("heading", name=f"{noun.capitalize()} recorded").is_visible()
    done = page.locator("table", has_text="What this did to open alerts")
    after = done.locator("tbody tr", has=page.locator(f"a[href='{alert_url}']")).inner_text()
    assert says in after, after
    check_page(page, f"{name}-written")
    _no_sideways_scroll(page, f"{name}-written")

    page.goto(alert_url)
    status = page.locator("#alert-status").inner_text().lower()
    assert ("resolved" if ends else "open") in status, status
    check_page(page, f"{name}-alert-after")


def test_a_supervisor_reviews_an_investigation_and_supervision_overdue_ends(
    new_page: Any, server: Server
) -> None:
    alert_url = f"/alerts/{_open_alert(server, 'SUPERVISION_OVERDUE')}/"
    page = new_page()
    sign_in(page, server, "supervisor")

    legend = "When you reviewed the investigation"

    def fill(page: Any) -> None:
        _fill_when(page, legend, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        page.get_by_label("Direction given").fill(
            "Take the child's ABE interview within 7 days; seize the suspect's phone."
        )

    _complete(
        page, alert_url, "Record a supervisory review", legend, fill, "supervisory review", "review"
    )


def test_an_investigator_records_activity_and_drift_ends(new_page: Any, server: Server) -> None:
    alert_url = f"/alerts/{_open_alert(server, 'INVESTIGATION_DRIFT')}/"
    page = new_page()
    sign_in(page, server, "investigator")

    legend = "When it was done"

    def fill(page: Any) -> None:
        _fill_when(page, legend, dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        page.get_by_label("Witness statement taken").check()
        page.get_by_label("Details").fill("Statement taken from the child's teacher.")

    _complete(
        page,
        alert_url,
        "Record investigation activity",
        legend,
        fill,
        "investigation activity",
        "activity",
    )


def test_a_supervisor_allocates_to_a_specialist_and_sees_what_it_does_to_the_alert(
    new_page: Any, server: Server
) -> None:
    """A specialist allocation ends the alert unless the investigation has been allocated too
    often: another allocation only adds to that, and the pages say the alert stays."""
    row = server.one(
        "SELECT alert_id, explanation FROM alerts_alert WHERE code = 'ALLOCATION_PROBLEM'"
        " AND status = 'open' AND explanation NOT LIKE '%not allocated within%'"
        " ORDER BY explanation LIKE '%times (threshold%', alert_id LIMIT 1"
    )
    if row is None:
        pytest.fail("the demo force has no open ALLOCATION_PROBLEM alert allocated in time")
    alert_url = f"/alerts/{row[0]}/"
    ends = "times (threshold" not in row[1]
    page = new_page()
    sign_in(page, server, "supervisor")
    legend = "When the investigation was allocated"

    def fill(page: Any) -> None:
        _fill_when(page, legend, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30))
        page.get_by_label("Officer in the case").select_option(index=1)
        page.get_by_label("Yes", exact=True).check()

    _complete(
        page, alert_url, "Record an allocation", legend, fill, "allocation", "allocation", ends
    )


def test_an_investigator_records_an_offender_visit_and_visit_overdue_ends(
    new_page: Any, server: Server
) -> None:
    row = server.one(
        "SELECT alert_id FROM alerts_alert WHERE code = 'RSO_VISIT_OVERDUE' AND status = 'open'"
        " AND alert_id NOT IN (?, ?) ORDER BY alert_id LIMIT 1",
        server.scenario.alert_id,
        server.scenario.work_alert_id,
    )
    if row is None:
        pytest.fail("the demo force has no open RSO_VISIT_OVERDUE alert to complete")
    alert_url = f"/alerts/{row[0]}/"
    page = new_page()
    sign_in(page, server, "investigator")
    legend = "When the visit was made"

    def fill(page: Any) -> None:
        _fill_when(page, legend, dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
        assert page.get_by_label("Who made the visit").input_value()  # the user, by default
        page.get_by_label("Outcome of the visit").fill(
            "Seen at home with his partner; no children present; bedroom checked."
        )

    _complete(
        page,
        alert_url,
        "Record an offender management visit",
        legend,
        fill,
        "offender management visit",
        "offender-visit",
    )
