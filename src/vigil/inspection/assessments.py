"""The two assessments of a case and who may see them (the blind rule), and the immediate
management review an assessor may ask for.

**Blind.** A case has at most one self-assessment (the force's: ``SELF_ASSESS``, supervisors)
and one inspection (``INSPECT``, auditors). Until *both* are submitted, nobody sees the other
side's assessment (grade, answers, rationale, the review asked for): a supervisor sees the
force's submitted self-assessment and not the inspector's, an auditor the reverse. A draft is
its author's alone: no one else sees what it says, and no one else may change it. Once both are
submitted, everyone who may see case audits sees both. Pages only ever learn an assessment's
content through :func:`shown`, so the rule is kept in one place; anyone may see each
assessment's *state* (not started, draft, submitted).

**Saving.** :func:`save` writes a draft or submits (a submitted assessment cannot change), and
its access-log entry, in one transaction; submitting needs a grade and an overall rationale.
Asking for an immediate management review names an active supervisor and says why; on submit
it becomes a ``ManagementReview`` on that supervisor's My work, due within a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigil.access.permissions import Capability, can
from vigil.access.roles import Role
from vigil.accounts.models import User
from vigil.audit import log
from vigil.audit.actions import AuditAction
from vigil.inspection.grading import ANSWERS, ASSESSORS, GRADE_LABELS, INSPECTOR, QUESTIONS, SELF
from vigil.inspection.models import Assessment, AuditCase, ManagementReview, ManagementReviewEvent
from vigil.inspection.work import KEY as REVIEW_KIND
from vigil.work import notify
from vigil.work.actions import close as close_work
from vigil.work.models import Notification
from vigil.work.registry import get as work_kind

CAPABILITY: dict[str, Capability] = {SELF: Capability.SELF_ASSESS, INSPECTOR: Capability.INSPECT}
NOT_STARTED, DRAFT, SUBMITTED = "not_started", "draft", "submitted"
STATES = {NOT_STARTED: "Not started", DRAFT: "Draft", SUBMITTED: "Submitted"}
# A draft's review request (who and why) lives in its answers under this key until submitted.
REVIEW_DRAFT = "_management_review"
REVIEW_DUE = dt.timedelta(days=1)


class AssessmentError(ValueError):
    """A save that is refused, in words fit to show; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def sides(user: Any) -> set[str]:
    """The assessments a person may write: the self-assessment, the inspection, or neither."""
    return {a for a, cap in CAPABILITY.items() if can(user, cap)}


def state(assessment: Assessment | None) -> str:
    if assessment is None:
        return NOT_STARTED
    return SUBMITTED if assessment.submitted_at else DRAFT


def may_see(assessment: Assessment, user: Any, both_submitted: bool) -> bool:
    """The blind rule for one assessment of a case and one person."""
    if assessment.submitted_at is None:
        return assessment.assessed_by_id is not None and assessment.assessed_by_id == user.pk
    return both_submitted or assessment.assessor in sides(user)


@dataclass
class Shown:
    """One assessment of a case as one person may see it: its state always; its content
    (``assessment``) only when the blind rule allows."""

    assessor: str
    state: str
    assessment: Assessment | None
    mine: bool = False  # the viewer's own draft, or a side they may write

    @property
    def label(self) -> str:
        return ASSESSORS[self.assessor]

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS.get(self.assessment.grade, "") if self.assessment else ""

    @property
    def answers(self) -> list[dict[str, str]]:
        if self.assessment is None:
            return []
        held = self.assessment.answers or {}
        return [
            {
                "question": text,
                "answer": ANSWERS.get((held.get(key) or {}).get("answer", ""), "Not answered"),
                "note": (held.get(key) or {}).get("note", ""),
            }
            for key, text in QUESTIONS.items()
        ]


def shown(case: AuditCase, user: Any, held: list[Assessment] | None = None) -> dict[str, Shown]:
    """Both assessments of a case as this person may see them (``held``: the case's
    assessments when already loaded for a page of cases)."""
    if held is None:
        held = list(case.assessments.all())
    by = {a.assessor: a for a in held}
    both = all(by.get(a) is not None and by[a].submitted_at for a in ASSESSORS)
    out = {}
    for assessor in ASSESSORS:
        found = by.get(assessor)
        visible = found is not None and may_see(found, user, both)
        out[assessor] = Shown(
            assessor=assessor,
            state=state(found),
            assessment=found if visible else None,
            mine=assessor in sides(user),
        )
    return out


def supervisors() -> list[User]:
    """Who may be named for a management review: active supervisors."""
    return list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("full_name", "username")
    )


def editable(case: AuditCase, assessor: str, user: Any) -> Assessment | None:
    """The assessment this person may write for this case (None: not started yet), or an error
    saying why they may not."""
    if not can(user, CAPABILITY[assessor]):
        raise AssessmentError(f"your role may not write the {ASSESSORS[assessor].lower()}")
    found = Assessment.objects.filter(case=case, assessor=assessor).first()
    if found is None:
        return None
    if found.submitted_at is not None:
        raise AssessmentError("this assessment has been submitted and can no longer change")
    if found.assessed_by_id is not None and found.assessed_by_id != user.pk:
        raise AssessmentError("a colleague is writing this assessment: only they may change it")
    return found


