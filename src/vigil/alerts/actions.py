"""Every change to an alert, each with its event (and audit entry) in one transaction.

``sync_findings`` is the rule engine's side of the lifecycle: it opens alerts for new findings,
refreshes open ones, reopens resolved ones and closed ones that fire on new evidence, and
resolves open ones whose condition no longer holds, saying why. People acknowledge, assign and
close (with an outcome and a written rationale) through the work core (``vigil.work``); given the ``User``, the alert records the account too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

import orjson
from django.db import transaction
from django.utils import timezone

from vigil.access.permissions import Capability, can
from vigil.accounts.models import Team, User
from vigil.alerts.models import Alert, AlertEvent
from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.rules import Finding
from vigil.work import actions as work

ENGINE = "system:rules"


class AlertActionError(work.WorkActionError):
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


def _new_evidence(alert: Alert, finding: Finding) -> bool:
    """Whether a closed alert's finding now rests on a record it did not rest on when closed.

    A closed alert keeps the evidence it had when it was closed (the engine does not refresh a
    closed alert). Evidence that only shrinks, say an episode leaving a 90-day window, is no
    new evidence: the person who closed it has seen every record it still rests on.
    """
    at_close = {tuple(k) for k in alert.evidence}
    return any(tuple(k) not in at_close for k in finding.evidence)


@dataclass
class SyncOutcome:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    unchanged: int = 0


def sync_findings(
    findings: Sequence[Finding], as_of: dt.datetime, in_scope: Iterable[str] | None = None
) -> SyncOutcome:
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
        seen_again: list[int] = []
        for (code, key), finding in sorted(by_key.items()):
            fields = _fields(finding)
            alert = held.get((code, key))
            if alert is None:
                new_alerts.append(
                    Alert(
                        alert_id=alert_id_for(code, key),
                        code=code,
                        subject_kind=finding.subject_kind,
                        subject_key=key,
                        person_id=finding.person_id or "",
                        record_system=finding.record.source_system if finding.record else "",
                        record_source_id=finding.record.source_id if finding.record else "",
                        status=Alert.Status.OPEN,
                        evaluated_at=as_of,
                        **fields,
                    )
                )
                outcome.raised += 1
                continue
            changed = alert.evidence_hash != fields["evidence_hash"]
            if alert.status == Alert.Status.RESOLVED or (
                alert.status == Alert.Status.CLOSED and _new_evidence(alert, finding)
            ):
                why = (
                    "the condition holds again"
                    if alert.status == Alert.Status.RESOLVED
                    else "it fires again on new evidence after it was closed"
                )
                alert.status = Alert.Status.OPEN
                alert.resolved_at = None
                alert.resolution = ""
                events.append(
                    AlertEvent(
                        alert=alert,
                        at=now,
                        actor=ENGINE,
                        action="reopened",
                        detail={"why": why, "as_of": as_of.isoformat()},
                    )
                )
                outcome.reopened += 1
            elif changed and alert.status != Alert.Status.CLOSED:
                events.append(
                    AlertEvent(
                        alert=alert,
                        at=now,
                        actor=ENGINE,
                        action="updated",
                        detail={"as_of": as_of.isoformat(), "evidence": fields["evidence"]},
                    )
                )
                outcome.updated += 1
            else:
                outcome.unchanged += 1
                if alert.status == Alert.Status.CLOSED or all(
                    getattr(alert, name) == value for name, value in fields.items()
                ):
                    # Nothing but the moment of evaluation changes: one UPDATE for them all
                    # below (a full assessment finds most alerts as they were).
                    seen_again.append(alert.pk)
                    continue
            if alert.status != Alert.Status.CLOSED:
                for name, value in fields.items():
                    setattr(alert, name, value)
            alert.evaluated_at = as_of
            alert.save()
        for start in range(0, len(seen_again), 900):
            Alert.objects.filter(pk__in=seen_again[start : start + 900]).update(evaluated_at=as_of)
        for (code, key), alert in held.items():
            if (code, key) in by_key or alert.status not in (
                Alert.Status.OPEN,
                Alert.Status.ACKNOWLEDGED,
            ):
                continue
            alert.status = Alert.Status.RESOLVED
            alert.resolved_at = now
            alert.resolution = (
                f"Resolved by the rules: as of {as_of:%d %B %Y %H:%M %Z} the "
                f"condition no longer holds on the records held."
            )
            alert.evaluated_at = as_of
            alert.save()
            events.append(
                AlertEvent(
                    alert=alert,
                    at=now,
                    actor=ENGINE,
                    action="resolved",
                    detail={"why": alert.resolution, "as_of": as_of.isoformat()},
                )
            )
            outcome.resolved += 1
        if new_alerts:
            Alert.objects.bulk_create(new_alerts, batch_size=1000)
            created = Alert.objects.filter(alert_id__in=[a.alert_id for a in new_alerts])
            events += [
                AlertEvent(
                    alert=a,
                    at=now,
                    actor=ENGINE,
                    action="raised",
                    detail={"as_of": as_of.isoformat()},
                )
                for a in created
            ]
        AlertEvent.objects.bulk_create(events, batch_size=1000)
        if outcome.raised or outcome.reopened or outcome.resolved or outcome.updated:
            log.record(
                ENGINE,
                AuditAction.ALERT_EVALUATE,
                f"as_of:{as_of.isoformat()}",
                detail={
                    "raised": outcome.raised,
                    "updated": outcome.updated,
                    "reopened": outcome.reopened,
                    "resolved": outcome.resolved,
                },
            )
    return outcome


LIVE = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)


@contextmanager
def _refusals() -> Iterator[None]:
    """The work core's refusals, as this app's (callers catch ``AlertActionError``)."""
    try:
        yield
    except work.WorkActionError as exc:
        raise AlertActionError(str(exc), field=exc.field) from exc


def acknowledge(alert: Alert, *, actor: User | str, note: str = "") -> Alert:
    """Open → acknowledged, with who (the account too, when a person) and when."""

    def stamp(it: Alert, user: User | None, at: dt.datetime) -> None:
        it.acknowledged_at = at
        it.acknowledged_by = user

    with _refusals():
        return cast(
            Alert,
            work.transition(
                alert, "acknowledge", actor=actor, apply=stamp, detail={"note": note.strip()}
            ),
        )


def close(alert: Alert, *, actor: User | str, outcome: str, rationale: str) -> Alert:
    """Acknowledged → closed, with an outcome from the code's list and a written rationale."""

    def stamp(it: Alert, user: User | None, at: dt.datetime) -> None:
        it.closed_at = at
        it.closed_by = user
        it.close_rationale = rationale.strip()
        it.closed_evidence_hash = it.evidence_hash

    with _refusals():
        return cast(
            Alert, work.close(alert, actor=actor, outcome=outcome, rationale=rationale, apply=stamp)
        )


def can_be_assigned(user: User) -> bool:
    """Alerts go only to active accounts whose role may act on them."""
    return user.is_active and can(user, Capability.ACT_ON_ALERTS)


def assign(
    alert: Alert,
    *,
    actor: User | str,
    assignee: User | None = None,
    team: Team | None = None,
    note: str = "",
) -> Alert:
    """Give a live alert to a person or a team's tray, hand it on with a note, or take it back
    (neither)."""
    with _refusals():
        return cast(Alert, work.assign(alert, actor=actor, to=assignee, team=team, note=note))


def add_note(alert: Alert, *, actor: User | str, text: str) -> Alert:
    """A note in the alert's history, with no change of status."""
    with _refusals():
        return cast(Alert, work.add_note(alert, actor=actor, text=text))
