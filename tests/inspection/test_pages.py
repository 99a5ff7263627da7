"""The case-audit pages: who may open each, an audit's cases by area named in words, a case's
chronologies to the audit's end and Vigil's findings with their evidence, the assessment forms
(draft, submit, read-only after), the blind rule on every page that could show an assessment,
the access log, and an immediate management review on the named supervisor's My work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import add_audit_case, make_audit, person, record
from vigil.alerts.titles import title
from vigil.audit.models import AuditEntry
from vigil.identity.models import MentionLink, Person
from vigil.inspection import assessments
from vigil.inspection.grading import INSPECTOR, QUESTIONS, SELF
from vigil.inspection.models import Assessment, Audit, ManagementReview
from vigil.records.models import PersonMention, Record

pytestmark = pytest.mark.django_db
SignIn = Callable[..., tuple[Client, Any]]


@pytest.fixture
def held(import_records: Callable[[list[dict[str, Any]]], Any]) -> Any:
    """A child with a missing episode in the audit's period, intelligence before it and a
    referral after its end; the audit and the case of that episode, with one finding."""
    import_records(
        [
            record(
                "missing",
                "MIS-1",
                [person("c1", role="missing_person")],
                day="2026-03-03",
                summary="Missing overnight from home",
            ),
            record(
                "intelligence",
                "INT-1",
                [person("c1", role="subject")],
                day="2026-02-01",
                summary="Seen with older males",
            ),
            record(
                "referral",
                "REF-9",
                [person("c1", role="subject")],
                day="2026-05-01",
                summary="Referral after the period",
            ),
        ]
    )
    child = Person.objects.create(person_id="P-amy", created_at=timezone.now())
    MentionLink.objects.bulk_create(
        MentionLink(mention=m, person=child, linked_at=timezone.now())
        for m in PersonMention.objects.all()
    )
    audit = make_audit(name="Spring audit")
    case = add_audit_case(
        audit,
        "missing:test:MIS-1",
        origin="sample",
        subjects=[{"person_id": "P-amy", "mentions": [["test", "MIS-1", "c1"]]}],
        findings=[
            {
                "code": "MISSING_EXPLOITATION_RISK",
                "severity": "high",
                "explanation": "Missing with an exploitation signal",
                "evidence": [["test", "MIS-1"], ["test", "INT-1"]],
                "subject": "person:P-amy",
            }
        ],
    )
    return audit, case


def _case_url(case: Any, name: str = "case") -> str:
    return reverse(f"inspection:{name}", args=[case.audit.audit_id, case.pk])


def _form(
    grade: str = "", rationale: str = "", action: str = "draft", **extra: str
) -> dict[str, str]:
    data = {"grade": grade, "rationale": rationale, "action": action, **extra}
    for key in QUESTIONS:
        data.setdefault(f"answer_{key}", "partly_met")
        data.setdefault(f"note_{key}", f"note on {key}")
    return data


# ---- who may open what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "partner_csc",
        "partner_health",
        "partner_education",
        "investigator",
        "call_handler",
        "response_officer",
        "mash",
        "admin",
    ],
)
def test_roles_without_case_audits_are_refused(as_role: SignIn, held: Any, role: str) -> None:
    audit, case = held
    client, _ = as_role(role)
    for url in (
        reverse("inspection:audits"),
        reverse("inspection:new"),
        reverse("inspection:audit", args=[audit.audit_id]),
        reverse("inspection:sample", args=[audit.audit_id]),
        _case_url(case),
        _case_url(case, "self-assessment"),
        _case_url(case, "inspection"),
    ):
        assert client.get(url).status_code == 403, url


def test_a_supervisor_cannot_inspect_and_an_auditor_cannot_self_assess(
    as_role: SignIn, held: Any
) -> None:
    _, case = held
    supervisor, _ = as_role("supervisor")
    auditor, _ = as_role("auditor")
    assert supervisor.get(_case_url(case, "inspection")).status_code == 403
    assert (
        supervisor.post(_case_url(case, "inspection"), _form("good", "x", "submit")).status_code
        == 403
    )
    assert auditor.get(_case_url(case, "self-assessment")).status_code == 403
    assert (
        auditor.post(_case_url(case, "self-assessment"), _form("good", "x", "submit")).status_code
        == 403
    )
    assert not Assessment.objects.exists()
    assert supervisor.get(_case_url(case, "self-assessment")).status_code == 200
    assert auditor.get(_case_url(case, "inspection")).status_code == 200


def test_the_navigation_offers_case_audits_to_those_who_may(as_role: SignIn) -> None:
    supervisor, _ = as_role("supervisor")
    investigator, _ = as_role("investigator")
    assert "Case audits" in supervisor.get(reverse("web:home"), follow=True).content.decode()
    assert "Case audits" not in investigator.get(reverse("web:home"), follow=True).content.decode()


# ---- audits ---------------------------------------------------------------------------------


def test_audits_are_listed(as_role: SignIn, held: Any) -> None:
    client, _ = as_role("auditor")
    page = client.get(reverse("inspection:audits")).content.decode()
    assert "Spring audit" in page and "1 January 2026 to 31 March 2026" in page
    assert reverse("inspection:audit", args=[held[0].audit_id]) in page


def test_create_an_audit(as_role: SignIn) -> None:
    client, user = as_role("auditor")
    assert "Start of the period" in client.get(reverse("inspection:new")).content.decode()
    data = {"name": "Summer audit"}
    data |= {f"period_from_{i}": v for i, v in enumerate(("1", "4", "2026"))}
    data |= {f"period_to_{i}": v for i, v in enumerate(("30", "6", "2026"))}
    made = client.post(reverse("inspection:new"), data)
    audit = Audit.objects.get()
    assert made.status_code == 302
    assert made["Location"] == reverse("inspection:sample", args=[audit.audit_id])
    assert (audit.name, str(audit.period_from), str(audit.period_to)) == (
        "Summer audit",
        "2026-04-01",
        "2026-06-30",
    )
    assert AuditEntry.objects.filter(action="case_audit.create", actor=user.username).exists()
    page = client.get(made["Location"]).content.decode()
    assert "Audit created: Summer audit" in page and "Draw a sample" in page


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (("1", "3", "2026", "1", "1", "2026"), "The end of the period must be after its start"),
        (("1", "1", "2026", "31", "2", "2026"), "End of the period must be a real date"),
        (("1", "1", "2026", "1", "1", "2099"), "End of the period must be today or in the past"),
        (("1", "1", "2026", "", "", "2026"), "End of the period must include a day and month"),
    ],
)
def test_creating_an_audit_checks_its_period(
    as_role: SignIn, dates: tuple[str, ...], message: str
) -> None:
    client, _ = as_role("supervisor")
    data = {"name": "Audit", **{f"period_from_{i}": v for i, v in enumerate(dates[:3])}}
    data |= {f"period_to_{i}": v for i, v in enumerate(dates[3:])}
    page = client.post(reverse("inspection:new"), data)
    assert page.status_code == 200
    text = page.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in text and message in text
    assert not Audit.objects.exists()


# ---- drawing a sample ------------------------------------------------------------------------


def test_draw_a_sample_says_where_fewer_cases_existed_and_the_seed(
    as_role: SignIn, held: Any
) -> None:
    audit, _ = held
    fresh = make_audit(name="Fresh audit")
    client, _ = as_role("supervisor")
    url = reverse("inspection:sample", args=[fresh.audit_id])
    form = client.get(url).content.decode().replace("&#x27;", "'")
    assert "Missing children" in form and "Section 47 enquiries" in form
    assert "missing" not in form.split("<main", 1)[1].split("name=", 1)[0]  # no codes as labels
    page = client.post(url, {"area_missing": "5", "area_custody": "2", "seed": "7"}).content
    text = page.decode()
    assert "1 case drawn" in text and "Seed 7" in text
    assert text.count("Fewer cases than asked") == 2
    assert "the records hold 1 case of this area in the period" in text
    drawn = fresh.cases.get()
    assert drawn.case_ref == "missing:test:MIS-1" and drawn.subjects[0]["person_id"] == "P-amy"
    # Never a case twice: drawing again finds none left, and says it is already in the audit.
    again = client.post(url, {"area_missing": "1"}).content.decode()
    assert "0 cases drawn" in again and "1 of them already in the audit" in again
    assert fresh.cases.count() == 1
    assert audit.cases.count() == 1  # the other audit untouched


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter how many cases to draw from at least one area"),
        ({"area_missing": "201"}, "Missing children: the number of cases must be 200 or fewer"),
        ({"area_missing": "-1"}, "Missing children: the number of cases must be 0 or more"),
        ({"area_missing": "two"}, "Missing children: enter a whole number of cases"),
        ({"area_missing": "1", "seed": "x"}, "The seed must be a whole number"),
    ],
)
def test_sample_form_errors(as_role: SignIn, data: dict[str, str], message: str) -> None:
    audit = make_audit()
    client, _ = as_role("auditor")
    page = client.post(reverse("inspection:sample", args=[audit.audit_id]), data)
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is a problem" in text and message in text
    assert not audit.cases.exists()


# ---- an audit's page --------------------------------------------------------------------------


def test_an_audits_cases_are_named_in_words_by_area(as_role: SignIn, held: Any) -> None:
    audit, case = held
    add_audit_case(audit, "custody:test:NOT-HELD")
    client, _ = as_role("auditor")
    page = client.get(reverse("inspection:audit", args=[audit.audit_id])).content.decode()
    assert "Missing children" in page and "Detention of children in police custody" in page
    assert "Missing episode of 3 March 2026" in page
    assert "a case audited outside Vigil" in page
    assert case.case_ref not in page and "MIS-1" not in page
    assert "Not started" in page
    entry = AuditEntry.objects.get(action="case_audit.view")
    assert entry.reason == "Case audit: Spring audit"


def test_the_audit_page_is_blind(as_role: SignIn, held: Any) -> None:
    audit, case = held
    supervisor_client, supervisor = as_role("supervisor")
    auditor_client, auditor = as_role("auditor")
    url = reverse("inspection:audit", args=[audit.audit_id])
    assessments.save(case, SELF, supervisor, grade="excellent", rationale="r", submit=True)
    assert "Excellent" in supervisor_client.get(url).content.decode()
    page = auditor_client.get(url).content.decode()
    assert "Submitted" in page and "Excellent" not in page and "grade hidden" in page
    assert "1 self-assessment, 0 inspections, 0 cases with both" in page
    assessments.save(case, INSPECTOR, auditor, grade="inadequate", rationale="r", submit=True)
    for client in (supervisor_client, auditor_client):
        page = client.get(url).content.decode()
        assert "Excellent" in page and "Inadequate" in page
        assert "1 self-assessment, 1 inspection, 1 case with both" in page


# ---- a case ---------------------------------------------------------------------------------


def test_a_case_shows_the_chronology_to_the_audits_end_and_vigils_findings(
    as_role: SignIn, held: Any
) -> None:
    audit, case = held
    client, _ = as_role("supervisor")
    page = client.get(_case_url(case)).content.decode().replace("&#x27;", "'")
    assert "Amy Stone, born 1 April 2009" in page
    assert "Missing overnight from home" in page and "Seen with older males" in page
    assert "Referral after the period" not in page  # after the audit's end
    assert page.count("This case</strong>") == 1  # the index record marked in the chronology
    assert "missing person" in page.lower()
    # Vigil's findings: the rule's title in words, its explanation and its evidence, linked.
    assert title("MISSING_EXPLOITATION_RISK") in page
    assert "MISSING_EXPLOITATION_RISK" not in page
    assert "Missing with an exploitation signal" in page
    for source_id in ("MIS-1", "INT-1"):
        pk = Record.objects.get(source_id=source_id).pk
        assert reverse("people:record", args=[pk]) in page
    assert "Intelligence of 1 February 2026" in page
    # A view of a person, in the access log with the audit as its purpose.
    entry = AuditEntry.objects.get(action="case_audit.view_case")
    assert entry.target == "person:P-amy"
    assert entry.reason == "Case audit: Spring audit"
    assert entry.detail["audit"] == audit.audit_id and entry.detail["case"] == case.case_ref


def test_the_case_page_is_blind_both_ways(as_role: SignIn, held: Any) -> None:
    _, case = held
    supervisor_client, supervisor = as_role("supervisor")
    auditor_client, auditor = as_role("auditor")
    assessments.save(case, SELF, supervisor, grade="good", rationale="SELF-RATIONALE", submit=True)
    assessments.save(case, INSPECTOR, auditor, grade="inadequate", rationale="INSPECTOR-DRAFT")
    seen_by_auditor = auditor_client.get(_case_url(case)).content.decode()
    assert "SELF-RATIONALE" not in seen_by_auditor and "Good" not in seen_by_auditor
    assert "INSPECTOR-DRAFT" in seen_by_auditor  # their own draft
    seen_by_supervisor = supervisor_client.get(_case_url(case)).content.decode()
    assert "SELF-RATIONALE" in seen_by_supervisor
    assert "INSPECTOR-DRAFT" not in seen_by_supervisor and "Inadequate" not in seen_by_supervisor
    # The auditor's read-only view of the self-assessment page is refused outright (403), and
    # the supervisor's look at the inspection page likewise: neither leaks through a form.
    assert auditor_client.get(_case_url(case, "self-assessment")).status_code == 403
    a = Assessment.objects.get(assessor=INSPECTOR)
    assessments.save(case, INSPECTOR, auditor, grade=a.grade, rationale="FINAL", submit=True)
    for client in (supervisor_client, auditor_client):
        page = client.get(_case_url(case)).content.decode()
        assert "SELF-RATIONALE" in page and "FINAL" in page


# ---- the assessment forms ---------------------------------------------------------------------


def test_save_a_draft_then_submit_then_read_only(as_role: SignIn, held: Any) -> None:
    _, case = held
    client, _ = as_role("supervisor")
    url = _case_url(case, "self-assessment")
    page = client.get(url).content.decode()
    assert "Initial response, and the child seen and heard" in page
    assert "Requires improvement" in page and "Not applicable" in page
    saved = client.post(url, _form("adequate", "Half done"))
    assert saved.status_code == 302 and saved["Location"] == _case_url(case)
    draft = Assessment.objects.get()
    assert draft.submitted_at is None and draft.grade == "adequate"
    assert draft.answers["risk"] == {"answer": "partly_met", "note": "note on risk"}
    # The form opens with the draft.
    again = client.get(url).content.decode()
    assert "Half done" in again and "note on risk" in again
    # Submitting needs a grade and a rationale.
    refused = client.post(url, _form("", "", "submit")).content.decode()
    assert "There is a problem" in refused and "Choose the overall grade" in refused
    refused = client.post(url, _form("good", "", "submit")).content.decode()
    assert "Write the overall rationale" in refused
    assert Assessment.objects.get().submitted_at is None
    done = client.post(url, _form("good", "Child seen and heard", "submit"))
    assert done.status_code == 302
    assert Assessment.objects.get().submitted_at is not None
    # Submitted: read only, and a further POST changes nothing.
    closed = client.get(url).content.decode()
    assert "can no longer change" in closed and '<form method="post" novalidate>' not in closed
    client.post(url, _form("inadequate", "changed", "submit"))
    assert Assessment.objects.get().grade == "good"
    actions = list(
        AuditEntry.objects.filter(action__in=["case_audit.save_draft", "case_audit.submit"])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["case_audit.save_draft", "case_audit.submit"]


def test_a_colleagues_draft_is_not_shown_in_the_form(as_role: SignIn, held: Any) -> None:
    _, case = held
    _, author = as_role("supervisor")
    colleague, _ = as_role("supervisor")
    assessments.save(case, SELF, author, grade="good", rationale="AUTHOR-NOTES")
    page = colleague.get(_case_url(case, "self-assessment")).content.decode()
    assert "AUTHOR-NOTES" not in page and "colleague" in page
    on_case = colleague.get(_case_url(case)).content.decode()
    assert "AUTHOR-NOTES" not in on_case and "Being written" in on_case
    assert "write-self" not in on_case  # no button to continue someone else's draft
    on_audit = colleague.get(reverse("inspection:audit", args=[case.audit.audit_id]))
    assert "Draft" in on_audit.content.decode() and "yours" not in on_audit.content.decode()
    colleague.post(_case_url(case, "self-assessment"), _form("inadequate", "x", "submit"))
    assert Assessment.objects.get().grade == "good"


# ---- management reviews -----------------------------------------------------------------------


def _assigned(client: Client) -> str:
    """My work's "Assigned to you" section (not the notifications above it)."""
    page = client.get(reverse("work:mine")).content.decode()
    return page.split('id="assigned"', 1)[1].split('id="handed-on"', 1)[0]


