"""Case audits (AUDIT.md): an audit of a period, its cases, two independent assessments per
case, and the recommendations its report makes. A management review an assessor asks for and
each recommendation are kinds of work (``vigil.work``): on their holder's My work."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vigil.inspection.grading import ANSWERS, AREAS, ASSESSORS, GRADE_LABELS
from vigil.work.models import Assignable, WorkEvent


class Audit(models.Model):
    audit_id = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    period_from = models.DateField()
    period_to = models.DateField()
    created_by = models.CharField(max_length=150, help_text="account, or 'cli:<os user>'")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True, help_text="the report published")
    # Accounts of the inspector role invited to this audit: the only audits they see.
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="invited_audits"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.period_from} to {self.period_to})"


class AuditCase(models.Model):
    """One practice area and one index record (AUDIT.md 'Practice areas'). ``subjects`` and
    ``findings`` are as evaluated when the case was added, at the end of the audit's period:
    [{"person_id", "mentions": [[system, id, mention]]}] and [{"code", "severity",
    "explanation", "evidence": [[system, id]], "subject"}]."""

    class Origin(models.TextChoices):
        SAMPLE = "sample", "Drawn in Vigil's sample"
        CSV = "csv", "Loaded with grades from a file"
        CHOSEN = "chosen", "Added by an auditor"

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="cases")
    case_ref = models.CharField(max_length=300)
    area = models.CharField(max_length=32, choices=list(AREAS.items()))
    index_system = models.CharField(max_length=64)
    index_source_id = models.CharField(max_length=200)
    subjects = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    origin = models.CharField(max_length=16, choices=Origin.choices)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["area", "case_ref"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "case_ref"], name="one_case_per_ref"),
        ]

    def __str__(self) -> str:
        return self.case_ref

    @property
    def finding_codes(self) -> list[str]:
        return sorted({f["code"] for f in self.findings})


class Assessment(models.Model):
    """One assessor's judgement of a case: the force's self-assessment or the inspector's.
    A draft (no ``submitted_at``) is its author's alone; neither assessor sees the other's until
    both are submitted. A CSV row is submitted when loaded."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="assessments")
    assessor = models.CharField(max_length=16, choices=list(ASSESSORS.items()))
    grade = models.CharField(max_length=32, choices=list(GRADE_LABELS.items()), blank=True)
    rationale = models.TextField(blank=True)
    answers = models.JSONField(
        default=dict, help_text="question -> {'answer': one of ANSWERS, 'note': text}"
    )
    management_review = models.BooleanField(default=False)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_by_name = models.CharField(max_length=150, blank=True, help_text="a CSV's loader")
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "assessor"], name="one_assessment_per_assessor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.case_ref} {self.assessor} {self.grade}"


ANSWER_CHOICES = list(ANSWERS.items())


class ManagementReview(Assignable):
    """An immediate management review an assessor asked for on a case causing concern: a work
    item for the named supervisor."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="reviews")
    reason = models.TextField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    class Meta:
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_at"], name="review_holder_due"),
            models.Index(
                fields=["assigned_team", "assigned_to", "status"], name="review_team_tray"
            ),
            models.Index(fields=["assigned_by", "status"], name="review_given_by"),
        ]

    def __str__(self) -> str:
        return f"Management review of {self.case.case_ref}"


class ManagementReviewEvent(WorkEvent):
    review = models.ForeignKey(ManagementReview, on_delete=models.PROTECT, related_name="events")

    class Meta(WorkEvent.Meta):
        pass


class Recommendation(Assignable):
    """What a report asks of the force (AUDIT.md 'Recommendations'): held by its owner; an
    update (immediate) or action plan due 6 weeks after publication, the revisit within 6
    months. ``codes`` are alert codes whose open count measures progress."""

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate"
        ACTION_PLAN = "action_plan", "Action plan"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveIntegerField(help_text="its number in the audit's report")
    text = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    published_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="the update or action plan: 6 weeks after publication")
    revisit_at = models.DateTimeField(help_text="the revisit: 6 months after publication")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    evidence = models.TextField(blank=True)
    codes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["audit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "number"], name="one_recommendation_number"),
        ]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_at"], name="rec_holder_due"),
            models.Index(fields=["assigned_team", "assigned_to", "status"], name="rec_team_tray"),
            models.Index(fields=["assigned_by", "status"], name="rec_given_by"),
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number} of {self.audit.audit_id}"


class RecommendationEvent(WorkEvent):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="events"
    )

    class Meta(WorkEvent.Meta):
        pass
