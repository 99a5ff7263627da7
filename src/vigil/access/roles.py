"""The roles staff hold: every account has exactly one, which decides what it may see and do
(``vigil.access.permissions``). Below every app, so any app's pages may check them."""

from __future__ import annotations

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
    INSPECTOR = "inspector", "Inspector (case audits only)"
    ADMIN = "admin", "Administrator"
