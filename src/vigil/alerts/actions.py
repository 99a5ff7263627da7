"""Every change to an alert, each with its event (and audit entry) in one transaction.

``sync_findings`` is the rule engine's side of the lifecycle: it opens alerts for new findings,
refreshes open ones, reopens resolved ones and closed ones that fire on new evidence, and
resolves open ones whose condition no longer holds, saying why. People acknowledge, assign and
close (with a written rationale).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson
from django.db import transaction
from django.utils import timezone

from vigil.alerts.models import Alert, AlertEvent
from vigil.audit import log
from vigil.rules import Finding

ENGINE = "system:rules"


class AlertActionError(ValueError):
    pass


def subject_key(finding: Finding) -> str:
    if finding.subject_kind == "person":
        return f"person:{finding.person_id}"
    assert finding.record is not None
    return f"record:{finding.record.source_system}/{finding.record.source_id}"


def alert_id_for(code: str, key: str) -> str:
    """The same code and subject always have the same id, stored or not."""
    return "A-" + hashlib.sha256(f"{code}|{key}".encode()).hexdigest()[:20]


def evidence_hash(finding: Finding) -> str:
    return hashlib.sha256(orjson.dumps(sorted(list(k) for k in finding.evidence))).hexdigest()


def _fields(finding: Finding) -> dict[str, object]:
    return {
        "severity": finding.severity,
        "raised_at": finding.raised_at,
        "due_at": finding.due_at,
        "explanation": finding.explanation,
        "evidence": [list(k) for k in finding.evidence],
        "mentions": [list(k) for k in finding.mentions],
        "thresholds": dict(finding.thresholds),
        "evidence_hash": evidence_hash(finding),
    }


@dataclass
class SyncOutcome:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    unchanged: int = 0


def sync_findings(findings: Sequence[Finding], as_of: dt.datetime,
                  in_scope: Iterable[str] | None = None) -> SyncOutcome:
    """Bring stored alerts in line with what evaluation at ``as_of`` found.

    ``in_scope`` names the subject keys that evaluation covered (all, when None): only those
    stored alerts may be resolved for not being found.
    """
    outcome = SyncOutcome()
    now = timezone.now()
    by_key = {(f.code, subject_key(f)): f for f in findings}
    scope = None if in_scope is None else set(in_scope) | {key for _, key in by_key}
    with transaction.atomic():
        stored = Alert.objects.select_for_update()
        if scope is not None:
            stored = stored.filter(subject_key__in=sorted(scope))
        held = {(a.code, a.subject_key): a for a in stored}
        events: list[AlertEvent] = []
        new_alerts: list[Alert] = []
        for (code, key), finding in sorted(by_key.items()):
            fields = _fields(finding)
            alert = held.get((code, key))
            if alert is None:
                new_alerts.append(Alert(
                    alert_id=alert_id_for(code, key), code=code, subject_kind=finding.subject_kind,
                    subject_key=key, person_id=finding.person_id or "",
                    record_system=finding.record.source_system if finding.record else "",
                    record_source_id=finding.record.source_id if finding.record else "",
                    status=Alert.Status.OPEN, evaluated_at=as_of, **fields,
                ))
                outcome.raised += 1
                continue
            changed = alert.evidence_hash != fields["evidence_hash"]
            if alert.status == Alert.Status.RESOLVED or (
                alert.status == Alert.Status.CLOSED and fields["evidence_hash"] != alert.closed_evidence_hash
            ):
                why = ("the condition holds again" if alert.status == Alert.Status.RESOLVED
                       else "it fires again on new evidence after it was closed")
                alert.status = Alert.Status.OPEN
                alert.resolved_at = None
                alert.resolution = ""
                events.append(AlertEvent(alert=alert, at=now, actor=ENGINE, action="reopened",
                                         detail={"why": why, "as_of": as_of.isoformat()}))
                outcome.reopened += 1
            elif changed and alert.status != Alert.Status.CLOSED:
                events.append(AlertEvent(alert=alert, at=now, actor=ENGINE, action="updated",
                                         detail={"as_of": as_of.isoformat(),
                                                 "evidence": fields["evidence"]}))
                outcome.updated += 1
            else:
                outcome.unchanged += 1
            if alert.status != Alert.Status.CLOSED:
                for name, value in fields.items():
                    setattr(alert, name, value)
            alert.evaluated_at = as_of
            alert.save()
        for (code, key), alert in held.items():
            if (code, key) in by_key or alert.status not in (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED):
                continue
            alert.status = Alert.Status.RESOLVED
            alert.resolved_at = now
            alert.resolution = (f"Resolved by the rules: as of {as_of:%d %B %Y %H:%M %Z} the "
                                f"condition no longer holds on the records held.")
            alert.evaluated_at = as_of
            alert.save()
            events.append(AlertEvent(alert=alert, at=now, actor=ENGINE, action="resolved",
                                     detail={"why": alert.resolution, "as_of": as_of.isoformat()}))
            outcome.resolved += 1
        if new_alerts:
            Alert.objects.bulk_create(new_alerts, batch_size=1000)
            created = Alert.objects.filter(alert_id__in=[a.alert_id for a in new_alerts])
            events += [AlertEvent(alert=a, at=now, actor=ENGINE, action="raised",
                                  detail={"as_of": as_of.isoformat()}) for a in created]
        AlertEvent.objects.bulk_create(events, batch_size=1000)
        if outcome.raised or outcome.reopened or outcome.resolved or outcome.updated:
            log.record(ENGINE, "alerts.evaluate", f"as_of:{as_of.isoformat()}",
                       detail={"raised": outcome.raised, "updated": outcome.updated,
                               "reopened": outcome.reopened, "resolved": outcome.resolved})
    return outcome


def acknowledge(alert: Alert, *, actor: str, note: str = "") -> Alert:
    if alert.status != Alert.Status.OPEN:
        raise AlertActionError(f"only an open alert can be acknowledged; this one is {alert.status}")
    with transaction.atomic():
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.save()
        AlertEvent.objects.create(alert=alert, at=alert.acknowledged_at, actor=actor,
                                  action="acknowledged", detail={"note": note})
        log.record(actor, "alert.acknowledge", alert.alert_id)
    return alert


def close(alert: Alert, *, actor: str, rationale: str) -> Alert:
    if not rationale.strip():
        raise AlertActionError("closing an alert needs a written rationale")
    if alert.status != Alert.Status.ACKNOWLEDGED:
        raise AlertActionError(f"an alert is acknowledged before it is closed; this one is {alert.status}")
    with transaction.atomic():
        alert.status = Alert.Status.CLOSED
        alert.closed_at = timezone.now()
        alert.close_rationale = rationale.strip()
        alert.closed_evidence_hash = alert.evidence_hash
        alert.save()
        AlertEvent.objects.create(alert=alert, at=alert.closed_at, actor=actor, action="closed",
                                  detail={"rationale": alert.close_rationale})
        log.record(actor, "alert.close", alert.alert_id, reason=alert.close_rationale)
    return alert
