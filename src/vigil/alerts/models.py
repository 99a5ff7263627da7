"""Stored alerts and their lifecycle (ALERTS.md 'Lifecycle').

One row per rule code and subject: an alert that stops holding is resolved, and one that fires
again opens again, on the same row; every transition is an ``AlertEvent``. Nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vigil.alerts.querysets import AlertQuerySet
from vigil.work.models import Assignable, WorkEvent


class Alert(Assignable):
    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        CLOSED = "closed"
        RESOLVED = "resolved"

    alert_id = models.CharField(
        max_length=40, unique=True, help_text="stable: from code and subject"
    )
    code = models.CharField(max_length=64, db_index=True)
    severity = models.CharField(max_length=16)
    subject_kind = models.CharField(max_length=16)
    subject_key = models.CharField(max_length=300, help_text="person:<id> or record:<system>/<id>")
    person_id = models.CharField(max_length=80, blank=True, db_index=True)
    record_system = models.CharField(max_length=64, blank=True)
    record_source_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    raised_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True)
    explanation = models.TextField()
    evidence = models.JSONField(default=list)
    mentions = models.JSONField(default=list)
    thresholds = models.JSONField(default=dict)
    evidence_hash = models.CharField(max_length=64)
    evaluated_at = models.DateTimeField(
        help_text="the as-of moment of the evaluation that last saw it"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_rationale = models.TextField(blank=True)
    closed_evidence_hash = models.CharField(max_length=64, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["code", "subject_key"], name="one_alert_per_code_subject"
            ),
        ]
        indexes = [
            # My work: what is assigned to me, my team's tray, what I handed on (each live).
            models.Index(fields=["assigned_to", "status", "due_at"], name="alert_holder_due"),
            models.Index(fields=["assigned_team", "assigned_to", "status"], name="alert_team_tray"),
            models.Index(fields=["assigned_by", "status"], name="alert_given_by"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.subject_key} ({self.status})"


class AlertEvent(WorkEvent):
    """One change in an alert's life: who (a person, or the rule engine), when, and what."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="events")

    class Meta(WorkEvent.Meta):
        pass
