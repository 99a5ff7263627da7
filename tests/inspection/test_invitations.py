"""The inspector role (issue 14, "Roles"): an inspector sees only the audits they are invited to
and nothing else of Vigil; every audit page checks the invitation on the server; inviting and
removing an inspector is for those who run audits, each change in the access log; auditors
keep every audit; partners see none of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import add_audit_case, make_audit, make_user, person, record
from vigil.audit.models import AuditEntry
from vigil.identity.models import MentionLink, Person
from vigil.inspection import invitations
from vigil.inspection.grading import INSPECTOR, QUESTIONS
from vigil.inspection.models import Assessment
from vigil.records.models import PersonMention

pytestmark = pytest.mark.django_db
SignIn = Callable[..., tuple[Client, Any]]


@pytest.fixture
def two(import_records: Callable[[list[dict[str, Any]]], Any]) -> Any:
    """Two audits of one child's missing episode: the inspector is invited to the first only."""
    import_records(
        [
            record(
                "missing",
                "MIS-1",
                [person("c1", role="missing_person")],
                day="2026-03-03",
                summary="Missing overnight from home",
            )
        ]
    )
    child = Person.objects.create(person_id="P-amy", created_at=timezone.now())
    MentionLink.objects.bulk_create(
        MentionLink(mention=m, person=child, linked_at=timezone.now())
        for m in PersonMention.objects.all()
    )
    subjects = [{"person_id": "P-amy", "mentions": [["test", "MIS-1", "c1"]]}]
    mine = make_audit(name="Invited audit")
    other = make_audit(name="Another force's audit")
    cases = [
        add_audit_case(a, "missing:test:MIS-1", origin="sample", subjects=subjects)
        for a in (mine, other)
    ]
    return mine, other, cases[0], cases[1]


def _inspector(as_role: SignIn, audit: Any) -> tuple[Client, Any]:
    client, user = as_role("inspector")
    invitations.invite(audit, user, actor="test")
    return client, user


def _pages(audit: Any, case: Any) -> list[str]:
    a = audit.audit_id
    return [
        reverse("inspection:audit", args=[a]),
        reverse("inspection:case", args=[a, case.pk]),
        reverse("inspection:inspection", args=[a, case.pk]),
        reverse("inspection:report", args=[a]),
        reverse("inspection:report-html", args=[a]),
        reverse("inspection:assessments-csv", args=[a]),
        reverse("inspection:recommendations", args=[a]),
    ]


def _form(grade: str, rationale: str, action: str) -> dict[str, str]:
    data = {"grade": grade, "rationale": rationale, "action": action}
    for key in QUESTIONS:
        data[f"answer_{key}"] = "met"
        data[f"note_{key}"] = "seen"
    return data


def test_an_invited_inspector_opens_and_inspects_their_audit(as_role: SignIn, two: Any) -> None:
    mine, _other, case, _ = two
    client, user = _inspector(as_role, mine)
    listed = client.get(reverse("inspection:audits")).content.decode()
    assert "Invited audit" in listed and "Another force" not in listed
    for url in _pages(mine, case):
        assert client.get(url).status_code == 200, url
    # The case page is a view of its child, logged with the audit as its purpose.
    entry = AuditEntry.objects.filter(
        actor=user.username, action="case_audit.view_case", target="person:P-amy"
    ).first()
    assert entry is not None and entry.reason == "Case audit: Invited audit"
    sent = client.post(
        reverse("inspection:inspection", args=[mine.audit_id, case.pk]),
        _form("good", "Child seen and heard", "submit"),
    )
    assert sent.status_code == 302
    held = Assessment.objects.get(case=case, assessor=INSPECTOR)
    assert held.grade == "good" and held.assessed_by == user and held.submitted_at
    # Read-only outside their assessments: no self-assessment, no sample, no recommendations.
    a = mine.audit_id
    for url in (
        reverse("inspection:self-assessment", args=[a, case.pk]),
        reverse("inspection:sample", args=[a]),
        reverse("inspection:new"),
        reverse("inspection:recommendation-new", args=[a]),
        reverse("inspection:invite", args=[a]),
    ):
        assert client.post(url, {}).status_code == 403, url