def test_a_management_review_reaches_the_named_supervisors_my_work(
    as_role: SignIn, held: Any
) -> None:
    _, case = held
    auditor, _ = as_role("auditor")
    named_client, named = as_role("supervisor")
    named.full_name = "Sergeant Named"
    named.save()
    other_client, _ = as_role("supervisor")
    page = auditor.get(_case_url(case, "inspection")).content.decode()
    assert "Sergeant Named" in page
    sent = auditor.post(
        _case_url(case, "inspection"),
        _form(
            "inadequate",
            "Drift",
            "submit",
            review="on",
            review_supervisor=str(named.pk),
            review_reason="No strategy discussion after three episodes",
        ),
    )
    assert sent.status_code == 302
    review = ManagementReview.objects.get()
    assert review.assigned_to == named
    title = "Immediate management review: Missing episode of 3 March 2026"
    mine = _assigned(named_client)
    assert title in mine and reverse("inspection:review", args=[review.pk]) in mine
    assert title not in _assigned(other_client)
    # The named supervisor reads it and closes it with an outcome and a note.
    page = named_client.get(reverse("inspection:review", args=[review.pk])).content.decode()
    assert "No strategy discussion after three episodes" in page and "Close the review" in page
    refused = named_client.post(reverse("inspection:review-close", args=[review.pk]), {})
    assert refused.status_code == 400 and "Choose the outcome" in refused.content.decode()
    closed = named_client.post(
        reverse("inspection:review-close", args=[review.pk]),
        {"outcome": "actions_set", "note": "Strategy discussion booked"},
    )
    assert closed.status_code == 302
    review.refresh_from_db()
    assert review.status == "done" and review.outcome == "actions_set"
    assert title not in _assigned(named_client)
    # An auditor may read a review but not close one.
    assert auditor.get(reverse("inspection:review", args=[review.pk])).status_code == 200
    assert auditor.post(reverse("inspection:review-close", args=[review.pk]), {}).status_code == 403
