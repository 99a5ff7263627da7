"""Who is around a person and the exploitation network around them, in a real browser at a
desktop's and a phone's width: drawn, no sideways scroll of the page, axe clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser


def _network_alert(server: Server) -> tuple[str, str]:
    row = server.one(
        "SELECT alert_id, person_id FROM alerts_alert WHERE code = 'EXPLOITATION_NETWORK' "
        "AND status = 'open' AND person_id IS NOT NULL ORDER BY alert_id LIMIT 1"
    )
    assert row is not None, "the demo force plants an exploitation network"
    return row[0], row[1]


def _no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1


@pytest.mark.parametrize("width", [1280, 390])
def test_from_the_alert_to_the_network_and_who_is_around(
    new_page: Any, server: Server, width: int
) -> None:
    alert_id, person_id = _network_alert(server)
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, "mash")
    page.goto(f"/alerts/{alert_id}/")
    page.get_by_role("link", name="See the network drawn").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/people/{person_id}/network/")
    check_page(page, f"network-{width}")
    _no_sideways_scroll(page, width)
    drawing = page.locator("svg.vigil-network[role=img]")
    assert drawing.is_visible()
    box = drawing.bounding_box()
    assert box is not None and box["width"] <= width
    desc = page.locator("#network-desc").text_content() or ""
    assert desc.startswith("A network of ")
    children = int(page.locator("#count-children").inner_text())
    flagged = int(page.locator("#count-flagged").inner_text())
    assert children >= 2 and 0 <= flagged <= children
    # The drawing's every link is in the table, each with why.
    assert page.locator("#network-links tbody tr").count() >= 2
    assert page.locator("#network-people tbody tr").count() == children + int(
        page.locator("#count-adults").inner_text()
    )

    page.get_by_role("link", name="Who is around").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/people/{person_id}/around/")
    check_page(page, f"around-{width}")
    _no_sideways_scroll(page, width)
    assert int(page.locator("#count-linked").inner_text()) >= 2
    assert page.locator("#associates tbody tr").count() >= 2
    assert page.get_by_role("link", name="See the network around this person").is_visible()


def test_who_is_around_from_the_person_page_at_390px(new_page: Any, server: Server) -> None:
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, "response_officer")
    page.goto(f"/people/{server.scenario.child_id}/")
    page.get_by_role("link", name="Who is around this person").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/people/{server.scenario.child_id}/around/")
    check_page(page, "around-response-officer-390")
    _no_sideways_scroll(page, 390)
    assert page.locator("h1").inner_text() == "Who is around this person"