def test_an_uninvited_inspector_is_refused_every_page_of_the_audit(
    as_role: SignIn, two: Any
) -> None:
    mine, other, _, theirs = two
    client, user = _inspector(as_role, mine)
    for url in _pages(other, theirs):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            reverse("inspection:inspection", args=[other.audit_id, theirs.pk]),
            _form("good", "x", "submit"),
        ).status_code
        == 403
    )
    assert not Assessment.objects.filter(case=theirs).exists()
    assert not AuditEntry.objects.filter(actor=user.username, detail__audit=other.audit_id)
    # Not invited to any: an empty list, and still refused.
    stranger, _ = as_role("inspector")
    page = stranger.get(reverse("inspection:audits")).content.decode()
    assert "Invited audit" not in page and "Another force" not in page
    assert stranger.get(reverse("inspection:audit", args=[mine.audit_id])).status_code == 403


def test_an_inspector_sees_nothing_else_of_vigil(as_role: SignIn, two: Any) -> None:
    mine, *_ = two
    client, _ = _inspector(as_role, mine)
    for url in (
        "/search/",
        "/people/P-amy/",
        "/alerts/",
        "/work/",
        "/supervisor/",
        "/audit/",
        "/imports/",
    ):
        assert client.get(url).status_code == 403, url
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == reverse("inspection:audits")
    nav = client.get(reverse("inspection:audits")).content.decode()
    assert "Case audits" in nav and ">Search<" not in nav and ">Alerts<" not in nav


def test_auditors_see_every_audit_and_partners_none(as_role: SignIn, two: Any) -> None:
    mine, other, case, theirs = two
    auditor, _ = as_role("auditor")
    listed = auditor.get(reverse("inspection:audits")).content.decode()
    assert "Invited audit" in listed and "Another force" in listed
    for url in _pages(other, theirs):
        assert auditor.get(url).status_code == 200, url
    for role in ("partner_csc", "partner_health", "partner_education"):
        partner, _ = as_role(role)
        for url in [reverse("inspection:audits"), *_pages(mine, case)]:
            assert partner.get(url).status_code == 403, (role, url)


def test_inviting_and_removing_an_inspector(as_role: SignIn, two: Any) -> None:
    mine, *_ = two
    supervisor, boss = as_role("supervisor")
    martin = make_user("inspector", full_name="Martin Okafor")
    make_user("inspector", full_name="Gone Away", is_active=False)
    audit_url = reverse("inspection:audit", args=[mine.audit_id])
    page = supervisor.get(audit_url).content.decode()
    assert "No inspector is invited" in page
    assert "Martin Okafor" in page and "Gone Away" not in page  # active inspectors only
    invite = reverse("inspection:invite", args=[mine.audit_id])
    refused = supervisor.post(invite, {"inspector": ""})
    assert (
        refused.status_code == 400 and "Choose the inspector to invite" in refused.content.decode()
    )
    investigator = make_user("investigator", full_name="Not An Inspector")
    wrong = supervisor.post(invite, {"inspector": str(investigator.pk)})
    assert (
        wrong.status_code == 400 and "Choose an inspector from the list" in wrong.content.decode()
    )
    assert supervisor.post(invite, {"inspector": str(martin.pk)}).status_code == 302
    assert list(mine.inspectors.all()) == [martin]
    entry = AuditEntry.objects.get(action="case_audit.invite")
    assert entry.actor == boss.username and entry.detail == {"inspector": martin.username}
    page = supervisor.get(audit_url).content.decode()
    assert "Martin Okafor" in page and "No inspector is invited" not in page
    # Invited twice: not offered again.
    again = supervisor.post(invite, {"inspector": str(martin.pk)})
    assert again.status_code == 400
    # The inspector may now open it; removed, they may not.
    client = Client()
    client.force_login(martin)
    assert client.get(audit_url).status_code == 200
    auditor, _ = as_role("auditor")
    remove = reverse("inspection:uninvite", args=[mine.audit_id, martin.pk])
    assert client.post(remove).status_code == 403  # an inspector does not manage invitations
    assert auditor.post(remove).status_code == 302
    assert not mine.inspectors.exists()
    assert AuditEntry.objects.filter(action="case_audit.uninvite").count() == 1
    assert client.get(audit_url).status_code == 403
    assert auditor.post(remove).status_code == 404  # no longer invited
