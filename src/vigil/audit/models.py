"""The append-only log of every access to and change of personal data (DPA 2018 s62).

Each entry carries a keyed hash (HMAC-SHA256, key outside the database) of itself and of the one
before it, so removing or altering an entry breaks the chain and ``vigil.audit.log.verify`` finds
where; ``key_id`` names the key (empty: written before the chain was keyed, plain SHA-256).
"""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="account name, or 'cli:<os user>'")
    # Free text in the database: entries keep the name they were written under (the chain covers
    # it), while new ones take a member of vigil.audit.actions.AuditAction.
    action = models.CharField(max_length=64, help_text="noun.verb, e.g. person.view, alert.close")
    target = models.CharField(max_length=300, blank=True, help_text="what was touched")
    reason = models.TextField(blank=True, help_text="why, for disclosures")
    detail = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text="the audit-log key's id; empty before the chain was keyed",
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # Who has looked at a person or a record: entries by target, newest first.
            models.Index(fields=["target", "id"], name="audit_entry_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
