"""What staff wrote in Vigil: one ``Entry`` per form saved, beside the contract record it wrote.

The record (``source_system`` ``vigil``) is what the rules, the chronology and ``vigil export``
read; the entry keeps who wrote it, the answers as typed (to change them later, which writes a
new version of the record), and what the entry did to each open alert.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
