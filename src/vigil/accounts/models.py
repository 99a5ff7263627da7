"""Staff accounts. Every account has exactly one role, which decides what it may see and do."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CALL_HANDLER = "call_handler", "Call handler"
    RESPONSE_OFFICER = "response_officer", "Response officer"
    INVESTIGATOR = "investigator", "Investigator"
    MASH = "mash", "MASH / central referral unit"
    SUPERVISOR = "supervisor", "Supervisor"
    PARTNER_CSC = "partner_csc", "Partner: children's social care"
    PARTNER_HEALTH = "partner_health", "Partner: health"
    PARTNER_EDUCATION = "partner_education", "Partner: education"
    AUDITOR = "auditor", "Auditor (read only)"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices)
    team = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.username} ({self.get_role_display()})"
