"""No N+1: the work pages ask the same few queries however many alerts, batches or pairs there are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ago, finding, make_alerts, make_user, person, record
from vigil.alerts.actions import acknowledge, assign
from vigil.alerts.models import Alert
from vigil.identity.models import ReviewPair
from vigil.records.models import ImportBatch, PersonMention

pytestmark = pytest.mark.django_db

# Counted in a test transaction: the session and account (2), the page's own queries, the access
# log entry (4: savepoint, the chain's last hash, insert, release; on PostgreSQL also the chain's
# lock) and the session's save (3).
# identity-reviews: one more than a single joined query, to page over pair ids before joining.
# Each includes the header's count of unread notifications (one indexed COUNT on every page);
# alert-queue: four for naming the page's subjects (persons, their names, records, the children
# a record names: alerts.subjects), whatever the number of alerts.
LIMITS = {
    "alert-queue": 18,
    "supervisor": 17,
    "imports": 14,
    "identity-reviews": 16,  # each person by name and date of birth, and the link threshold
    "alert": 18,
    "custody-now": 14,
    "referrals-waiting": 14,
}
if connection.vendor == "postgresql":
    LIMITS = {name: n + 1 for name, n in LIMITS.items()}


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def grow(users: list[Any], n: int, start: int) -> None:
    alerts = make_alerts(
        *[
            finding(
                f"P{start + i}",
                ("REPEAT_MISSING", "INVESTIGATION_DRIFT")[i % 2],
                raised_at=ago(days=i % 40),
                due_at=ago(days=1),
                evidence=(("test", "C-1"), ("test", "C-2")),
            )
            for i in range(n)
        ]
    )
    for i, alert in enumerate(alerts):
        assign(alert, actor="test", assignee=users[i % len(users)])
        if i % 3 == 0:
            acknowledge(alert, actor="test")


def test_alert_pages_make_a_fixed_number_of_queries(as_role: Any) -> None:
    users = [make_user("investigator", team=f"Team {i % 3}") for i in range(6)]
    client, _ = as_role("supervisor")
    grow(users, 3, 0)
    pages = {
        "alert-queue": reverse("alerts:queue"),
        "supervisor": reverse("oversight:supervisor"),
        "alert-queue-sorted": reverse("alerts:queue") + "?sort=assignee&status=all&team=Team+1",
    }
    few = {name: queries(client, url) for name, url in pages.items()}
    grow(users, 120, 100)
    many = {name: queries(client, url) for name, url in pages.items()}
    assert many == few
    assert many["alert-queue"] <= LIMITS["alert-queue"]
    assert many["supervisor"] <= LIMITS["supervisor"]
    alert = Alert.objects.filter(status="acknowledged").first()
    assert alert is not None
    assert queries(client, reverse("alerts:alert", args=[alert.alert_id])) <= LIMITS["alert"]


def test_imports_page_queries_do_not_grow(as_role: Any, import_records: Callable[..., Any]) -> None:
    client, _ = as_role("admin")
    import_records(
        [record("call", "C-1", [person("c", "child_present", "Amy", "Stone", "2014-13-01")])]
    )
    few = queries(client, reverse("records:imports"))
    for _ in range(60):
        ImportBatch.objects.create(
            started_at=timezone.now(), started_by="cli:x", status="running", pid=None
        )
    many = queries(client, reverse("records:imports"))
    assert many == few <= LIMITS["imports"]


def test_review_and_list_pages_queries_do_not_grow(
    as_role: Any, import_records: Callable[..., Any]
) -> None:
    client, _ = as_role("supervisor")

    def add(n: int, start: int) -> None:
        import_records(
            [
                record(
                    "custody",
                    f"CUS-{start + i}",
                    [
                        person("d", "detainee", "Amy", "Stone", "2012-01-01"),
                        person("e", "detainee", "Bob", "Stone", "2011-01-01"),
                    ],
                    arrived_at="2026-01-05T10:00:00+00:00",
                )
                for i in range(n)
            ]
            + [
                record(
                    "referral",
                    f"REF-{start + i}",
                    [person("s", "subject", "Amy", "Stone", "2012-01-01")],
                    to_agency="mash",
                )
                for i in range(n)
            ]
        )
        mentions = sorted(
            PersonMention.objects.filter(record__source_id__startswith="CUS-"), key=lambda m: m.pk
        )
        for a, b in zip(mentions[::2], mentions[1::2], strict=True):
            ReviewPair.objects.get_or_create(
                mention_a=a,
                mention_b=b,
                defaults={
                    "match_probability": 0.5,
                    "linked_by_model": False,
                    "raised_at": timezone.now(),
                },
            )

    pages = {
        "identity-reviews": reverse("identity:reviews"),
        "custody-now": reverse("oversight:custody-now"),
        "referrals-waiting": reverse("oversight:referrals-waiting"),
    }
    add(2, 0)
    for (
        url
    ) in pages.values():  # caches filled (the review queue's source systems, read every 5 min)
        client.get(url)
    few = {name: queries(client, url) for name, url in pages.items()}
    add(30, 100)
    many = {name: queries(client, url) for name, url in pages.items()}
    assert many == few
    for name, n in many.items():
        assert n <= LIMITS[name], (name, n)
