"""Staff accounts. Every account has exactly one role, which decides what it may see and do."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from vigil.access.roles import Role


class Team(models.Model):
    """A unit staff belong to and work is given to (a CAIT, a MASH desk, a response shift).
    Administrators manage them; a team that stops is kept, inactive, so history still names it."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices)
    full_name = models.CharField(max_length=150, blank=True)
    rank = models.CharField(max_length=100, blank=True, help_text="role title or rank")
    staff_number = models.CharField(max_length=20, blank=True, help_text="collar or staff number")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )

    @property
    def display_name(self) -> str:
        """How staff are shown to each other: their name, or the username if none is held."""
        return self.full_name or self.username

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"
