"""The rules of an assessment (``vigil.inspection.assessments``): the blind rule both ways, a
draft its author's alone, what submitting needs, a submitted assessment fixed, the access-log
entry in the same transaction, and an immediate management review as work for the named
supervisor."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.factories import add_audit_case, make_audit, make_user
from vigil.audit.models import AuditEntry
from vigil.inspection import assessments
from vigil.inspection.assessments import AssessmentError
from vigil.inspection.grading import INSPECTOR, SELF
from vigil.inspection.models import Assessment, ManagementReview
from vigil.work import queries
from vigil.work.models import Notification
from vigil.work.registry import get as work_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def case() -> Any:
    return add_audit_case(make_audit(), "missing:test:MIS-1")


def _submit(case: Any, assessor: str, user: Any, grade: str = "good", **kw: Any) -> Assessment:
    return assessments.save(
        case, assessor, user, grade=grade, rationale="Seen and heard", submit=True, **kw
    )


def test_blind_both_ways_until_both_are_submitted(case: Any) -> None:
    supervisor, auditor = make_user("supervisor"), make_user("auditor")
    _submit(case, SELF, supervisor, grade="good")
    # The auditor cannot see the force's submitted self-assessment; the supervisor can.
    seen = assessments.shown(case, auditor)
    assert seen[SELF].state == "submitted" and seen[SELF].assessment is None
    assert assessments.shown(case, supervisor)[SELF].assessment is not None
    # Drafting the inspection changes nothing for either.
    assessments.save(case, INSPECTOR, auditor, grade="inadequate", rationale="Drift")
    assert assessments.shown(case, auditor)[SELF].assessment is None
    assert assessments.shown(case, supervisor)[INSPECTOR].assessment is None
    assert assessments.shown(case, supervisor)[INSPECTOR].state == "draft"
    # The inspector's submitted grade is hidden from the supervisor until both are in ...
    case2 = add_audit_case(case.audit, "missing:test:MIS-2")
    _submit(case2, INSPECTOR, auditor, grade="inadequate")
    assert assessments.shown(case2, supervisor)[INSPECTOR].assessment is None
    assert assessments.shown(case2, auditor)[INSPECTOR].assessment is not None
    # ... and once both are submitted, each sees both.
    _submit(case, INSPECTOR, auditor, grade="inadequate")
    for person in (supervisor, auditor, make_user("supervisor")):
        seen = assessments.shown(case, person)
        assert seen[SELF].grade_label == "Good"
        assert seen[INSPECTOR].grade_label == "Inadequate"


def test_a_draft_is_its_authors_alone(case: Any) -> None:
    author, colleague = make_user("supervisor"), make_user("supervisor")
    assessments.save(case, SELF, author, grade="adequate", rationale="So far")
    assert assessments.shown(case, author)[SELF].assessment is not None
    assert assessments.shown(case, colleague)[SELF].assessment is None
    assert assessments.shown(case, colleague)[SELF].state == "draft"
    with pytest.raises(AssessmentError, match="colleague"):
        assessments.save(case, SELF, colleague, grade="good")
    # Once submitted, the force's own self-assessment is the force's to read.
    _submit(case, SELF, author)
    assert assessments.shown(case, colleague)[SELF].grade_label == "Good"


def test_submit_needs_a_grade_and_a_rationale(case: Any) -> None:
    supervisor = make_user("supervisor")
    with pytest.raises(AssessmentError) as no_grade:
        assessments.save(case, SELF, supervisor, rationale="Why", submit=True)
    assert no_grade.value.field == "grade"
    with pytest.raises(AssessmentError) as no_rationale:
        assessments.save(case, SELF, supervisor, grade="good", rationale="  ", submit=True)
    assert no_rationale.value.field == "rationale"
    assert not Assessment.objects.exists()
    # A draft needs neither.
    draft = assessments.save(case, SELF, supervisor)
    assert draft.submitted_at is None


def test_submitted_is_final(case: Any) -> None:
    supervisor = make_user("supervisor")
    _submit(case, SELF, supervisor)
    with pytest.raises(AssessmentError, match="submitted"):
        assessments.save(case, SELF, supervisor, grade="inadequate", rationale="x", submit=True)
    assert Assessment.objects.get().grade == "good"


def test_each_side_needs_its_capability(case: Any) -> None:
    with pytest.raises(AssessmentError):
        assessments.save(case, INSPECTOR, make_user("supervisor"), grade="good")
    with pytest.raises(AssessmentError):
        assessments.save(case, SELF, make_user("auditor"), grade="good")
    with pytest.raises(AssessmentError):
        assessments.save(case, SELF, make_user("investigator"), grade="good")


def test_each_save_writes_its_log_entry_without_the_grade(case: Any) -> None:
    supervisor = make_user("supervisor")
    assessments.save(case, SELF, supervisor, grade="good", rationale="Draft")
    _submit(case, SELF, supervisor, grade="requires_improvement")
    entries = list(AuditEntry.objects.filter(action__startswith="case_audit.").order_by("pk"))
    assert [e.action for e in entries] == ["case_audit.save_draft", "case_audit.submit"]
    assert all(e.actor == supervisor.username for e in entries)
    # The access log is read by auditors: it must not carry a grade or what was written.
    for entry in entries:
        text = str(entry.detail) + entry.target + entry.reason
        assert "good" not in text and "requires_improvement" not in text and "Draft" not in text


def test_a_failed_log_write_saves_nothing(case: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(assessments.log, "record", broken)
    with pytest.raises(RuntimeError):
        _submit(case, SELF, make_user("supervisor"))
    assert not Assessment.objects.exists()


def test_a_management_review_is_work_for_the_named_supervisor(case: Any) -> None:
    auditor = make_user("auditor")
    named, other = make_user("supervisor", team="PPU"), make_user("supervisor")
    # Asking for one needs the supervisor and the reason.
    with pytest.raises(AssessmentError) as no_one:
        _submit(case, INSPECTOR, auditor, review=True, review_reason="Child not seen")
    assert no_one.value.field == "review_supervisor"
    with pytest.raises(AssessmentError) as no_reason:
        _submit(case, INSPECTOR, auditor, review=True, review_supervisor=named)
    assert no_reason.value.field == "review_reason"
    with pytest.raises(AssessmentError):
        _submit(case, INSPECTOR, auditor, review=True, review_supervisor=auditor, review_reason="x")
    # A draft keeps who and why, and raises nothing yet.
    assessments.save(
        case, INSPECTOR, auditor, review=True, review_supervisor=named, review_reason="Unseen"
    )
    assert not ManagementReview.objects.exists()
    assert assessments.draft_review(Assessment.objects.get()) == (named.pk, "Unseen")
    _submit(
        case,
        INSPECTOR,
        auditor,
        review=True,
        review_supervisor=named,
        review_reason="Child not seen for 3 months",
    )
    review = ManagementReview.objects.get()
    assert review.assigned_to == named and review.assigned_by == auditor
    assert review.reason == "Child not seen for 3 months"
    assert review.due_at > timezone.now()
    assert Notification.objects.filter(recipient=named, kind="management_review").count() == 1
    assert AuditEntry.objects.filter(action="management_review.raise").count() == 1
    kind = work_kind("management_review")
    mine = queries.work_list(lambda k: queries.assigned_to(k, named), timezone.now(), named)
    assert [r["item"] for r in mine.rows if r["kind"] is kind] == [review]
    theirs = queries.work_list(lambda k: queries.assigned_to(k, other), timezone.now(), other)
    assert not [r for r in theirs.rows if r["kind"] is kind]
    # The supervisor closes it with an outcome and a note, through vigil.work's actions.
    assessments.close_review(review, named, "actions_set", "Strategy discussion booked")
    review.refresh_from_db()
    assert review.status == "done" and review.outcome == "actions_set"
    assert AuditEntry.objects.filter(action="management_review.close").count() == 1
    assert not queries.work_list(
        lambda k: queries.assigned_to(k, named), timezone.now(), named
    ).rows
