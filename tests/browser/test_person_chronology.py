"""A child's page in a real browser at 1280 and 390 px: the timeline drawn with its text
alternative, the chronology table, no sideways page scroll, print media with the marking, axe
clean. Screenshots of the page for the README are saved under docs/screenshots/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def busiest_missing_child(server: Server) -> str:
    """The person with the longest chronology among those reported missing (the demo's seed)."""
    row = server.one(
        """SELECT p.person_id FROM identity_person p
           JOIN identity_mentionlink l ON l.person_id = p.id
           JOIN records_personmention m ON m.id = l.mention_id
           WHERE p.id IN (SELECT l2.person_id FROM identity_mentionlink l2
                          JOIN records_personmention m2 ON m2.id = l2.mention_id
                          WHERE m2.role = 'missing_person')
           GROUP BY p.person_id ORDER BY COUNT(DISTINCT m.record_id) DESC, p.person_id LIMIT 1"""
    )
    assert row is not None
    return str(row[0])


def no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1


def test_person_page_timeline_table_and_print(new_page: Any, server: Server) -> None:
    person_id = busiest_missing_child(server)
    page = new_page()
    sign_in(page, server, "mash")

    # 1280 px: the timeline, drawn, with its text alternative; the table view.
    page.goto(f"/people/{person_id}/")
    svg = page.locator(".vigil-timeline svg[role='img']")
    assert svg.is_visible()
    title = page.locator("#timeline-title").text_content() or ""
    desc = page.locator("#timeline-desc").text_content() or ""
    assert title == "Timeline of records and alerts"
    assert " records since " in desc and "last 90 days" in desc
    assert svg.get_attribute("aria-labelledby") == "timeline-title timeline-desc"
    assert page.locator(".vigil-timeline__mark[data-kind='missing']").count() >= 1
    assert page.locator("[data-window='90']").count() == 1
    assert page.locator("[data-window='365']").count() == 1
    summary = page.locator("#chronology-summary").inner_text()
    assert "missing " in summary and " records since " in summary
    no_sideways_scroll(page, 1280)
    check_page(page, "person-chronology-cards-1280")

    page.get_by_label("Table").check()
    page.get_by_label("Newest first").check()
    page.get_by_role("button", name="Show records").click()
    page.wait_for_load_state()
    table = page.locator("#chronology-table")
    assert table.is_visible()
    headers = table.locator("thead th").all_inner_texts()
    assert headers[:3] == ["Date", "What", "Role of this child"] or headers[2].startswith("Role")
    assert "Outcome" in headers and "Source" in headers
    assert table.locator("tbody tr").count() >= 2
    no_sideways_scroll(page, 1280)
    check_page(page, "person-chronology-table-1280")
    DOCS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.locator("#timeline").scroll_into_view_if_needed()
    page.evaluate("() => document.getElementById('timeline').scrollIntoView()")
    page.screenshot(path=str(DOCS / "person-chronology-1280.png"))

    # Print: the marking and who printed it, no forms or menus, no links' addresses.
    page.emulate_media(media="print")
    header = page.locator(".vigil-print-header")
    assert header.is_visible()
    assert "OFFICIAL-SENSITIVE" in header.inner_text()
    assert "Printed by " in header.inner_text()
    assert not page.locator(".vigil-chron-filters").is_visible()
    assert not page.locator(".govuk-header").is_visible()
    after = page.evaluate(
        "() => getComputedStyle(document.querySelector('#chronology-table a'), '::after').content"
    )
    assert after in ("none", "normal", "")
    pdf = page.pdf(format="A4")
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for number, printed in enumerate(reader.pages, start=1):
        text = printed.extract_text()
        assert "OFFICIAL-SENSITIVE" in text, f"page {number} of the printout has no marking"
        assert "Printed by " in text, f"page {number} of the printout does not say who printed it"
    page.emulate_media(media="screen")

    # 390 px: nothing wider than the screen; the timeline and table scroll in their own regions.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/people/{person_id}/?view=table")
    no_sideways_scroll(page, 390)
    region = page.locator(".vigil-timeline")
    assert region.get_attribute("tabindex") == "0"
    assert page.evaluate(
        "() => { const r = document.querySelector('.vigil-timeline');"
        " return r.scrollWidth > r.clientWidth; }"
    )
    check_page(page, "person-chronology-table-390")
    page.evaluate("() => document.getElementById('timeline').scrollIntoView()")
    page.screenshot(path=str(DOCS / "person-chronology-390.png"))

    # A bad filter: the GOV.UK 400 page, the problem in words.
    response = page.goto(f"/people/{person_id}/?from_day=31&from_month=2&from_year=2025")
    assert response is not None and response.status == 400
    assert "The start date must be a real date" in page.locator("main").inner_text()
    check_page(page, "person-chronology-bad-filter-390")
