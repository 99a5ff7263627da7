"""Who may open each work page and make each change: the rest get 403 (and nothing changes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.factories import ago, finding, make_alerts
from vigil.alerts.models import Alert
from vigil.identity.models import LinkDecision

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    "call_handler",
    "response_officer",
    "investigator",
    "mash",
    "supervisor",
    "partner_csc",
    "partner_health",
    "partner_education",
    "auditor",
    "admin",
]
ALERT = "A-0123456789abcdef0123"


def pages() -> list[tuple[str, str, set[str]]]:
    """(method, URL, roles allowed) for every page and action in the work area."""
    view = {"investigator", "mash", "supervisor", "auditor"}
    act = {"investigator", "mash", "supervisor"}
    return [
        ("get", reverse("alerts:queue"), view),
        ("get", reverse("alerts:alert", args=[ALERT]), view),
        ("post", reverse("alerts:acknowledge", args=[ALERT]), act),
        ("post", reverse("alerts:close", args=[ALERT]), act),
        ("post", reverse("alerts:assign", args=[ALERT]), act),
        ("post", reverse("alerts:note", args=[ALERT]), act),
        (
            "get",
            reverse("work:mine"),
            {"call_handler", "response_officer", "investigator", "mash", "supervisor"},
        ),
        ("get", reverse("work:team"), {"supervisor", "auditor"}),
        ("get", reverse("work:notifications"), set(ALL_ROLES)),
        ("get", reverse("oversight:supervisor"), {"supervisor", "auditor"}),
        ("get", reverse("oversight:custody-now"), {"supervisor", "auditor"}),
        ("get", reverse("oversight:referrals-waiting"), {"supervisor", "auditor"}),
        ("get", reverse("records:imports"), {"supervisor", "auditor", "admin"}),
        ("get", reverse("records:quarantine-download"), {"admin"}),
        ("get", reverse("identity:reviews"), {"mash", "supervisor"}),
        ("post", reverse("identity:decide", args=[999999]), {"mash", "supervisor"}),
        ("post", reverse("identity:undo", args=[999999]), {"mash", "supervisor"}),
    ]


@pytest.fixture
def one_alert(db: None) -> Alert:
    alert = make_alerts(finding("P1", raised_at=ago(days=1), due_at=ago(hours=1)))[0]
    Alert.objects.filter(pk=alert.pk).update(alert_id=ALERT)
    alert.refresh_from_db()
    return alert


@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_by_url_by_method(as_role: Any, one_alert: Alert, role: str) -> None:
    client, _ = as_role(role)
    for method, url, allowed in pages():
        response = getattr(client, method)(
            url,
            {"note": "x", "rationale": "x", "reason": "x", "decision": "same"}
            if method == "post"
            else {},
        )
        if role in allowed:
            # allowed: the page, a redirect after a change, a refused form (400) or a missing id (404)
            assert response.status_code in (200, 302, 400, 404), (
                role,
                method,
                url,
                response.status_code,
            )
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
    one_alert.refresh_from_db()
    if role not in {"investigator", "mash", "supervisor"}:
        assert (one_alert.status, one_alert.assigned_to) == ("open", None)
    assert not LinkDecision.objects.exists()


@pytest.mark.parametrize(
    "role",
    ["partner_csc", "partner_health", "partner_education", "call_handler", "response_officer"],
)
def test_no_work_area_in_navigation_for_roles_without_it(as_role: Any, role: str) -> None:
    client, _ = as_role(role)
    text = client.get("/").content.decode()
    for name in ("alerts:queue", "oversight:supervisor", "identity:reviews", "records:imports"):
        assert f'href="{reverse(name)}"' not in text


def test_signed_out_is_sent_to_sign_in(client: Any, one_alert: Alert) -> None:
    for method, url, _ in pages():
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "sign" in response["Location"], url
    one_alert.refresh_from_db()
    assert one_alert.status == "open"
