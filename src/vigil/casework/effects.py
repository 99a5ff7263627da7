"""What an entry does to open alerts: before saving, what it will do (the rules evaluated with
the entry added, nothing written); after, what it did (the stored alerts compared).

ALERTS.md v1.1: a "no X for D days" alert resolves itself when X is recorded; a duty done before
its deadline raises nothing; a duty done after it stays a finding, saying how late, until a
person closes it with the reason (``LATE``: it goes to the writer's supervisor).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from vigil.alerts import engine, titles
from vigil.alerts.actions import subject_key
from vigil.alerts.models import Alert
from vigil.casework.drafts import parsed
from vigil.casework.registry import Subject, Workflow
from vigil.identity.models import MentionLink, Person
from vigil.records.contract import AMENDS
from vigil.records.models import Record
from vigil.rules import MentionKey

ENDS = "ends"  # the alert's condition no longer holds: it resolves itself
LATE = "late"  # the duty is done but late: the alert stays, says how late, goes to a supervisor
RAISED = "raised"  # the entry itself raises an alert (a MARAC with no information shared)
STAYS = "stays"  # an alert this workflow can end, still open after it

SAYS = {
    ENDS: "Ends: the alert resolves itself",
    LATE: "Stays open, marked late: it goes to a supervisor to close with the reason",
    RAISED: "Raised: this entry starts a new alert",
    STAYS: "Stays open: this entry does not end it",
}


# ALERTS.md v1.1 'Current state': a "no X for D days" rule ends when X is recorded and is never
# late; an X that leaves it standing (an old visit recorded now) is no duty done late.
CURRENT_STATE = frozenset(
    {"INVESTIGATION_DRIFT", "SUPERVISION_OVERDUE", "RSO_VISIT_OVERDUE", "RSO_ARMS_OVERDUE"}
)


def _late(workflow: Workflow, code: str, subject: Subject, record: dict[str, Any]) -> bool:
    """Whether an alert still resting on the entry is the entry's duty done late: only for an
    alert the workflow can end (an entry on a record is evidence of every alert on it) and not
    a current-state rule, and as the workflow judges it (``Workflow.late``)."""
    if code not in workflow.resolves or code in CURRENT_STATE:
        return False
    return workflow.late is None or workflow.late(code, subject, record)


@dataclass(frozen=True)
class Effect:
    alert_id: str
    code: str
    title: str
    after: str
    explanation: str

    @property
    def says(self) -> str:
        return SAYS[self.after]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def watched(subject: Subject, record: dict[str, Any]) -> set[str]:
    """The alert subjects an entry can change: the record it completes or names, the records it
    links to, the new record itself, and the people on all of them."""
    records = []
    if subject.record is not None:
        records.append(subject.record)
    linked = [
        (k["source_system"], k["source_id"])
        for k in record.get("links", [])
        if k.get("relation") != AMENDS
    ]
    for system, source_id in linked:
        found = Record.objects.filter(source_system=system, source_id=source_id).first()
        if found is not None:
            records.append(found)
    keys = {f"record:{r.source_system}/{r.source_id}" for r in records}
    keys.add(f"record:{record['source_system']}/{record['source_id']}")
    persons = set(
        MentionLink.objects.filter(mention__record__in=records).values_list(
            "person__person_id", flat=True
        )
    )
    persons |= {m["mention_id"] for m in record.get("people", []) if _is_person(m["mention_id"])}
    if subject.person_id:
        persons.add(subject.person_id)
    keys |= {f"person:{p}" for p in persons}
    return keys


def _is_person(mention_id: str) -> bool:
    return Person.objects.filter(person_id=mention_id).exists()


def _key(record: dict[str, Any]) -> list[str]:
    return [record["source_system"], record["source_id"]]


def preview(
    workflow: Workflow, record: dict[str, Any], subject: Subject, now: dt.datetime
) -> list[Effect]:
    """What saving ``record`` would do to open alerts, evaluated now without writing it."""
    keys = watched(subject, record)
    touched = [subject.record.pk] if subject.record is not None else []
    linked = {
        (k["source_system"], k["source_id"])
        for k in record.get("links", [])
        if k.get("relation") != AMENDS
    }
    for system, source_id in linked:
        touched += Record.objects.filter(source_system=system, source_id=source_id).values_list(
            "pk", flat=True
        )
    people = [k.removeprefix("person:") for k in keys if k.startswith("person:")]
    persons = Person.objects.filter(person_id__in=people).values_list("pk", flat=True)
    # A mention Vigil writes of a person it holds carries that person's id as its mention id.
    identity = {
        MentionKey(record["source_system"], record["source_id"], m["mention_id"]): m["mention_id"]
        for m in record.get("people", [])
        if m["mention_id"] in people
    }
    findings, in_scope = engine.evaluate_touched(
        touched, now, persons=persons, extra=[parsed(record)], extra_identity=identity
    )
    found = {(f.code, subject_key(f)): f for f in findings}
    new = tuple(_key(record))
    effects: list[Effect] = []
    live = {(a.code, a.subject_key): a for a in Alert.objects.live().filter(subject_key__in=keys)}
    for (code, key), alert in sorted(live.items()):
        finding = found.get((code, key))
        if key not in in_scope:
            continue
        if finding is None:
            effects.append(_effect(alert.alert_id, code, alert.thresholds, ENDS, alert.explanation))
        elif new in {tuple(k) for k in finding.evidence} and _late(workflow, code, subject, record):
            effects.append(
                _effect(alert.alert_id, code, alert.thresholds, LATE, finding.explanation)
            )
        elif code in workflow.resolves:
            effects.append(
                _effect(alert.alert_id, code, alert.thresholds, STAYS, finding.explanation)
            )
    for (code, key), finding in sorted(found.items()):
        if key in keys and (code, key) not in live and new in {tuple(k) for k in finding.evidence}:
            effects.append(_effect("", code, dict(finding.thresholds), RAISED, finding.explanation))
    return effects


def snapshot(keys: Iterable[str]) -> dict[int, tuple[str, str]]:
    """The live alerts about these subjects: pk -> (status, explanation)."""
    return {
        pk: (status, explanation)
        for pk, status, explanation in Alert.objects.live()
        .filter(subject_key__in=set(keys))
        .values_list("pk", "status", "explanation")
    }


def compare(
    workflow: Workflow,
    before: dict[int, tuple[str, str]],
    keys: set[str],
    record: dict[str, Any],
    subject: Subject | None = None,
) -> tuple[list[Effect], list[Alert]]:
    """What saving did: each alert live before, and each raised since, with the late ones
    (which a supervisor must close) returned apart."""
    new = _key(record)
    effects: list[Effect] = []
    late: list[Alert] = []
    now_live = {a.pk: a for a in Alert.objects.live().filter(subject_key__in=keys)}
    for alert in Alert.objects.filter(pk__in=before).order_by("code", "subject_key"):
        if alert.pk not in now_live:
            effects.append(
                _effect(
                    alert.alert_id,
                    alert.code,
                    alert.thresholds,
                    ENDS,
                    alert.resolution or alert.explanation,
                )
            )
        elif new in alert.evidence and _late(workflow, alert.code, subject or Subject(), record):
            effects.append(
                _effect(alert.alert_id, alert.code, alert.thresholds, LATE, alert.explanation)
            )
            late.append(alert)
        elif alert.code in workflow.resolves:
            effects.append(
                _effect(alert.alert_id, alert.code, alert.thresholds, STAYS, alert.explanation)
            )
    for pk, alert in sorted(now_live.items()):
        if pk not in before and new in alert.evidence:
            effects.append(
                _effect(alert.alert_id, alert.code, alert.thresholds, RAISED, alert.explanation)
            )
    return effects, late


def _effect(alert_id: str, code: str, thresholds: Any, after: str, explanation: str) -> Effect:
    return Effect(alert_id, code, titles.title(code, thresholds), after, explanation)
