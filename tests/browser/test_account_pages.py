"""One's own account in a real browser: the account page, changing the password (a mistake,
then a change that the next sign-in needs), the second-factor set-up page, and signing out
(Back then shows nothing). Also a call handler on a child's page: alerts as text, no links
into the alert pages its role may not open. axe on each page."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser


def _change_password(page: Any, old: str, new: str, again: str) -> None:
    page.goto("/accounts/password/")
    page.get_by_label("Current password").fill(old)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(again)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()


def test_account_password_second_factor_and_sign_out(new_page: Any, server: Server) -> None:
    page = new_page()
    username, password = server.credentials("response_officer")
    sign_in(page, server, "response_officer")
    page.get_by_role("link", name="Your account").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Your account").is_visible()
    assert "Response officer" in page.locator("main").inner_text()
    check_page(page, "account")

    # A mistake is explained, and nothing changes.
    _change_password(page, password, "a-new-password-for-the-test", "a-different-one-entirely")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.title().startswith("Error:")
    check_page(page, "password-change-error")

    new = secrets.token_urlsafe(12)
    _change_password(page, password, new, new)
    assert page.get_by_text("Your password was changed.").is_visible()
    check_page(page, "password-changed")

    page.goto("/accounts/second-factor/")
    assert page.get_by_role("heading", name="Set up your authenticator app").is_visible()
    assert page.locator("main svg").count() >= 1  # the QR code, drawn inline
    check_page(page, "second-factor-set-up")

    # Sign out; the Back button shows no page of the signed-in session.
    page.goto(f"/addresses/{server.scenario.location_id}/")
    assert page.get_by_role("heading", level=1).is_visible()
    page.get_by_role("button", name=f"Sign out {username}").click()
    page.wait_for_url("**/accounts/sign-in/**")
    page.go_back()
    page.wait_for_load_state()
    assert "/accounts/sign-in/" in page.url
    check_page(page, "signed-out-back")

    # The old password no longer signs in; the new one does. Then put the old one back, as
    # other tests sign in with the printed demo password.
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/sign-in/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(new)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name=f"Sign out {username}").is_visible()
    _change_password(page, new, password, password)
    assert page.get_by_text("Your password was changed.").is_visible()


def test_call_handler_sees_alerts_as_text(new_page: Any, server: Server) -> None:
    page = new_page()
    sign_in(page, server, "call_handler")
    page.goto(f"/people/{server.scenario.child_id}/")
    alerts = page.locator("#alerts ~ .govuk-summary-card")
    assert alerts.count() >= 1, "the scenario child has an open alert"
    assert page.locator("main a[href^='/alerts/']").count() == 0
    assert page.get_by_role("link", name="Alerts", exact=True).count() == 0  # not in navigation
    check_page(page, "person-call-handler")


def test_admin_manages_accounts(new_page: Any, server: Server) -> None:
    page = new_page()
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Accounts", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Accounts", exact=True).is_visible()
    # People by name, the username beside it (the demo's staff).
    assert page.get_by_role("link", name="Megan Price").is_visible()
    assert "demo-call-handler" in page.locator("main table").inner_text()
    check_page(page, "accounts")

    username = f"browser-{secrets.token_hex(3)}"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Role", exact=True).select_option("investigator")
    page.get_by_label("First password").fill("short")
    page.get_by_role("button", name="Add account").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    check_page(page, "accounts-add-error")

    number = str(secrets.randbelow(10**6))
    page.get_by_label("Full name").fill("Browser Tester")
    page.get_by_label("Rank or role title").fill("DC")
    page.get_by_label("Collar or staff number").fill(f"B{number}")
    page.get_by_label("Team").select_option(label="CAIT South")
    page.get_by_label("First password").fill(secrets.token_urlsafe(12))
    page.get_by_role("button", name="Add account").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Browser Tester").is_visible()
    main = page.locator("main").inner_text()
    assert "Investigator" in main and username in main and f"B{number}" in main
    assert "CAIT South" in main
    check_page(page, "account-manage")

    page.get_by_label("May not sign in").check()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert page.get_by_text("Account changed.").is_visible()
    assert "May not sign in" in page.locator("main dl").inner_text()


def test_admin_manages_teams(new_page: Any, server: Server) -> None:
    page = new_page()
    sign_in(page, server, "admin")
    page.goto("/accounts/users/")
    page.get_by_role("link", name="Teams", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Teams", exact=True).is_visible()
    assert page.get_by_role("link", name="CAIT North").is_visible()
    check_page(page, "teams")

    page.get_by_role("button", name="Add team").click()  # no name: the error pattern
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible() and page.title().startswith("Error:")
    check_page(page, "teams-add-error")
    name = f"Browser Team {secrets.token_hex(2)}"
    page.get_by_label("Team name").fill(name)
    page.get_by_role("button", name="Add team").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Team {name} added").is_visible()

    page.get_by_role("link", name="CAIT North").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Priya Shah").is_visible()  # its people, by name
    check_page(page, "team")

    page.goto("/accounts/teams/")
    page.get_by_role("link", name=name).click()
    page.wait_for_load_state()
    page.get_by_role("button", name=f"Stop using {name}").click()
    page.wait_for_load_state()
    assert page.get_by_text("No longer used").first.is_visible()
    check_page(page, "team-stopped")

    # At a phone's width the pages fit: wide tables scroll inside themselves, not the page.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/accounts/teams/", "/accounts/users/"):
        page.goto(url)
        page.wait_for_load_state()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, url
        check_page(page, f"narrow {url}")
