"""The recommendations tracker: deadlines from publication, owners who can act, status with
evidence, overdue on the owner's My work and the supervisor's page, the measure of progress
(alerts of the named codes open at each month's end), and every change in the access log."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import add_alert, make_audit, make_user
from vigil.access.roles import Role
from vigil.accounts.models import Team
from vigil.alerts.models import Alert, AlertEvent
from vigil.audit.models import AuditEntry
from vigil.inspection import recommendations as recs
from vigil.inspection.grading import revisit_due, update_due
from vigil.inspection.models import Recommendation
from vigil.inspection.recommendations import RecommendationError
from vigil.work.models import Notification
from vigil.work.registry import get


def _publish(audit: Any, auditor: Any, owner: Any, **fields: Any) -> Recommendation:
    return recs.publish(
        audit,
        actor=auditor,
        text=fields.pop("text", "Make sure every missing child has a return interview"),
        kind=fields.pop("kind", "action_plan"),
        owner=owner,
        **fields,
    )


@pytest.mark.django_db
def test_publish_numbers_and_computes_deadlines_in_one_transaction() -> None:
    audit = make_audit()
    auditor, owner = make_user(Role.AUDITOR), make_user(Role.SUPERVISOR, team="Public protection")
    published = timezone.now() - dt.timedelta(days=10)
    first = _publish(audit, auditor, owner, published_at=published, codes=["REPEAT_MISSING"])
    second = _publish(audit, auditor, owner, kind="immediate")
    assert (first.number, second.number) == (1, 2)
    assert first.due_at == update_due(published) == published + dt.timedelta(days=42)
    assert first.revisit_at == revisit_due(published)
    assert first.assigned_to == owner and first.assigned_team == owner.team
    assert first.status == "open" and first.codes == ["REPEAT_MISSING"]
    assert abs((second.published_at - timezone.now()).total_seconds()) < 60  # default now
    entry = AuditEntry.objects.get(
        action="case_audit.recommend", target=f"recommendation:{audit.audit_id}:1"
    )
    assert entry.actor == auditor.username and entry.detail["owner"] == owner.username
    assert first.events.get().action == "published"
    assert Notification.objects.filter(recipient=owner, kind="recommendation").count() == 2


@pytest.mark.django_db
def test_who_may_write_and_own_recommendations() -> None:
    audit = make_audit()
    auditor, supervisor = make_user(Role.AUDITOR), make_user(Role.SUPERVISOR)
    with pytest.raises(RecommendationError, match="may not write"):
        _publish(audit, supervisor, supervisor)
    with pytest.raises(RecommendationError, match="cannot record progress") as caught:
        _publish(audit, auditor, make_user(Role.INVESTIGATOR))
    assert caught.value.field == "owner"
    with pytest.raises(RecommendationError, match="cannot record progress"):
        _publish(audit, auditor, make_user(Role.SUPERVISOR, is_active=False))
    with pytest.raises(RecommendationError, match="choose who owns"):
        _publish(audit, auditor, None)
    with pytest.raises(RecommendationError, match="alerts it names"):
        _publish(audit, auditor, supervisor, codes=["NOT_A_RULE"])
    with pytest.raises(RecommendationError, match="immediate"):
        _publish(audit, auditor, supervisor, kind="someday")
    stopped = Team.objects.create(name="Old team", active=False)
    with pytest.raises(RecommendationError, match="stopped"):
        _publish(audit, auditor, None, team=stopped)
    assert not Recommendation.objects.exists()
    assert not AuditEntry.objects.filter(action="case_audit.recommend").exists()


@pytest.mark.django_db
def test_progress_by_the_owner_done_needs_evidence() -> None:
    audit = make_audit()
    auditor, owner = make_user(Role.AUDITOR), make_user(Role.SUPERVISOR)
    other = make_user(Role.SUPERVISOR)
    rec = _publish(audit, auditor, owner)
    with pytest.raises(RecommendationError, match="only the recommendation's owner"):
        recs.record_progress(rec, actor=other, status="in_progress")
    with pytest.raises(RecommendationError, match="evidence"):
        recs.record_progress(rec, actor=owner, status="done")
    recs.record_progress(rec, actor=owner, status="in_progress", note="Plan drafted")
    recs.record_progress(rec, actor=owner, status="done", evidence="Audit of 20 returns: all done")
    rec.refresh_from_db()
    assert rec.status == "done" and rec.evidence.startswith("Audit of 20")
    assert [e.action for e in rec.events.all()] == ["published", "started", "done"]
    assert AuditEntry.objects.filter(action="case_audit.update_recommendation").count() == 2
    assert not recs.is_overdue(rec, rec.due_at + dt.timedelta(days=1))  # done is never overdue


@pytest.mark.django_db
def test_a_team_owns_until_a_member_records_progress() -> None:
    audit = make_audit()
    team = Team.objects.create(name="MASH")
    member = make_user(Role.SUPERVISOR, team=team)
    outsider = make_user(Role.SUPERVISOR)
    rec = _publish(audit, make_user(Role.AUDITOR), None, team=team)
    assert rec.assigned_to is None and rec.assigned_team == team
    assert Notification.objects.filter(recipient=member).exists()
    assert not recs.may_update(outsider, rec)
    recs.record_progress(rec, actor=member, status="in_progress")
    rec.refresh_from_db()
    assert rec.assigned_to == member


@pytest.mark.django_db
def test_change_moves_deadlines_and_tells_a_new_owner() -> None:
    audit = make_audit()
    auditor, owner, next_owner = (
        make_user(Role.AUDITOR),
        make_user(Role.SUPERVISOR),
        make_user(Role.SUPERVISOR),
    )
    rec = _publish(audit, auditor, owner)
    later = rec.published_at + dt.timedelta(days=7)
    recs.change(
        rec,
        actor=auditor,
        text=rec.text,
        kind="immediate",
        owner=next_owner,
        published_at=later,
        codes=[],
    )
    rec.refresh_from_db()
    assert rec.due_at == update_due(later) and rec.assigned_to == next_owner
    assert Notification.objects.filter(recipient=next_owner).exists()
    entry = AuditEntry.objects.get(action="case_audit.change_recommendation")
    assert entry.detail["changed"] == ["kind", "owner", "published_at"]
    with pytest.raises(RecommendationError, match="nothing was changed"):
        recs.change(
            rec,
            actor=auditor,
            text=rec.text,
            kind=rec.kind,
            owner=next_owner,
            published_at=later,
            codes=[],
        )


# ---- the measure of progress --------------------------------------------------------------------


def test_month_ends_in_london() -> None:
    since = dt.datetime(2026, 10, 20, 9, tzinfo=dt.UTC)
    now = dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC)
    ends = recs.month_ends(since, now)
    assert [m.label for m in ends] == [
        "31 Oct 2026",
        "30 Nov 2026",
        "31 Dec 2026",
        "5 Jan 2027 (now)",
    ]
    # the end of October in London is 1 November 00:00 GMT
    assert ends[0].at == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert ends[-1].at == now and ends[-1].so_far


@pytest.mark.django_db
def test_open_counts_follow_each_alert_history() -> None:
    t = [dt.datetime(2026, m, 1, tzinfo=dt.UTC) for m in (2, 3, 4, 5)]
    a = add_alert("P-1", raised_at=t[0] - dt.timedelta(days=5))
    AlertEvent.objects.create(alert=a, at=t[0] - dt.timedelta(days=5), actor="x", action="raised")
    AlertEvent.objects.create(alert=a, at=t[1] + dt.timedelta(days=1), actor="x", action="resolved")
    AlertEvent.objects.create(alert=a, at=t[2] + dt.timedelta(days=1), actor="x", action="reopened")
    # no history: open from raised_at to closed_at
    add_alert(
        "P-2",
        raised_at=t[1] - dt.timedelta(days=1),
        status=Alert.Status.CLOSED,
        closed_at=t[2] - dt.timedelta(days=1),
    )
    add_alert("P-3", code="CUSTODY_AA_DELAY", raised_at=t[0] - dt.timedelta(days=1))
    counts = recs.open_counts(["REPEAT_MISSING", "CUSTODY_AA_DELAY"], t)
    assert counts["REPEAT_MISSING"] == [1, 2, 0, 1]
    assert counts["CUSTODY_AA_DELAY"] == [1, 1, 1, 1]


# ---- pages, My work and the supervisor's page -------------------------------------------------


def _form(owner: Any = None, **fields: Any) -> dict[str, Any]:
    when = fields.pop("when", timezone.localtime())
    return {
        "text": "Every child in custody overnight is referred to children's social care",
        "kind": "action_plan",
        "owner": str(owner.pk) if owner else "",
        "team": "",
        "published_at_0": str(when.day),
        "published_at_1": str(when.month),
        "published_at_2": str(when.year),
        "published_at_3": f"{when:%H:%M}",
        "codes": ["CUSTODY_NO_REFERRAL"],
        **fields,
    }


@pytest.mark.django_db
def test_add_a_recommendation_through_its_page(as_role: Any) -> None:
    audit = make_audit()
    owner = make_user(Role.SUPERVISOR, full_name="Sergeant Mo Khan")
    client, auditor = as_role(Role.AUDITOR)
    page = client.get(reverse("inspection:recommendation-new", args=[audit.audit_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Sergeant Mo Khan" in body and "Child in custody not referred" in body
    assert 'CUSTODY_NO_REFERRAL"' in body  # as a checkbox value, shown as its title
    refused = client.post(
        reverse("inspection:recommendation-new", args=[audit.audit_id]), _form(text="")
    )
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()
    assert "Choose who owns the recommendation" in refused.content.decode()
    assert AuditEntry.objects.filter(action="case_audit.submit_recommendation").exists()
    sent = client.post(
        reverse("inspection:recommendation-new", args=[audit.audit_id]), _form(owner)
    )
    assert sent.status_code == 302
    rec = Recommendation.objects.get()
    assert sent["Location"] == reverse("inspection:recommendation", args=[audit.audit_id, 1])
    assert (
        rec.assigned_to == owner
        and rec.codes == ["CUSTODY_NO_REFERRAL"]
        and rec.created_by == auditor
    )
    detail = client.get(sent["Location"])
    text = detail.content.decode()
    assert "Recommendation 1" in text and "Action plan due" in text
    assert 'role="img"' in text and "Alerts open at the end of each month" in text
    assert "Record progress" not in text  # the auditor is not the owner
    changed = client.post(
        reverse("inspection:recommendation-change", args=[audit.audit_id, 1]),
        _form(owner, kind="immediate"),
    )
    assert changed.status_code == 302
    rec.refresh_from_db()
    assert rec.kind == "immediate"


@pytest.mark.django_db
def test_the_owner_records_progress_on_the_page(as_role: Any) -> None:
    audit = make_audit()
    client, owner = as_role(Role.SUPERVISOR)
    rec = _publish(audit, make_user(Role.AUDITOR), owner)
    url = reverse("inspection:recommendation", args=[audit.audit_id, rec.number])
    assert "Record progress" in client.get(url).content.decode()
    progress = reverse("inspection:recommendation-progress", args=[audit.audit_id, rec.number])
    refused = client.post(progress, {"status": "done", "evidence": ""})
    assert refused.status_code == 400
    assert "Write the evidence that it is done" in refused.content.decode()
    done = client.post(progress, {"status": "done", "evidence": "Dip sample of 30: all referred"})
    assert done.status_code == 302
    rec.refresh_from_db()
    assert rec.status == "done"
    other, _ = as_role(Role.SUPERVISOR)
    assert other.post(progress, {"status": "open"}).status_code == 403
    assert "Record progress" not in other.get(url).content.decode()


@pytest.mark.django_db
def test_an_overdue_recommendation_is_first_on_its_owners_my_work(as_role: Any) -> None:
    audit = make_audit(name="Winter audit")
    client, owner = as_role(Role.SUPERVISOR)
    auditor = make_user(Role.AUDITOR)
    _publish(audit, auditor, owner, text="Recent one")
    late = _publish(
        audit,
        auditor,
        owner,
        text="Review every police protection within 72 hours",
        published_at=timezone.now() - dt.timedelta(weeks=7),
    )
    add_alert("P-9", assigned_to=owner, due_at=timezone.now() + dt.timedelta(days=2))
    assert get("recommendation").model is Recommendation
    page = client.get(reverse("work:mine")).content.decode()
    table = page[page.index('id="assigned-table"') :]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)
    assert "Case audit recommendation 2" in rows[1] and "Overdue" in rows[1]  # the first row
    assert "Review every police protection" in rows[1]
    assert reverse("inspection:recommendation", args=[audit.audit_id, late.number]) in rows[1]
    assert "Case audit recommendation 1" in page
    # the team page lists it too, and what was done last week
    team_page, _ = as_role(Role.SUPERVISOR)
    assert team_page.get(reverse("work:team"), {"team": ""}).status_code == 200


@pytest.mark.django_db
def test_overdue_recommendations_on_the_supervisors_page(as_role: Any) -> None:
    audit = make_audit(name="Winter audit")
    owner = make_user(Role.SUPERVISOR, full_name="Inspector Ada Lee")
    _publish(
        audit,
        make_user(Role.AUDITOR),
        owner,
        published_at=timezone.now() - dt.timedelta(weeks=7),
    )
    client, _ = as_role(Role.SUPERVISOR)
    page = client.get(reverse("oversight:supervisor")).content.decode()
    panel = page[page.index('id="late-recommendations"') :]
    assert "1 overdue" in panel and "Recommendation 1 of Winter audit" in panel
    assert "Inspector Ada Lee" in panel


@pytest.mark.django_db
def test_list_page_and_access(as_role: Any) -> None:
    audit = make_audit()
    owner = make_user(Role.SUPERVISOR)
    _publish(
        audit, make_user(Role.AUDITOR), owner, published_at=timezone.now() - dt.timedelta(days=50)
    )
    client, _ = as_role(Role.SUPERVISOR)
    page = client.get(reverse("inspection:recommendations", args=[audit.audit_id]))
    assert page.status_code == 200 and "Overdue" in page.content.decode()
    assert "Add a recommendation" not in page.content.decode()
    assert (
        client.get(reverse("inspection:recommendation-new", args=[audit.audit_id])).status_code
        == 403
    )
    partner, _ = as_role(Role.PARTNER_HEALTH)
    assert (
        partner.get(reverse("inspection:recommendations", args=[audit.audit_id])).status_code == 403
    )
    assert AuditEntry.objects.filter(action="case_audit.list_recommendations").exists()


@pytest.mark.django_db
def test_done_recommendations_are_in_the_teams_closed_work(as_role: Any) -> None:
    audit = make_audit()
    client, owner = as_role(Role.SUPERVISOR, team="Public protection")
    rec = _publish(audit, make_user(Role.AUDITOR), owner)
    page = client.get(reverse("work:team")).content.decode()
    assert "Case audit recommendation 1" in page  # live work, by person
    recs.record_progress(rec, actor=owner, status="done", evidence="Policy rewritten and briefed")
    page = client.get(reverse("work:team")).content.decode()
    closed = page[page.index('id="team-closed"') :]
    closed = closed[: closed.index("</table>")]
    assert "Case audit recommendation 1" in closed and ">Done<" in closed
