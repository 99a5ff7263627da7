"""ALERTS.md v1.1 'Deadlines' and 'Current state' through the stored alert's lifecycle.

A duty done after its deadline leaves the alert open, saying how late it was done, until a
person closes it; a "no X for D days" alert resolves itself once X is recorded.
"""

from __future__ import annotations

import pytest

from tests.rules.builders import Case, iso, t
from vigil.alerts.actions import sync_findings
from vigil.alerts.models import Alert

pytestmark = pytest.mark.django_db


def episode(case: Case, **fields: object) -> None:
    case.add(
        "missing",
        "MIS-1",
        "2014-05-01 20:00",
        [("amy", "missing_person")],
        found_at=iso("2014-05-02 08:00"),
        **fields,
    )


def test_duty_done_late_keeps_the_alert_open_and_says_how_late() -> None:
    before = Case()
    episode(before)
    sync_findings(
        before.findings("2014-05-06 12:00", "RETURN_INTERVIEW_OVERDUE"), t("2014-05-06 12:00")
    )
    done = Case()
    episode(done, return_interview_completed_at=iso("2014-05-07 09:00"))
    outcome = sync_findings(
        done.findings("2014-05-20 12:00", "RETURN_INTERVIEW_OVERDUE"), t("2014-05-20 12:00")
    )
    assert (outcome.raised, outcome.resolved) == (0, 0)
    alert = Alert.objects.get()
    assert alert.status == "open"
    assert "recorded 7 May 2014 at 10:00, 2 days 1 hour late" in alert.explanation


def drift(case: Case, latest: str) -> None:
    case.add(
        "investigation",
        "INV-1",
        "2014-03-01 10:00",
        [("amy", "victim")],
        opened_at=iso("2014-03-01 10:00"),
        activity=[{"at": iso(latest), "type": "enquiry"}],
        allocations=[{"at": iso("2014-03-01 11:00"), "team": "CAIT", "specialist": True}],
    )


def test_current_state_alert_resolves_itself_when_x_is_recorded() -> None:
    stale = Case()
    drift(stale, "2014-03-02 10:00")
    assert (
        sync_findings(
            stale.findings("2014-05-01 12:00", "INVESTIGATION_DRIFT"), t("2014-05-01 12:00")
        ).raised
        == 1
    )
    fresh = Case()
    drift(fresh, "2014-04-30 10:00")
    outcome = sync_findings(
        fresh.findings("2014-05-01 12:00", "INVESTIGATION_DRIFT"), t("2014-05-01 12:00")
    )
    assert outcome.resolved == 1
    assert Alert.objects.get().status == "resolved"
