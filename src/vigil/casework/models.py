"""What staff wrote in Vigil: one ``Entry`` per form saved, beside the contract record it wrote.

The record (``source_system`` ``vigil``) is what the rules, the chronology and ``vigil export``
read; the entry keeps who wrote it, the answers as typed (to change them later, which writes a
new version of the record), and what the entry did to each open alert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models

from vigil.work.models import Assignable, WorkEvent


class Entry(models.Model):
    token = models.UUIDField(unique=True, help_text="the form's own: a form sent twice writes once")
    workflow = models.CharField(max_length=40)
    record = models.ForeignKey(
        "records.Record", on_delete=models.PROTECT, related_name="casework_entries"
    )
    version = models.IntegerField(help_text="the version of the record this entry wrote")
    target = models.ForeignKey(
        "records.Record",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the record it amends, or the record it was written from",
    )
    person_id = models.CharField(max_length=80, blank=True, help_text="the person it is about")
    answers = models.JSONField(default=dict, help_text="the form as sent, to change it later")
    effects = models.JSONField(default=list, help_text="what it did to each open alert")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="casework_entries"
    )
    written_at = models.DateTimeField()
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [
            models.Index(fields=["written_by", "-written_at"], name="casework_entry_by"),
            models.Index(fields=["person_id", "-written_at"], name="casework_entry_person"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} {self.record_id} v{self.version}"


def instant(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def action_key(description: Any, owner: Any, due_at: Any) -> str:
    """One action's identity: its description, owner and due instant (a short hash)."""
    due = instant(due_at)
    raw = json.dumps(
        [
            str(description or "").strip(),
            str(owner or "").strip(),
            due.astimezone(dt.UTC).isoformat() if due else "",
        ]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class CaseAction(Assignable):
    """An action agreed at a strategy discussion or a MARAC meeting, written in Vigil: a piece
    of work (``vigil.work``) held by its owner, or by a team's tray, until it is recorded done.

    ``record`` is the discussion or MARAC the action belongs to (as staff know it: for an
    amendment, the record it completes); ``source`` is the record Vigil wrote it in, and
    ``index`` its place in that record's ``actions``. The owner is kept as the contract record
    names it (plain English); ``assigned_to`` or ``assigned_team`` is who holds the work.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    key = models.CharField(max_length=64, unique=True, help_text="the item's public key")
    record = models.ForeignKey(
        "records.Record", on_delete=models.PROTECT, related_name="case_actions"
    )
    record_type = models.CharField(max_length=32, help_text="strategy_discussion or marac")
    source = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="+")
    index = models.IntegerField(help_text="its place in the source record's actions")
    description = models.TextField()
    owner = models.CharField(max_length=200, help_text="the owner as the record names them")
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # My work and the team page: live items by holder or tray, by due date.
            models.Index(fields=["assigned_to", "status", "due_at"], name="casework_action_holder"),
            models.Index(fields=["assigned_team", "status", "due_at"], name="casework_action_team"),
            models.Index(fields=["assigned_by", "status"], name="casework_action_by"),
        ]

    def __str__(self) -> str:
        return f"action {self.key}"

    @property
    def match(self) -> str:
        """The action's identity among a record's actions (``work_items.action_key``)."""
        return action_key(self.description, self.owner, self.due_at)


class CaseActionEvent(WorkEvent):
    action_item = models.ForeignKey(CaseAction, on_delete=models.CASCADE, related_name="events")

    class Meta(WorkEvent.Meta):
        pass
