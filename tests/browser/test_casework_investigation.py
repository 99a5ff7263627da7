"""Investigation oversight in a real browser, from an open alert to its resolution: a supervisor
records a supervisory review on an investigation not reviewed for 28 days, an investigator
records activity on one that has drifted. Each page (form, check your answers, what it did, the
alert afterwards) is checked with axe, and at 390 px wide it must not scroll sideways."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import Server, _build_demo, check_page, sign_in

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


def _open_alert(tmp_path_factory: pytest.TempPathFactory, code: str) -> str:
    """An open alert of ``code`` about an investigation, from the demo force every worker's
    server copies (ids are the same in each copy); record alerts are none that other browser
    tests choose (theirs name a person)."""
    import os

    base = tmp_path_factory.getbasetemp()
    shared = base if os.environ.get("PYTEST_XDIST_WORKER", "master") == "master" else base.parent
    database = _build_demo(shared) / "vigil.sqlite3"
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT alert_id FROM alerts_alert WHERE code = ? AND status = 'open'"
            " AND subject_key LIKE 'record:%' ORDER BY alert_id LIMIT 1",
            (code,),
        ).fetchone()
    finally:
        conn.close()
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
) -> None:
    """From the alert's page through the form and check your answers to what it did, and back
    to the alert: resolved."""
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
    typed = page.locator("textarea").input_value()
    year = page.get_by_role("group", name=legend).get_by_label("Year")
    entered = year.input_value()
    year.fill("")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "must include a year" in summary.inner_text()
    assert page.locator("textarea").input_value() == typed
    check_page(page, f"{name}-form-errors")

    page.get_by_role("group", name=legend).get_by_label("Year").fill(entered)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/casework/check/"))
    assert page.get_by_role("heading", name="Check your answers").is_visible()
    effects = page.locator("table", has_text="What this will do to open alerts")
    row = effects.locator("tbody tr", has=page.locator(f"a[href='{alert_url}']"))
    assert "Ends" in row.inner_text(), effects.inner_text()
    assert "the alert resolves itself" in row.inner_text()
    check_page(page, f"{name}-check")
    _no_sideways_scroll(page, f"{name}-check")

    page.get_by_role("button", name=f"Save {noun}").click()
    page.wait_for_url(re.compile(r"/casework/written/"))
    assert page.get_by_role("heading", name=f"{noun.capitalize()} recorded").is_visible()
    done = page.locator("table", has_text="What this did to open alerts")
    assert (
        "Ends" in done.locator("tbody tr", has=page.locator(f"a[href='{alert_url}']")).inner_text()
    )
    check_page(page, f"{name}-written")
    _no_sideways_scroll(page, f"{name}-written")

    page.goto(alert_url)
    assert "resolved" in page.locator("#alert-status").inner_text().lower()
    check_page(page, f"{name}-alert-resolved")


def test_a_supervisor_reviews_an_investigation_and_supervision_overdue_ends(
    new_page: Any, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> None:
    alert_url = f"/alerts/{_open_alert(tmp_path_factory, 'SUPERVISION_OVERDUE')}/"
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


def test_an_investigator_records_activity_and_drift_ends(
    new_page: Any, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> None:
    alert_url = f"/alerts/{_open_alert(tmp_path_factory, 'INVESTIGATION_DRIFT')}/"
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
