"""The performance page in a real browser at 1280 px and 390 px: every chart drawn with its
text alternative and its table, no sideways page scroll, axe clean, and printable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server, check_page, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_performance_charts_at_desktop_and_phone_width(
    new_page: Any, server: Server, width: int
) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, "supervisor")
    page.goto("/supervisor/")
    page.locator("#performance-link").click()
    page.wait_for_url("**/supervisor/performance/")
    assert page.get_by_role("heading", name="Performance", exact=True).is_visible()

    charts = page.locator("svg.vigil-chart")
    assert charts.count() == 6
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        assert chart.evaluate("e => e.querySelector('title').textContent.length") > 0
        assert chart.evaluate("e => e.querySelector('desc').textContent.length") > 0
        # on a phone the chart keeps a readable size and scrolls inside its own box
        region = page.locator("figure.vigil-chart-box").nth(i)
        box = region.bounding_box()
        assert box is not None and box["width"] <= width
        assert region.get_attribute("tabindex") == "0"
    assert page.locator("section.vigil-figure table").count() == 6
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1
    check_page(page, f"performance-{width}")

    # A period with a mistake: the GOV.UK error summary, focused, the field marked.
    page.fill("#id_start", "31/02/2026")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.locator("#id_start.govuk-input--error").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1
    check_page(page, f"performance-error-{width}")

    # In print, the charts and tables stay and the form and download links go.
    page.goto("/supervisor/performance/")
    page.emulate_media(media="print")
    assert page.locator("svg.vigil-chart").first.is_visible()
    assert not page.locator("form.vigil-noprint").is_visible()
    assert not page.get_by_text("Download this table (CSV)").first.is_visible()
    page.emulate_media(media="screen")
