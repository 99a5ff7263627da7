"""The alert lifecycle of ALERTS.md: open, acknowledged, closed, resolved, reopened; no duplicates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from vigil.alerts.actions import AlertActionError, acknowledge, close, sync_findings
from vigil.alerts.models import Alert, AlertEvent
from vigil.audit.models import AuditEntry
from vigil.rules import Finding, MentionKey, RecordKey

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2014, 6, 1, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def finding(*evidence: str, person: str = "P1", code: str = "REPEAT_MISSING") -> Finding:
    return Finding(
        code=code,
        severity="high",
        subject_kind="person",
        person_id=person,
        record=None,
        mentions=(MentionKey("compact", "M-1", "p1"),),
        explanation=f"Missing {len(evidence)} times",
        evidence=tuple(RecordKey("compact", e) for e in evidence),
        thresholds={"episodes": 3},
        raised_at=T0,
        due_at=None,
    )


def only() -> Alert:
    return Alert.objects.get()


def actions() -> list[str]:
    return list(AlertEvent.objects.order_by("id").values_list("action", flat=True))


def test_new_finding_opens_one_alert_and_repeat_evaluation_does_not_duplicate() -> None:
    outcome = sync_findings([finding("M-1", "M-2", "M-3")], T0)
    assert outcome.raised == 1
    again = sync_findings([finding("M-1", "M-2", "M-3")], T0 + DAY)
    assert (again.raised, again.unchanged) == (0, 1)
    alert = only()
    assert (alert.status, alert.code, alert.subject_key) == ("open", "REPEAT_MISSING", "person:P1")
    assert alert.evidence == [["compact", "M-1"], ["compact", "M-2"], ["compact", "M-3"]]
    assert actions() == ["raised"]
    assert AuditEntry.objects.filter(action="alert.evaluate").count() == 1


def test_new_evidence_updates_an_open_alert() -> None:
    sync_findings([finding("M-1", "M-2", "M-3")], T0)
    outcome = sync_findings([finding("M-1", "M-2", "M-3", "M-4")], T0 + DAY)
    assert outcome.updated == 1
    assert only().explanation == "Missing 4 times"
    assert actions() == ["raised", "updated"]


def test_condition_no_longer_holding_resolves_and_says_why_then_reopens() -> None:
    sync_findings([finding("M-1", "M-2", "M-3")], T0)
    assert sync_findings([], T0 + 100 * DAY).resolved == 1
    alert = only()
    assert alert.status == "resolved"
    assert "no longer holds" in alert.resolution
    assert sync_findings([finding("M-5", "M-6", "M-7")], T0 + 200 * DAY).reopened == 1
    alert.refresh_from_db()
    assert (alert.status, alert.resolution) == ("open", "")
    assert actions() == ["raised", "resolved", "reopened"]
    assert Alert.objects.count() == 1  # nothing deleted, nothing duplicated


def test_people_acknowledge_then_close_with_a_rationale() -> None:
    sync_findings([finding("M-1", "M-2", "M-3")], T0)
    alert = only()
    with pytest.raises(AlertActionError, match="acknowledged before it is closed"):
        close(alert, actor="sup1", outcome="nfa_low_risk", rationale="dealt with")
    acknowledge(alert, actor="sup1")
    with pytest.raises(AlertActionError, match="written rationale"):
        close(alert, actor="sup1", outcome="nfa_low_risk", rationale="   ")
    with pytest.raises(AlertActionError, match="outcome"):
        close(alert, actor="sup1", outcome="", rationale="Seen")
    with pytest.raises(AlertActionError, match="outcome"):  # another code's outcome
        close(alert, actor="sup1", outcome="flag_added", rationale="Seen")
    close(
        alert,
        actor="sup1",
        outcome="nfa_low_risk",
        rationale="Strategy discussion held; plan in place.",
    )
    alert.refresh_from_db()
    assert (alert.status, alert.close_rationale) == (
        "closed",
        "Strategy discussion held; plan in place.",
    )
    assert alert.outcome == "nfa_low_risk"
    assert actions() == ["raised", "acknowledged", "closed"]
    assert list(AlertEvent.objects.filter(action="closed").values_list("actor", flat=True)) == [
        "sup1"
    ]
    assert AuditEntry.objects.filter(action="alert.close", reason__startswith="Strategy").exists()


def test_closed_alert_stays_closed_on_the_same_evidence_and_reopens_on_new() -> None:
    sync_findings([finding("M-1", "M-2", "M-3")], T0)
    alert = only()
    acknowledge(alert, actor="sup1")
    close(alert, actor="sup1", outcome="nfa_low_risk", rationale="Reviewed")
    sync_findings([finding("M-1", "M-2", "M-3")], T0 + DAY)
    assert only().status == "closed"
    # Not resolved either: a closed alert is a person's decision, not the engine's.
    sync_findings([], T0 + 2 * DAY)
    assert only().status == "closed"
    outcome = sync_findings([finding("M-1", "M-2", "M-3", "M-9")], T0 + 3 * DAY)
    assert outcome.reopened == 1 and only().status == "open"
    assert actions()[-1] == "reopened"


def test_scoped_evaluation_only_resolves_alerts_in_scope() -> None:
    sync_findings([finding("M-1", person="P1"), finding("M-2", person="P2")], T0)
    sync_findings([], T0 + DAY, in_scope={"person:P2"})
    assert dict(Alert.objects.values_list("person_id", "status")) == {
        "P1": "open",
        "P2": "resolved",
    }


def test_closed_alert_does_not_reopen_when_its_evidence_only_shrinks() -> None:
    # An episode leaving the 90-day window is no new evidence: the person who closed the alert
    # has seen every record it still rests on.
    sync_findings([finding("M-1", "M-2", "M-3", "M-4")], T0)
    alert = only()
    acknowledge(alert, actor="sup1")
    close(
        alert,
        actor="sup1",
        outcome="nfa_low_risk",
        rationale="Reviewed with the missing person coordinator",
    )
    outcome = sync_findings([finding("M-2", "M-3", "M-4")], T0 + 30 * DAY)
    assert (outcome.reopened, only().status) == (0, "closed")
    # Still none after another evaluation on the old records only.
    assert sync_findings([finding("M-1", "M-3", "M-4")], T0 + 31 * DAY).reopened == 0
    # A record it never rested on is new evidence, even with others gone.
    outcome = sync_findings([finding("M-3", "M-4", "M-5")], T0 + 40 * DAY)
    assert (outcome.reopened, only().status) == (1, "open")
    assert only().evidence == [["compact", "M-3"], ["compact", "M-4"], ["compact", "M-5"]]
    assert actions() == ["raised", "acknowledged", "closed", "reopened"]


def test_re_evaluation_moves_evaluated_at_and_keeps_what_changed_without_new_evidence() -> None:
    sync_findings([finding("M-1", "M-2", "M-3")], T0)
    assert sync_findings([finding("M-1", "M-2", "M-3")], T0 + DAY).unchanged == 1
    assert only().evaluated_at == T0 + DAY
    # Same evidence, different wording (a policy's threshold changed, say): stored, no event.
    changed = dataclasses.replace(finding("M-1", "M-2", "M-3"), explanation="Missing 3 times (2)")
    assert sync_findings([changed], T0 + 2 * DAY).unchanged == 1
    alert = only()
    assert (alert.explanation, alert.evaluated_at) == ("Missing 3 times (2)", T0 + 2 * DAY)
    assert actions() == ["raised"]
