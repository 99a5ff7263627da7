"""The supervisor's view: every figure links to a list, and the list holds exactly that many."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import ago, ahead, finding, make_alerts, make_user, person, record
from vigil.alerts.actions import acknowledge, assign
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

CHILD = "2012-05-01"
ADULT = "1990-05-01"


@pytest.fixture
def force(db: None, import_records: Callable[..., Any]) -> dict[str, Any]:
    amy, ben = (
        make_user("investigator", team="CAIT North"),
        make_user("investigator", team="CAIT South"),
    )
    alerts = make_alerts(
        finding("P1", "INVESTIGATION_DRIFT", raised_at=ago(hours=5), due_at=ago(hours=1)),
        finding("P2", "INVESTIGATION_AGED", raised_at=ago(days=4), due_at=ahead(days=1)),
        finding("P3", "SUPERVISION_OVERDUE", raised_at=ago(days=12)),
        finding("P4", "ALLOCATION_PROBLEM", raised_at=ago(days=60), due_at=ago(days=50)),
        finding("P5", "REPEAT_MISSING", raised_at=ago(days=2, hours=23)),
        finding("P6", "REPEAT_MISSING", raised_at=ago(days=3, hours=1)),
        finding("P7", "INVESTIGATION_DRIFT", raised_at=ago(days=29)),
    )
    assign(alerts[0], actor="test", assignee=amy)
    assign(alerts[1], actor="test", assignee=amy)
    assign(alerts[2], actor="test", assignee=ben)
    acknowledge(alerts[3], actor="test")
    summary = import_records(
        [
            record(
                "custody",
                "CUS-1",
                [person("d", "detainee", "Amy", "Stone", CHILD)],
                arrived_at="2026-01-05T10:00:00+00:00",
            ),
            record(
                "custody",
                "CUS-2",
                [person("d", "detainee", "Bea", "Stone", CHILD)],
                arrived_at="2026-01-05T10:00:00+00:00",
                released_at=None,
            ),
            record(
                "custody",
                "CUS-3",
                [person("d", "detainee", "Cal", "Stone", CHILD)],
                arrived_at="2026-01-05T10:00:00+00:00",
                released_at="2026-01-05T20:00:00+00:00",
            ),
            record(
                "custody",
                "CUS-4",
                [person("d", "detainee", "Dan", "Stone", CHILD)],
                arrived_at="2026-01-05T10:00:00+00:00",
                transferred_at="2026-01-05T20:00:00+00:00",
            ),
            record(
                "custody",
                "CUS-5",
                [person("d", "detainee", "Eve", "Stone", ADULT)],
                arrived_at="2026-01-05T10:00:00+00:00",
            ),
            record("custody", "CUS-6", [person("d", "detainee", "Fay", "Stone", CHILD)]),
            record(
                "referral",
                "REF-1",
                [person("s", "subject", "Gus", "Stone", CHILD)],
                to_agency="childrens_social_care",
                sent_at="2026-01-05T10:00:00+00:00",
            ),
            record(
                "referral",
                "REF-2",
                [person("s", "subject", "Hal", "Stone", CHILD)],
                to_agency="mash",
            ),
            record(
                "referral",
                "REF-3",
                [person("s", "subject", "Ida", "Stone", CHILD)],
                to_agency="childrens_social_care",
                decision_at="2026-01-06T10:00:00+00:00",
                decision="section_17",
            ),
            record(
                "referral",
                "REF-4",
                [person("s", "subject", "Jo", "Stone", CHILD)],
                to_agency="school",
            ),
            record(
                "referral",
                "REF-5",
                [person("s", "subject", "Kit", "Stone", CHILD)],
                to_agency="mash",
                decision_at=None,
            ),  # a decision field present but empty: still waiting
        ]
    )
    assert summary.quarantined == 0
    return {"alerts": alerts, "amy": amy, "ben": ben}


def figures(text: str) -> list[tuple[str, int]]:
    """Every linked number on the page: (URL, figure)."""
    found = re.findall(r'<a class="govuk-link"[^>]*href="([^"]+)"[^>]*>(?:<span[^>]*>)?(\d+)', text)
    return [(html.unescape(url), int(n)) for url, n in found]


def listed(client: Any, url: str) -> int:
    text = client.get(url).content.decode()
    match = re.search(r"<strong>(\d+)</strong> alerts? match", text) or re.search(
        r'id="list-count">(\d+)', text
    )
    assert match, url
    return int(match.group(1))


def test_every_figure_matches_the_list_it_links_to(as_role: Any, force: dict[str, Any]) -> None:
    client, user = as_role("supervisor")
    response = client.get(reverse("oversight:supervisor"))
    assert response.status_code == 200
    text = response.content.decode()
    found = figures(text)
    assert len(found) >= 15
    for url, n in found:
        assert listed(client, url) == n, url
    by_url = dict(found)
    queue = reverse("alerts:queue")
    assert by_url[queue] == 7
    assert by_url[f"{queue}?overdue=1"] == 2
    assert [by_url[f"{queue}?age={band}"] for band in ("0-2", "3-7", "8-28", "over-28")] == [
        2,
        2,
        1,
        2,
    ]
    assert by_url[f"{queue}?code=INVESTIGATION_DRIFT"] == 2
    assert (
        by_url[
            f"{queue}?code=INVESTIGATION_DRIFT&code=INVESTIGATION_AGED&code=SUPERVISION_OVERDUE"
            "&code=ALLOCATION_PROBLEM"
        ]
        == 5
    )
    assert by_url[reverse("oversight:custody-now")] == 2
    assert by_url[reverse("oversight:referrals-waiting")] == 3
    assert by_url[f"{queue}?assignee={force['amy'].pk}"] == 2
    assert by_url[f"{queue}?assignee=none"] == 4
    assert by_url[f"{queue}?team=CAIT+South"] == 1
    assert AuditEntry.objects.filter(
        actor=user.username, action="supervisor.view", target="supervisor"
    ).exists()


def test_custody_and_referral_lists_name_the_children(as_role: Any, force: dict[str, Any]) -> None:
    client, _ = as_role("auditor")
    custody = client.get(reverse("oversight:custody-now")).content.decode()
    assert "Amy Stone" in custody and "Bea Stone" in custody
    for name in ("Cal", "Dan", "Eve", "Fay"):
        assert f"{name} Stone" not in custody
    referrals = client.get(reverse("oversight:referrals-waiting")).content.decode()
    assert "Gus Stone" in referrals and "Hal Stone" in referrals and "Kit Stone" in referrals
    assert "Ida Stone" not in referrals and "Jo Stone" not in referrals