def save(
    case: AuditCase,
    assessor: str,
    user: User,
    *,
    grade: str = "",
    answers: dict[str, dict[str, str]] | None = None,
    rationale: str = "",
    review: bool = False,
    review_supervisor: User | None = None,
    review_reason: str = "",
    submit: bool = False,
) -> Assessment:
    """Save this person's assessment of a case as a draft, or submit it."""
    rationale, review_reason = rationale.strip(), review_reason.strip()
    answers = {
        key: {"answer": value.get("answer", ""), "note": value.get("note", "").strip()}
        for key, value in (answers or {}).items()
        if key in QUESTIONS
    }
    for value in answers.values():
        if value["answer"] and value["answer"] not in ANSWERS:
            raise AssessmentError("choose an answer from the list")
    if grade and grade not in GRADE_LABELS:
        raise AssessmentError("choose a grade from the list", field="grade")
    if review_supervisor is not None and not (
        review_supervisor.is_active and review_supervisor.role == Role.SUPERVISOR
    ):
        raise AssessmentError("choose an active supervisor", field="review_supervisor")
    if submit:
        if not grade:
            raise AssessmentError("Choose the overall grade before submitting", field="grade")
        if not rationale:
            raise AssessmentError(
                "Write the overall rationale before submitting", field="rationale"
            )
        if review and review_supervisor is None:
            raise AssessmentError(
                "Choose the supervisor who is to hold the management review",
                field="review_supervisor",
            )
        if review and not review_reason:
            raise AssessmentError(
                "Say why the case needs an immediate management review", field="review_reason"
            )
    now = timezone.now()
    with transaction.atomic():
        # Locked, so two submissions of one assessment cannot both pass the checks.
        existing = editable(case, assessor, user)
        if existing is not None:
            existing = Assessment.objects.select_for_update().get(pk=existing.pk)
        stored: dict[str, Any] = dict(answers)
        if review and not submit:
            stored[REVIEW_DRAFT] = {
                "supervisor": review_supervisor.pk if review_supervisor else None,
                "reason": review_reason,
            }
        assessment = existing or Assessment(case=case, assessor=assessor)
        assessment.grade = grade
        assessment.rationale = rationale
        assessment.answers = stored
        assessment.management_review = review
        assessment.assessed_by = user
        assessment.updated_at = now
        assessment.submitted_at = now if submit else None
        assessment.save()
        log.record(
            user.get_username(),
            AuditAction.CASE_AUDIT_SUBMIT if submit else AuditAction.CASE_AUDIT_SAVE_DRAFT,
            f"case-audit:{case.audit.audit_id}/{case.case_ref}",
            # Never the grade or what the assessment says: the access log is read by people
            # the blind rule keeps it from.
            detail={"audit": case.audit.audit_id, "case": case.pk, "assessor": assessor},
        )
        if submit and review and review_supervisor is not None:
            raise_review(case, user, review_supervisor, review_reason, at=now)
    return assessment


def draft_review(assessment: Assessment | None) -> tuple[int | None, str]:
    """A draft's review request: (the supervisor's pk, why)."""
    if assessment is None:
        return None, ""
    held = (assessment.answers or {}).get(REVIEW_DRAFT) or {}
    return held.get("supervisor"), str(held.get("reason", ""))


def raise_review(
    case: AuditCase, by: User, supervisor: User, reason: str, *, at: dt.datetime
) -> ManagementReview:
    """An immediate management review of a case, held by the supervisor named: the item, its
    first event, its audit entry and the supervisor's notification, in one transaction."""
    kind = work_kind(REVIEW_KIND)
    with transaction.atomic():
        review = ManagementReview.objects.create(
            case=case,
            reason=reason,
            raised_by=by,
            raised_at=at,
            due_at=at + REVIEW_DUE,
            assigned_to=supervisor,
            assigned_team=supervisor.team,
            assigned_by=by,
            assigned_at=at,
        )
        ManagementReviewEvent.objects.create(
            review=review,
            at=at,
            actor=by.get_username(),
            action="raised",
            detail={"to": supervisor.display_name, "to_id": supervisor.pk, "note": reason},
        )
        log.record(
            by.get_username(),
            AuditAction.MANAGEMENT_REVIEW_RAISE,
            f"management_review:{review.pk}",
            detail={
                "audit": case.audit.audit_id,
                "case": case.pk,
                "to": supervisor.get_username(),
            },
        )
        notify.send(
            [supervisor],
            kind=kind,
            item=review,
            reason=Notification.Reason.ASSIGNED_TO_YOU,
            title=kind.title(review),
            why=f"{by.display_name} asked you for an immediate management review of this case",
            at=at,
        )
    return review


def close_review(review: ManagementReview, user: User, outcome: str, note: str) -> Any:
    """The supervisor records the review's outcome and a note (``vigil.work.actions.close``)."""
    return close_work(review, actor=user, outcome=outcome, rationale=note)
