"""The staff journeys in a real browser, with axe on every page they pass through."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser


def _search_button(page: Any) -> Any:
    return page.get_by_role("button", name="Search")


def _results_table(page: Any) -> Any:
    table = page.locator("#results table")
    table.wait_for()
    return table


def test_search_open_a_child_and_read_the_chronology(new_page: Any, server: Server) -> None:
    s = server.scenario
    page = new_page()
    page.goto("/search/")
    assert "/accounts/sign-in/" in page.url  # signed out: sent to sign in, nothing shown
    sign_in(page, server, "investigator")
    check_page(page, "home-investigator")

    page.goto("/search/")
    check_page(page, "search-empty")
    # No search terms: the error summary, not a search.
    _search_button(page).click()
    page.locator(
        ".govuk-error-summary"
    ).wait_for()  # above the form since the search area swaps whole
    check_page(page, "search-error")

    page.get_by_label("First name").fill(s.child_forename)
    page.get_by_label("Last name").fill(s.child_surname)
    _search_button(page).click()
    page.locator("#results table").wait_for()
    assert page.url.endswith("/search/"), "search terms must never reach the address bar"
    table = _results_table(page)
    assert table.get_by_role("columnheader", name="Open alerts").count() == 1
    link = table.locator(f"a[href='/people/{s.child_id}/']")
    assert link.count() == 1, "the child searched for is among the results"
    row = table.locator("tr", has=page.locator(f"a[href='/people/{s.child_id}/']"))
    assert re.search(r"\d+ open", row.inner_text()), "the child's open alerts are counted"
    check_page(page, "search-results")

    link.click()
    page.wait_for_url(f"**/people/{s.child_id}/")
    assert s.child_surname.lower() in page.locator("h1").inner_text().lower()
    assert "(a child)" in page.locator(".govuk-body-l").first.inner_text()
    assert page.get_by_role("heading", name="Open alerts").is_visible()
    assert page.locator(".govuk-summary-card").count() >= 1
    chronology = page.locator(".moj-timeline .moj-timeline__item")
    total = chronology.count()
    assert total >= 5
    stamps = chronology.locator("time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert stamps == sorted(stamps), "the chronology reads oldest to newest"
    check_page(page, "person-investigator")

    # The records linked to this person, opened.
    page.locator(".govuk-details__summary", has_text="Records linked to this person").click()
    check_page(page, "person-linked-records-open")

    # Filter the chronology by one type of record.
    options = page.locator("#type option").evaluate_all(
        "os => os.filter(o => o.value).map(o => [o.value, o.textContent])"
    )
    assert options, "the chronology offers record types to filter by"
    code, label = options[0]
    wanted = int(re.search(r"\((\d+)\)\s*$", label).group(1))
    page.locator("#type").select_option(code)
    page.get_by_role("button", name="Show records").click()
    page.wait_for_url(re.compile(rf"type={code}"))
    assert chronology.count() == wanted < total or wanted == total
    check_page(page, "person-chronology-filtered")

    # Every entry opens the full record.
    first = chronology.first.locator("a.govuk-link")
    first.click()
    page.wait_for_url(re.compile(r"/records/\d+/$"))
    assert page.locator("h1").is_visible()
    check_page(page, "record-investigator")


def test_acknowledge_and_close_an_alert(new_page: Any, server: Server) -> None:
    s = server.scenario
    page = new_page()
    sign_in(page, server, "mash")
    page.goto("/alerts/")
    check_page(page, "alert-queue")
    assert page.locator("table").count() >= 1

    page.goto(f"/alerts/{s.alert_id}/")
    check_page(page, "alert-open")
    status = page.locator("#alert-status")
    assert status.inner_text().strip().lower() == "open"

    page.get_by_label("Note (optional)").fill("Seen in the MASH morning meeting.")
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("button", name="Close alert").wait_for()
    assert "acknowledged" in status.inner_text().lower()
    check_page(page, "alert-acknowledged")

    # Closing needs a rationale: without one, an error and the alert stays acknowledged.
    page.get_by_role("button", name="Close alert").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "acknowledged" in status.inner_text().lower()
    check_page(page, "alert-close-without-rationale")

    rationale = "Strategy discussion held; the child is safe and a plan is in place."
    page.get_by_label(
        "No further action: already in hand (open plan, investigation or referral)"
    ).check()
    page.get_by_label("Why are you closing this alert?").fill(rationale)
    page.get_by_role("button", name="Close alert").click()
    page.get_by_role("button", name="Close alert").wait_for(state="detached")
    assert "closed" in status.inner_text().lower()
    check_page(page, "alert-closed")

    # It stays closed, with its rationale and who closed it, after a reload.
    page.reload()
    assert "closed" in page.locator("#alert-status").inner_text().lower()
    body = page.locator("main").inner_text()
    assert rationale in body
    assert "Chloe Evans" in body  # who closed it, by name (the demo MASH account's)
    assert "No further action: already in hand" in body  # the outcome's label, never its key
    assert page.get_by_role("button", name="Acknowledge").count() == 0


def test_address_briefing(new_page: Any, server: Server) -> None:
    s = server.scenario
    page = new_page()
    sign_in(page, server, "response_officer")
    page.goto("/addresses/")
    check_page(page, "address-search")
    page.get_by_label("Address or postcode").fill(s.postcode)
    page.get_by_role("button", name="Find the address").click()
    page.wait_for_load_state()
    assert page.url.endswith("/addresses/"), "the postcode never reaches the address bar"
    check_page(page, "address-results")
    page.locator(f"a[href='/addresses/{s.location_id}/']").click()
    page.wait_for_url(f"**/addresses/{s.location_id}/")
    main = page.locator("main").inner_text()
    assert s.postcode.replace(" ", "").lower() in main.replace(" ", "").lower()
    assert page.locator("h1").is_visible()
    assert page.locator("a[href^='/people/']").count() >= 1, "who lives there is listed"
    check_page(page, "address-briefing")


def test_partner_sees_only_its_agreement(new_page: Any, server: Server) -> None:
    s = server.scenario
    page = new_page()
    sign_in(page, server, "partner_education")
    check_page(page, "home-partner-education")

    # Before giving a purpose, even a record within the agreement is refused.
    response = page.goto(f"/records/{s.partner_visible_record}/")
    assert response.status == 403
    check_page(page, "partner-record-before-purpose-403")

    page.goto("/search/")
    page.get_by_label("First name").fill(s.partner_forename)
    page.get_by_label("Last name").fill(s.partner_surname)
    _search_button(page).click()
    table = _results_table(page)
    assert table.get_by_role("columnheader", name="Open alerts").count() == 0
    assert " open" not in table.locator("tbody").inner_text(), "partners see no alert counts"
    assert table.locator(".govuk-tag--red").count() == 0
    check_page(page, "partner-search-results")

    table.locator(f"a[href='/people/{s.partner_child_id}/']").click()
    page.wait_for_url(f"**/people/{s.partner_child_id}/")
    # A purpose first (DPA 2018 s62); without one, an error and nothing shown.
    assert page.get_by_role("heading", name="Why you need this information").is_visible()
    check_page(page, "partner-purpose")
    page.get_by_role("button", name="Continue").click()
    page.locator(".govuk-error-summary").wait_for()
    check_page(page, "partner-purpose-error")
    page.get_by_label("A missing episode or return interview").check()
    page.get_by_label("Your case or reference").fill("Return interview for case ED-4471")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/people/{s.partner_child_id}/")
    assert "Education agreement" in page.locator(".govuk-caption-l").inner_text()
    for heading in ("Open alerts", "Household", "Associates"):
        assert page.get_by_role("heading", name=heading).count() == 0, heading
    assert page.locator(f"a[href='/records/{s.partner_hidden_record}/']").count() == 0
    check_page(page, "partner-person")

    # The missing episode opens; the referral about the same child does not.
    response = page.goto(f"/records/{s.partner_visible_record}/")
    assert response.status == 200
    check_page(page, "partner-record-within-agreement")
    response = page.goto(f"/records/{s.partner_hidden_record}/")
    assert response.status == 403
    assert page.get_by_role("heading", name="You cannot see this page").is_visible()
    check_page(page, "partner-record-outside-agreement-403")

    # Nor any page of police work.
    response = page.goto("/alerts/")
    assert response.status == 403


def test_htmx_search_swaps_in_only_the_results(new_page: Any, server: Server) -> None:
    s = server.scenario
    page = new_page()
    sign_in(page, server, "call_handler")
    page.goto("/search/")
    page.get_by_label("Last name").fill(s.child_surname)
    _search_button(page).click()
    _results_table(page)
    assert page.locator("header.govuk-header").count() == 1
    assert page.get_by_role("button", name="Search").count() == 1
