"""The alert queue and one alert's page: filters, overdue marking, acknowledge, close, assign."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import ago, ahead, finding, make_alerts, make_user
from vigil.alerts.actions import AlertActionError, acknowledge, assign
from vigil.alerts.models import AlertEvent
from vigil.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

QUEUE = reverse("alerts:queue")


def ids_on(response: Any) -> set[str]:
    return set(re.findall(r"/alerts/(A-[0-9a-f]{20})/", response.content.decode()))


@pytest.fixture
def queue(db: None) -> dict[str, Any]:
    amy, ben = (
        make_user("investigator", team="CAIT North"),
        make_user("investigator", team="CAIT South"),
    )
    a_overdue, a_future, a_old, a_closed, a_none = make_alerts(
        finding("P1", "REPEAT_MISSING", "high", raised_at=ago(days=1), due_at=ago(hours=2)),
        finding("P2", "INVESTIGATION_DRIFT", "medium", raised_at=ago(days=5), due_at=ahead(days=3)),
        finding(
            "P3", "INVESTIGATION_AGED", "critical", raised_at=ago(days=40), due_at=ago(days=30)
        ),
        finding("P4", "REPEAT_MISSING", "low", raised_at=ago(days=10), due_at=ago(days=9)),
        finding("P5", "CHILD_NOT_SEEN_OR_HEARD", "high", raised_at=ago(days=20)),
    )
    assign(a_overdue, actor="test", assignee=amy)
    assign(a_future, actor="test", assignee=ben)
    acknowledge(a_closed, actor="test")
    from vigil.alerts.actions import close

    close(a_closed, actor="test", outcome="duplicate", rationale="Done.")
    return {
        "amy": amy,
        "ben": ben,
        "overdue": a_overdue,
        "future": a_future,
        "old": a_old,
        "closed": a_closed,
        "none": a_none,
    }


def test_queue_shows_live_alerts_with_counts_and_overdue_marking(
    as_role: Any, queue: dict[str, Any]
) -> None:
    client, _ = as_role("supervisor")
    response = client.get(QUEUE)
    assert response.status_code == 200
    shown = ids_on(response)
    assert shown == {queue[k].alert_id for k in ("overdue", "future", "old", "none")}
    text = response.content.decode()
    assert "<strong>4</strong> alerts match" in text
    assert "<strong>2</strong> are overdue" in text  # overdue and old; the closed one is not
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r'/alerts/(A-[0-9a-f]{20})/">.*?</tr>', text, re.S)
    }
    assert "Overdue" in rows[queue["overdue"].alert_id]
    assert "Overdue" in rows[queue["old"].alert_id]
    assert "Overdue" not in rows[queue["future"].alert_id]
    assert "Overdue" not in rows[queue["none"].alert_id]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("code=REPEAT_MISSING", {"overdue"}),
        ("code=INVESTIGATION_DRIFT&code=INVESTIGATION_AGED", {"future", "old"}),
        ("severity=high", {"overdue", "none"}),
        ("severity=critical&severity=medium", {"future", "old"}),
        ("status=closed", {"closed"}),
        ("status=all", {"overdue", "future", "old", "closed", "none"}),
        ("status=acknowledged", set()),
        ("team=CAIT+North", {"overdue"}),
        ("assignee=none", {"old", "none"}),
        ("overdue=1", {"overdue", "old"}),
        ("age=0-2", {"overdue"}),
        ("age=3-7", {"future"}),
        ("age=8-28", {"none"}),
        ("age=over-28", {"old"}),
    ],
)
def test_queue_filters(as_role: Any, queue: dict[str, Any], query: str, expected: set[str]) -> None:
    client, _ = as_role("supervisor")
    response = client.get(f"{QUEUE}?{query}")
    assert response.status_code == 200
    assert ids_on(response) == {queue[k].alert_id for k in expected}


def test_unknown_filter_values_are_refused_with_a_message(
    as_role: Any, queue: dict[str, Any]
) -> None:
    """Unknown values are an error the user is told of (400), not silently dropped filters."""
    client, _ = as_role("supervisor")
    response = client.get(f"{QUEUE}?status=nonsense&age=nonsense&severity=nonsense")
    assert response.status_code == 400
    text = response.content.decode()
    for message in (
        "Choose a status from the list",
        "Choose an age from the list",
        "Choose a severity from the list",
    ):
        assert message in text


def test_assigned_to_me_and_by_assignee(as_role: Any, queue: dict[str, Any]) -> None:
    client, me = as_role("investigator", "CAIT North")
    assign(queue["none"], actor="test", assignee=me)
    assert ids_on(client.get(f"{QUEUE}?mine=1")) == {queue["none"].alert_id}
    assert ids_on(client.get(f"{QUEUE}?assignee={queue['ben'].pk}")) == {queue["future"].alert_id}
    assert ids_on(client.get(f"{QUEUE}?team=CAIT+North")) == {
        queue["overdue"].alert_id,
        queue["none"].alert_id,
    }


def test_sorting_by_severity_and_due(as_role: Any, queue: dict[str, Any]) -> None:
    client, _ = as_role("supervisor")

    def order(query: str) -> list[str]:
        text = client.get(f"{QUEUE}?{query}").content.decode()
        return list(dict.fromkeys(re.findall(r'href="/alerts/(A-[0-9a-f]{20})/"', text)))

    by_severity = order("sort=severity")
    assert by_severity[0] == queue["old"].alert_id  # critical first
    assert by_severity[-1] == queue["future"].alert_id  # medium last among live
    by_due = order("sort=due")
    assert by_due[:2] == [queue["old"].alert_id, queue["overdue"].alert_id]
    assert by_due[-1] == queue["none"].alert_id  # no due date: last
    assert order("sort=due&dir=desc")[0] == queue["future"].alert_id
    assert 'aria-sort="ascending"' in client.get(f"{QUEUE}?sort=code").content.decode()


def test_alert_page_shows_explanation_evidence_and_history(
    as_role: Any, queue: dict[str, Any]
) -> None:
    client, user = as_role("investigator")
    alert = queue["overdue"]
    response = client.get(reverse("alerts:alert", args=[alert.alert_id]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "REPEAT_MISSING for P1" in text
    assert "compact/M-1" in text
    assert "Raised" in text and "Assigned" in text  # history
    assert "Overdue" in text
    assert AuditEntry.objects.filter(
        actor=user.username, action="alert.view", target=f"alert:{alert.alert_id}"
    ).exists()
    assert client.get(reverse("alerts:alert", args=["A-00000000000000000000"])).status_code == 404


def test_acknowledge_then_close_without_and_with_rationale(
    as_role: Any, queue: dict[str, Any]
) -> None:
    client, user = as_role("investigator")
    alert = queue["future"]
    page = reverse("alerts:alert", args=[alert.alert_id])
    response = client.post(
        reverse("alerts:acknowledge", args=[alert.alert_id]), {"note": "Looking now"}
    )
    assert response.status_code == 302 and response["Location"] == page
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", user)
    assert "Alert acknowledged." in client.get(page).content.decode()

    refused = client.post(reverse("alerts:close", args=[alert.alert_id]), {"rationale": "   "})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "govuk-error-summary" in text and 'href="#rationale"' in text
    assert "Enter why you are closing this alert." in text and "<title>Error:" in text
    alert.refresh_from_db()
    assert alert.status == "acknowledged"

    # A rationale without an outcome is refused too, with the outcome's error by its radios.
    no_outcome = client.post(
        reverse("alerts:close", args=[alert.alert_id]), {"rationale": "Plan agreed."}
    )
    assert no_outcome.status_code == 400
    assert 'href="#outcome"' in no_outcome.content.decode()
    assert "Choose the outcome." in no_outcome.content.decode()
    done = client.post(
        reverse("alerts:close", args=[alert.alert_id]),
        {"outcome": "supervisory_review", "rationale": "Plan agreed with CSC."},
    )
    assert done.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.closed_by, alert.close_rationale) == (
        "closed",
        user,
        "Plan agreed with CSC.",
    )
    assert alert.outcome == "supervisory_review"
    page_text = client.get(page).content.decode()
    assert "Supervisory review recorded with actions" in page_text
    assert "supervisory_review" not in page_text  # the label, never the key
    assert list(AlertEvent.objects.filter(alert=alert).values_list("action", "actor"))[-2:] == [
        ("acknowledged", user.username),
        ("closed", user.username),
    ]
    actions = set(AuditEntry.objects.filter(actor=user.username).values_list("action", flat=True))
    assert {"alert.acknowledge", "alert.close", "alert.submit_change"} <= actions
    again = client.post(reverse("alerts:acknowledge", args=[alert.alert_id]))
    assert (
        again.status_code == 400
        and "only an open alert can be acknowledged" in again.content.decode().lower()
    )


def test_htmx_actions_swap_the_lifecycle_panel(as_role: Any, queue: dict[str, Any]) -> None:
    client, _ = as_role("mash")
    alert = queue["none"]
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = client.post(reverse("alerts:acknowledge", args=[alert.alert_id]), **htmx)
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="alert-lifecycle">') and "<html" not in text
    assert "Alert acknowledged." in text and "Close alert" in text
    refused = client.post(reverse("alerts:close", args=[alert.alert_id]), {"rationale": ""}, **htmx)
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    closed = client.post(
        reverse("alerts:close", args=[alert.alert_id]),
        {"outcome": "nfa_low_risk", "rationale": "No concern."},
        **htmx,
    )
    assert "Alert closed." in closed.content.decode()


def test_anyone_who_acts_on_alerts_assigns_and_a_partner_may_not(
    as_role: Any, queue: dict[str, Any]
) -> None:
    investigator, inv_user = as_role("investigator")
    partner, _ = as_role("partner_csc")
    alert = queue["none"]
    url = reverse("alerts:assign", args=[alert.alert_id])
    assert partner.post(url, {"assignee": f"user:{queue['amy'].pk}"}).status_code == 403
    assert (
        investigator.post(url, {"assignee": f"user:{queue['amy'].pk}", "note": "Yours"}).status_code
        == 302
    )
    alert.refresh_from_db()
    assert (alert.assigned_to, alert.assigned_team.name, alert.assigned_by) == (
        queue["amy"],
        "CAIT North",
        inv_user,
    )
    event = AlertEvent.objects.filter(alert=alert).last()
    assert event is not None and (
        event.action,
        event.actor,
        event.detail["to"],
        event.detail["note"],
    ) == ("assigned", inv_user.username, queue["amy"].display_name, "Yours")
    assert AuditEntry.objects.filter(actor=inv_user.username, action="alert.assign").exists()
    # someone whose role cannot act on alerts cannot be given one; nor a made-up account
    other = queue["amy"].__class__.objects.create(username="partner-x", role="partner_csc")
    refused = investigator.post(url, {"assignee": f"user:{other.pk}"})
    assert refused.status_code == 400 and "cannot act on an alert" in refused.content.decode()
    assert investigator.post(url, {"assignee": "user:999999"}).status_code == 400
    assert investigator.post(url, {"assignee": "someone"}).status_code == 400
    assert investigator.post(url, {"assignee": "nobody"}).status_code == 302  # taken back
    alert.refresh_from_db()
    assert alert.assigned_to is None and alert.assigned_team is None


def test_assign_action_rules(queue: dict[str, Any]) -> None:
    with pytest.raises(AlertActionError, match="only open work"):
        assign(queue["closed"], actor="test", assignee=queue["amy"])
    with pytest.raises(AlertActionError, match="already with"):
        assign(queue["overdue"], actor="test", assignee=queue["amy"])


def test_get_is_not_an_action_and_posts_need_csrf(as_role: Any, queue: dict[str, Any]) -> None:
    client, user = as_role("supervisor")
    alert = queue["none"]
    assert client.get(reverse("alerts:acknowledge", args=[alert.alert_id])).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(reverse("alerts:acknowledge", args=[alert.alert_id])).status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"
