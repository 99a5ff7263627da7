"""An inspector from outside the force in a real browser: a supervisor creates an audit and
invites the demo inspector on the audit's page; the inspector signs in, lands on the case audits
they are invited to (that one only), opens it, and is refused the search page. axe on each
page; at a phone's width (390 px) no page scrolls sideways."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _fill_date(page: Any, name: str, day: dt.date) -> None:
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def _narrow(page: Any, name: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, name
    check_page(page, f"narrow {name}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_invited_inspector_lands_on_their_audits(new_page: Any, server: Server) -> None:
    today = timezone.localdate()
    supervisor = new_page()
    sign_in(supervisor, server, "supervisor")
    supervisor.goto("/case-audits/new/")
    supervisor.get_by_label("Name of the audit").fill("Inspectorate audit, winter")
    _fill_date(supervisor, "period_from", today - dt.timedelta(days=90))
    _fill_date(supervisor, "period_to", today)
    supervisor.get_by_role("button", name="Create the audit").click()
    supervisor.wait_for_load_state()
    supervisor.get_by_role("link", name="Case audits").first.click()
    supervisor.wait_for_load_state()
    supervisor.get_by_role("link", name="Inspectorate audit, winter").click()
    supervisor.wait_for_load_state()
    audit_url = supervisor.url
    # Inviting with no one chosen is refused in the error summary; then the demo inspector.
    supervisor.get_by_role("button", name="Invite the inspector").click()
    supervisor.wait_for_load_state()
    assert supervisor.locator(".govuk-error-summary").is_visible()
    check_page(supervisor, "invite an inspector error")
    supervisor.get_by_label("Inspector to invite").select_option(label="Martin Okafor")
    supervisor.get_by_role("button", name="Invite the inspector").click()
    supervisor.wait_for_load_state()
    assert "Martin Okafor invited to this audit" in supervisor.locator("main").inner_text()
    assert "Martin Okafor" in supervisor.locator("#invited").inner_text()
    check_page(supervisor, "audit with an inspector invited")
    _narrow(supervisor, "audit with an inspector invited")

    inspector = new_page()
    sign_in(inspector, server, "inspector")
    inspector.wait_for_load_state()
    assert inspector.url.rstrip("/").endswith("/case-audits"), inspector.url
    main = inspector.locator("main").inner_text()
    assert "Inspectorate audit, winter" in main
    nav = inspector.locator("header").inner_text()
    assert "Case audits" in nav and "Search" not in nav and "Alerts" not in nav
    check_page(inspector, "inspector's case audits")
    _narrow(inspector, "inspector's case audits")
    inspector.get_by_role("link", name="Inspectorate audit, winter").click()
    inspector.wait_for_load_state()
    assert inspector.url == audit_url
    assert inspector.locator("#inspectors").count() == 0  # not theirs to manage
    check_page(inspector, "inspector's audit")
    refused = inspector.goto("/search/")
    assert refused is not None and refused.status == 403
