"""The append-only log of every access to and change of personal data (DPA 2018 s62).

Each entry carries the hash of the one before it, so removing or altering an entry breaks the
chain and ``verify_chain`` finds where.
"""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="account name, or 'cli:<os user>'")
    action = models.CharField(max_length=64, help_text="e.g. import, view, search, export")
    target = models.CharField(max_length=300, blank=True, help_text="what was touched")
    reason = models.TextField(blank=True, help_text="why, for disclosures")
    detail = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
