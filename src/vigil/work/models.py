"""What every kind of work shares: who holds it, who gave it, its history, and notifications.

A kind of work (an alert today, a casework record next) is its own model that inherits
``Assignable`` and keeps its history in a model inheriting ``WorkEvent``; it tells the core how
to name, link and list itself through ``vigil.work.registry``. The core never imports a kind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Assignable(models.Model):
    """Held by a person, or waiting in a team's tray (a team and no person), or by nobody.

    ``assigned_by`` is who gave it to its holder: the "handed on by me" list of My work.
    """

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=64, blank=True, help_text="the key of the outcome chosen when it was closed"
    )

    class Meta:
        abstract = True


class WorkEvent(models.Model):
    """One change in an item's life: who (a person, or the system), when, what, and detail
    (a note, the outcome, who it went to). Concrete per kind, so each keeps its own history
    table and foreign key."""

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=32)
    detail = models.JSONField(default=dict)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor}"


class Notification(models.Model):
    """Something a person is told: what (``title``), why, and where to look (``link``).

    ``title`` and ``why`` never hold a name, date of birth or address: the item's page, behind
    its own permission check and access log, shows those. A note written by a colleague is kept
    apart (``note``) so the page can show it and the email leave it out.
    """

    class Reason(models.TextChoices):
        ASSIGNED_TO_YOU = "assigned_to_you", "Given to you"
        ASSIGNED_TO_TEAM = "assigned_to_team", "Given to your team"
        HANDED_ON_CLOSED = "handed_on_closed", "Work you handed on was closed"
        HELD_CLOSED = "held_closed", "Work you held was closed by someone else"
        TAKEN_FROM_YOU = "taken_from_you", "Work you held was given to someone else"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    reason = models.CharField(max_length=32, choices=Reason.choices)
    kind = models.CharField(max_length=32, help_text="the kind of work, as registered")
    item_key = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    why = models.CharField(max_length=300)
    note = models.TextField(blank=True)
    link = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The header's unread count on every page, and the notifications page.
            models.Index(fields=["recipient", "read_at"], name="work_notif_unread"),
            models.Index(fields=["recipient", "-created_at"], name="work_notif_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.title}"
