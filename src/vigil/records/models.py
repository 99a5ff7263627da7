"""The record store: every source system's records in one POLE model.

People appear as ``PersonMention`` (one person as named in one record), objects as
``RecordObject``, locations as ``Location`` and events as ``Record``. A record's identity is
``(source_system, source_id)``. ``Record`` holds the version in force; every version it replaced
is kept in ``RecordVersion``, so nothing once held is ever lost. ``payload`` is the record exactly
as received, fields beyond the contract included.
"""

from __future__ import annotations

import os
from typing import Any

from django.db import models
from django.db.models import F

from vigil.records.expressions import PayloadText


def process_alive(pid: int | None) -> bool:
    """Whether a process still runs on this machine (where imports are run)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ImportBatch(models.Model):
    """One run of the importer over one or more files: provenance for what it wrote."""

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_by = models.CharField(max_length=150, help_text="account or 'cli:<os user>'")
    pid = models.IntegerField(null=True, help_text="importer process, to tell a crash from a run")
    files = models.JSONField(default=list)
    received = models.IntegerField(default=0)
    imported = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    replaced = models.IntegerField(default=0)
    quarantined = models.IntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"

    def is_running(self) -> bool:
        """Marked running and its importer still alive: not a run that was killed."""
        return self.status == self.Status.RUNNING and process_alive(self.pid)


class Location(models.Model):
    """A dwelling or other place, keyed as ALERTS.md matches addresses (normalise.location_key)."""

    key = models.CharField(max_length=300, unique=True)
    postcode = models.CharField(max_length=16, blank=True, db_index=True)
    address = models.CharField(max_length=500, blank=True, help_text="as first written")

    def __str__(self) -> str:
        return self.address or self.postcode


class Record(models.Model):
    """The version in force of one source record (an event, in POLE terms)."""

    source_system = models.CharField(max_length=64)
    source_id = models.CharField(max_length=200)
    record_type = models.CharField(max_length=32, db_index=True)
    version = models.IntegerField(null=True)
    content_hash = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(null=True)
    location = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, related_name="records"
    )
    premises_type = models.CharField(max_length=32, blank=True)
    summary = models.TextField(blank=True)
    payload = models.JSONField()
    # Not indexed: nothing looks records up by batch often enough to pay for it on every insert.
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="records", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_system", "source_id"], name="record_identity"),
        ]
        indexes = [
            # The supervisor's "referrals waiting" (no decision_at): without it every referral
            # ever made has its payload parsed. Two terms, not a partial index on referrals, so
            # that even SQLite's planner, without statistics, prefers it to record_type's own.
            models.Index(F("record_type"), PayloadText("decision_at"), name="record_decision_at"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.source_system}/{self.source_id}"


class RecordVersion(models.Model):
    """A version that a later one replaced: kept whole, never changed."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="history")
    version = models.IntegerField(null=True)
    content_hash = models.CharField(max_length=64)
    payload = models.JSONField()
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    superseded_by_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "content_hash"], name="version_once"),
        ]

    def __str__(self) -> str:
        return f"version {self.version} of record {self.record_id}"


class PersonMention(models.Model):
    """One person as named in one record, with the fields identity resolution compares."""

    # The (record, mention_id) constraint's index serves look-ups by record.
    record = models.ForeignKey(
        Record, on_delete=models.PROTECT, related_name="mentions", db_index=False
    )
    mention_id = models.CharField(max_length=100)
    role = models.CharField(max_length=32)
    occurred_at = models.DateTimeField(help_text="the record's, so a timeline needs no join")
    forename = models.CharField(max_length=200, blank=True)
    middle_names = models.CharField(max_length=200, blank=True)
    surname = models.CharField(max_length=200, blank=True, db_index=True)
    date_of_birth = models.DateField(null=True, db_index=True)
    age_estimate = models.IntegerField(null=True)
    gender = models.CharField(max_length=16, blank=True)
    postcode = models.CharField(max_length=16, blank=True, db_index=True)
    location = models.ForeignKey(
        Location, null=True, on_delete=models.PROTECT, related_name="residents"
    )
    address = models.CharField(max_length=500, blank=True, help_text="as written")
    aliases = models.TextField(blank=True, help_text="other names used, one per line")
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    pnc = models.CharField(max_length=32, blank=True)
    nhs = models.CharField(max_length=32, blank=True)
    flags = models.CharField(max_length=300, blank=True, help_text="space-separated")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "mention_id"], name="mention_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.forename} {self.surname} ({self.role})"

    @property
    def payload(self) -> dict[str, Any]:
        """The mention exactly as received, from its record (held once, not twice)."""
        for mention in self.record.payload.get("people") or []:
            if mention.get("mention_id") == self.mention_id:
                return dict(mention)
        return {}


class RecordObject(models.Model):
    """A vehicle, phone, device or online account named in a record."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="source_objects")
    object_type = models.CharField(max_length=32)
    identifier = models.CharField(max_length=200, help_text="normalised")
    description = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "identifier"])]

    def __str__(self) -> str:
        return f"{self.object_type} {self.identifier}"


class RecordLink(models.Model):
    """A link from one record to another, which may arrive later (so held by key, not FK)."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="links")
    target_system = models.CharField(max_length=64)
    target_id = models.CharField(max_length=200)
    relation = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["target_system", "target_id"])]

    def __str__(self) -> str:
        return f"{self.relation} {self.target_system}/{self.target_id}"


class DeferredIndex(models.Model):
    """An index or foreign key a bulk load dropped, with the statement that puts it back.

    Written in the transaction that drops it and deleted in the one that restores it, so a
    killed load leaves the list for the next command (``vigil.records.bulkload``).
    """

    class Kind(models.TextChoices):
        INDEX = "index"
        FOREIGN_KEY = "foreign_key"

    name = models.CharField(max_length=200, unique=True)
    table = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    statement = models.TextField()
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the import that dropped it",
    )

    def __str__(self) -> str:
        return f"{self.kind} {self.name} on {self.table}"


class QuarantinedRecord(models.Model):
    """A line that broke the contract, kept whole with every reason, until fixed at source."""

    raw_hash = models.CharField(max_length=64)
    file = models.CharField(max_length=1000, help_text="absolute path at import")
    line = models.IntegerField()
    source_system = models.CharField(max_length=64, blank=True)
    source_id = models.CharField(max_length=200, blank=True, db_index=True)
    raw = models.TextField()
    reasons = models.JSONField()
    first_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    last_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    resolved_by_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the import that brought a valid record with the same identity, or re-read "
        "the file and found the line gone or changed",
    )

    class Meta:
        ordering = ["file", "line"]
        constraints = [
            models.UniqueConstraint(fields=["file", "line", "raw_hash"], name="quarantine_once"),
        ]

    def __str__(self) -> str:
        return f"{self.file} line {self.line}"
