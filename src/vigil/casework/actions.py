"""Every change casework makes: an entry written (a record in Vigil, through the one ingestion
pipeline, with its effect on open alerts and its audit entry)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from vigil.access.permissions import Capability, can
from vigil.access.roles import Role
from vigil.accounts.models import User
from vigil.alerts import actions as alert_actions
from vigil.alerts.models import Alert
from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.casework import work_items
from vigil.casework.drafts import compose
from vigil.casework.effects import compare, snapshot, watched
from vigil.casework.models import Entry
from vigil.casework.registry import Subject, Workflow
from vigil.identity.models import MentionLink
from vigil.ingest.pipeline import ingest_records
from vigil.records.contract import VIGIL_SYSTEM
from vigil.records.models import QuarantinedRecord, Record


class CaseworkError(Exception):
    """An entry that could not be written (the store refused the record): nothing was written."""


def write(
    workflow: Workflow,
    cleaned: dict[str, Any],
    subject: Subject,
    *,
    actor: User,
    token: uuid.UUID,
    answers: dict[str, Any],
    replaces: Entry | None = None,
    now: dt.datetime | None = None,
) -> Entry:
    """Write what a form recorded as a record in Vigil, and say what it did to open alerts.

    The record goes through the ingestion pipeline (stored, its mentions linked, the people it
    can affect re-assessed), so the alerts are current when this returns. A token already used
    returns its entry and writes nothing (a form sent twice). Changing an entry (``replaces``)
    writes a new version of its record; nothing is deleted.
    """
    done = Entry.objects.filter(token=token).first()
    if done is not None:
        return done
    now = now or timezone.now()
    replacing: list[int] | None = None
    rewritten = replaces.record if replaces is not None else None
    if workflow.revises(subject):
        rewritten = subject.record
    if rewritten is not None:
        replacing = list(
            MentionLink.objects.filter(mention__record=rewritten).values_list(
                "person_id", flat=True
            )
        )
    record = compose(
        workflow,
        cleaned,
        subject,
        token=token,
        now=now,
        replaces_record=replaces.record if replaces is not None else None,
    )
    source_id, version = record["source_id"], record["version"]
    keys = watched(subject, record)
    before = snapshot(keys)
    result = ingest_records(
        [record], actor=actor.get_username(), label="casework", as_of=now, replacing=replacing
    )
    if result.imported.quarantined:
        reasons = QuarantinedRecord.objects.filter(
            last_batch_id=result.imported.batch_id
        ).values_list("reasons", flat=True)
        raise CaseworkError(
            "Vigil could not store this entry: "
            + "; ".join(str(r) for rs in reasons for r in (rs if isinstance(rs, list) else [rs]))
        )
    stored = Record.objects.get(source_system=VIGIL_SYSTEM, source_id=source_id)
    effects, late = compare(workflow, before, keys, record, subject)
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                token=token,
                workflow=workflow.key,
                record=stored,
                version=version,
                target=subject.record,
                person_id=subject.person_id,
                answers=answers,
                effects=[e.as_json() for e in effects],
                written_by=actor,
                written_at=now,
                replaces=replaces,
            )
            work_items.sync(entry, cleaned)  # actions agreed or done: their work items
            log.record(
                actor.get_username(),
                AuditAction.CASEWORK_WRITE,
                f"record:{VIGIL_SYSTEM}/{source_id}",
                detail={
                    "workflow": workflow.key,
                    "version": version,
                    "amends": (
                        f"{subject.record.source_system}/{subject.record.source_id}"
                        if workflow.amends
                        and subject.record is not None
                        and not workflow.revises(subject)
                        else None
                    ),
                    "person": subject.person_id or None,
                    "effects": [[e.alert_id, e.code, e.after] for e in effects],
                },
            )
            for alert in late:
                _to_supervisor(alert, actor, workflow)
    except IntegrityError:
        # The same form saved twice at once: the other request wrote it (the record import
        # found it unchanged); its entry is this one.
        return Entry.objects.get(token=token)
    return entry


def _to_supervisor(alert: Alert, writer: User, workflow: Workflow) -> None:
    """A duty done late stays a finding: the writer's supervisor closes it with the reason it
    was late (ALERTS.md v1.1 'Deadlines'). A supervisor who wrote it keeps it."""
    supervisor: User | None
    if writer.role == Role.SUPERVISOR:
        supervisor = writer
    else:
        supervisor = (
            User.objects.filter(team=writer.team, role=Role.SUPERVISOR, is_active=True)
            .order_by("pk")
            .first()
            if writer.team_id
            else None
        )
    if alert.assigned_to is not None and alert.assigned_to == supervisor:
        return
    actor: User | str = writer if can(writer, Capability.ACT_ON_ALERTS) else "vigil"
    note = (
        f"{workflow.noun.capitalize()} recorded in Vigil by {writer.display_name}, after the "
        "deadline. Close this alert with the reason it was late."
    )
    if supervisor is not None:
        alert_actions.assign(alert, actor=actor, assignee=supervisor, note=note)
    elif writer.team is not None and (
        alert.assigned_team_id != writer.team_id or alert.assigned_to
    ):
        alert_actions.assign(alert, actor=actor, team=writer.team, note=note)
    else:
        alert_actions.add_note(alert, actor=actor, text=note)
