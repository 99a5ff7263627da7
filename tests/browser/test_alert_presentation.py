"""Alerts as staff read them, in a real browser at a phone's width (390 px), axe on each page:
the queue names each child and groups their alerts; a closed alert stays on the child's page
with how it ended and its history."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser

PERSON_ID = re.compile(r"\bP[0-9a-f]{6,}\b")


def test_queue_and_childs_page_at_390px(new_page: Any, server: Server) -> None:
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, "supervisor")
    page.goto("/alerts/")
    check_page(page, "alert-queue-390")
    main = page.locator("main")
    assert not PERSON_ID.search(main.inner_text()), "no person id on the queue"
    heads = page.locator(".vigil-alert-group__head")
    assert heads.count() >= 1
    assert re.search(
        r", \d+, born \d{1,2} [A-Z][a-z]+ \d{4}|record, \d{1,2} [A-Z][a-z]+ \d{4}",
        heads.first.inner_text(),
    )
    # Nothing wider than the screen but the table, which scrolls in its own right.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1

    # Close a person's alert, then find it on their page. Not the scenario's child's nor the
    # scenario's alert: other tests on this server count and close those.
    s = server.scenario
    groups = page.evaluate("""() => [...document.querySelectorAll('.vigil-alert-group')].map(g => ({
        person: (g.querySelector('.vigil-alert-group__head a[href^="/people/"]') || {}).pathname,
        alerts: [...g.querySelectorAll('a[href^="/alerts/"]')].map(a => a.pathname)}))""")
    chosen = next(
        g
        for g in groups
        if g["person"]
        and g["person"] != f"/people/{s.child_id}/"
        and f"/alerts/{s.alert_id}/" not in g["alerts"]
    )
    person = chosen["person"]
    page.goto(chosen["alerts"][0])
    check_page(page, "alert-390")
    title = page.locator("h1").inner_text().split("\n")[0].strip()
    assert not PERSON_ID.search(page.locator("main").inner_text())
    if page.get_by_role("button", name="Acknowledge").count():
        page.get_by_role("button", name="Acknowledge").click()
    page.get_by_label("No further action: risk assessed as low").check()
    page.get_by_label("Why are you closing this alert?").fill("Seen at home; safe; plan agreed.")
    page.get_by_role("button", name="Close alert").click()
    page.get_by_role("button", name="Close alert").wait_for(state="detached")

    page.goto(person)
    ended = page.locator("#ended-alerts")
    ended.wait_for()
    closed = page.locator(
        ".govuk-summary-card", has=page.get_by_text("Seen at home; safe; plan agreed.")
    )
    assert closed.count() == 1
    assert title.split(" ")[0] in closed.inner_text()
    assert "No further action: risk assessed as low" in closed.inner_text()  # its outcome
    closed.locator(".govuk-details__summary").click()
    history = closed.locator(".govuk-details__text").inner_text()
    assert "Closed, by" in history and "Raised by Vigil's rules" in history
    check_page(page, "person-closed-alert-390")
