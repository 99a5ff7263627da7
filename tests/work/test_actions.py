"""The work core's actions on alerts: each change, its history event, its audit entry and its
notifications in one transaction; refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core import mail

from vigil.accounts.models import Team
from vigil.alerts.models import Alert, AlertEvent
from vigil.audit.models import AuditEntry
from vigil.work import actions, registry
from vigil.work.models import Notification

pytestmark = pytest.mark.django_db


def events(alert: Alert) -> list[str]:
    return list(
        AlertEvent.objects.filter(alert=alert).order_by("id").values_list("action", flat=True)
    )


def test_assign_to_a_person_writes_event_audit_and_notification_and_emails_after_commit(
    person: Callable[..., Any], alert: Callable[..., Alert], django_capture_on_commit_callbacks: Any
) -> None:
    mash = person("mash", "Mo Hussain", "MASH")
    ivy = person("investigator", "Ivy Long", "CAIT North", email="ivy@example.org")
    a = alert()
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign(
            a,
            actor=mash,
            to=ivy,
            note="Mother called again last night; please see the child today.",
        )
    a.refresh_from_db()
    assert (a.assigned_to, a.assigned_team.name, a.assigned_by) == (ivy, "CAIT North", mash)
    assert a.assigned_at is not None
    assert events(a) == ["raised", "assigned"]
    detail = AlertEvent.objects.filter(alert=a).last().detail  # type: ignore[union-attr]
    assert (detail["to"], detail["team"], detail["note"]) == (
        "Ivy Long",
        "CAIT North",
        detail["note"],
    )
    entry = AuditEntry.objects.get(action="alert.assign")
    assert (entry.actor, entry.target, entry.detail["to"]) == (
        mash.username,
        a.alert_id,
        ivy.username,
    )
    n = Notification.objects.get()
    assert (n.recipient, n.reason, n.link) == (ivy, "assigned_to_you", f"/alerts/{a.alert_id}/")
    assert (
        n.title == "Missing 3 or more times in 90 days"
        and n.why == "Mo Hussain gave this alert to you"
    )
    assert n.note.startswith("Mother called")
    # The email says what and why and links to Vigil; the note (which may name people) stays in Vigil.
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ivy@example.org"] and "Missing 3 or more times" in sent.subject
    assert f"/alerts/{a.alert_id}/" in sent.body and "Mother called" not in sent.body
    assert a.person_id not in sent.body
    n.refresh_from_db()
    assert n.emailed_at is not None


def test_a_failure_inside_the_action_leaves_nothing_behind(
    person: Callable[..., Any], alert: Callable[..., Alert]
) -> None:
    mash, ivy = person("mash", "Mo Hussain"), person("investigator", "Ivy Long")
    a = alert()
    before = AuditEntry.objects.count()
    with (
        mock.patch("vigil.work.notify.send", side_effect=RuntimeError("mail table gone")),
        pytest.raises(RuntimeError),
    ):
        actions.assign(a, actor=mash, to=ivy)
    a.refresh_from_db()
    assert a.assigned_to is None and events(a) == ["raised"]
    assert AuditEntry.objects.count() == before  # the audit entry went with the change


def test_a_partner_cannot_assign_note_or_close(
    person: Callable[..., Any], alert: Callable[..., Alert]
) -> None:
    partner, ivy = person("partner_csc", "Pat Doe"), person("investigator", "Ivy Long")
    a = alert()
    with pytest.raises(actions.WorkActionError, match="may not assign"):
        actions.assign(a, actor=partner, to=ivy)
    with pytest.raises(actions.WorkActionError, match="may not add a note"):
        actions.add_note(a, actor=partner, text="Seen at school")
    a.status = "acknowledged"
    a.save()
    with pytest.raises(actions.WorkActionError, match="may not close"):
        actions.close(a, actor=partner, outcome="duplicate", rationale="Same as the other")
    # Nor can work be given to someone whose role cannot act on it.
    with pytest.raises(actions.WorkActionError, match="cannot act on an alert"):
        actions.assign(a, actor=ivy, to=partner)
    assert events(a) == ["raised"] and not Notification.objects.exists()
    assert not AuditEntry.objects.filter(
        action__in=["alert.assign", "alert.note", "alert.close"]
    ).exists()


def test_giving_to_a_team_tells_each_active_member_who_may_act(
    person: Callable[..., Any], alert: Callable[..., Alert]
) -> None:
    boss = person("supervisor", "Sam Boss", "CAIT North")
    ivy = person("investigator", "Ivy Long", "CAIT North")
    ian = person("investigator", "Ian Short", "CAIT North")
    person("investigator", "Gone Away", "CAIT North", active=False)
    person("call_handler", "Cal Handler", "CAIT North")  # cannot see alerts: told nothing
    a = alert()
    actions.assign(a, actor=boss, team=Team.objects.get(name="CAIT North"))
    a.refresh_from_db()
    assert (a.assigned_to, a.assigned_team.name) == (None, "CAIT North")
    told = set(Notification.objects.values_list("recipient__full_name", "reason"))
    assert told == {("Ivy Long", "assigned_to_team"), ("Ian Short", "assigned_to_team")}
    assert (
        Notification.objects.filter(recipient=ivy).get().why
        == "Sam Boss gave this alert to your team, CAIT North"
    )
    with pytest.raises(actions.WorkActionError, match="already waiting"):
        actions.assign(a, actor=boss, team=Team.objects.get(name="CAIT North"))
    stopped = Team.objects.create(name="Old unit", active=False)
    with pytest.raises(actions.WorkActionError, match="has stopped"):
        actions.assign(a, actor=boss, team=stopped)
    assert ian.notifications.count() == 1


def test_handing_on_needs_a_note_and_says_so(
    person: Callable[..., Any], alert: Callable[..., Alert]
) -> None:
    ivy, ian = (
        person("investigator", "Ivy Long", "CAIT"),
        person("investigator", "Ian Short", "CAIT"),
    )
    a = alert()
    actions.assign(a, actor="test", to=ivy)
    with pytest.raises(actions.WorkActionError, match="say why you are handing") as refused:
        actions.assign(a, actor=ivy, to=ian)
    assert refused.value.field == "note"
    actions.assign(a, actor=ivy, to=ian, note="On leave from tomorrow; visit booked for Friday.")
    a.refresh_from_db()
    assert (a.assigned_to, a.assigned_by) == (ian, ivy)
    assert events(a)[-1] == "handed_on"
    n = Notification.objects.get(recipient=ian)
    assert n.why == "Ivy Long handed on this alert to you"
    assert AuditEntry.objects.filter(action="alert.assign", detail__handed_on=True).exists()


def test_a_note_changes_no_status(person: Callable[..., Any], alert: Callable[..., Alert]) -> None:
    ivy = person("investigator", "Ivy Long")
    a = alert()
    actions.add_note(a, actor=ivy, text="Spoke to the school: attending.")
    a.refresh_from_db()
    assert a.status == "open" and events(a) == ["raised", "note"]
    assert AlertEvent.objects.filter(alert=a, action="note").get().detail == {
        "note": "Spoke to the school: attending."
    }
    assert AuditEntry.objects.filter(
        action="alert.note", target=a.alert_id, actor=ivy.username
    ).exists()
    with pytest.raises(actions.WorkActionError, match="write the note"):
        actions.add_note(a, actor=ivy, text="   ")


def test_closing_needs_an_outcome_of_its_code_and_tells_who_handed_it_on(
    person: Callable[..., Any], alert: Callable[..., Alert]
) -> None:
    from vigil.alerts.actions import AlertActionError, acknowledge, close

    mash, ivy = person("mash", "Mo Hussain", "MASH"), person("investigator", "Ivy Long", "CAIT")
    a = alert(code="NO_STRATEGY_DISCUSSION")
    actions.assign(a, actor=mash, to=ivy)
    acknowledge(a, actor=ivy)
    for outcome, rationale, message in (
        ("", "Held on Monday", "outcome"),
        ("flag_added", "Held on Monday", "outcome"),  # RSO_NOT_FLAGGED's
        ("strategy_discussion_held", "  ", "written rationale"),
    ):
        with pytest.raises(AlertActionError, match=message):
            close(a, actor=ivy, outcome=outcome, rationale=rationale)
    a.refresh_from_db()
    assert a.status == "acknowledged" and a.outcome == ""
    close(
        a,
        actor=ivy,
        outcome="strategy_discussion_held",
        rationale="Held with CSC and health on Monday.",
    )
    a.refresh_from_db()
    assert (a.status, a.outcome, a.closed_by) == ("closed", "strategy_discussion_held", ivy)
    closed = AlertEvent.objects.filter(alert=a, action="closed").get()
    assert closed.detail["outcome_label"] == "Strategy discussion held"
    entry = AuditEntry.objects.get(action="alert.close")
    assert entry.reason.startswith("Held with CSC") and entry.detail == {
        "outcome": "strategy_discussion_held"
    }
    told = Notification.objects.get(recipient=mash)
    assert told.reason == "handed_on_closed"
    assert (
        told.why
        == "Ivy Long closed this alert, which you gave on. Outcome: Strategy discussion held"
    )


def test_every_code_has_outcomes_that_fit_it_and_plain_labels() -> None:
    import vigil.rules.engine  # noqa: F401 (registers every rule)
    from vigil.alerts.titles import TITLES
    from vigil.alerts.work import BY_CODE, COMMON
    from vigil.rules.registry import RULES

    assert len(RULES) >= 30
    assert set(RULES) <= set(BY_CODE) and set(RULES) <= set(TITLES)
    for code, outcomes in BY_CODE.items():
        keys = [o.key for o in outcomes + COMMON]
        assert len(keys) == len(set(keys)), code
        assert all(o.label[0].isupper() and "_" not in o.label for o in outcomes + COMMON), code


def test_mark_read_touches_only_ones_own(
    person: Callable[..., Any], alert: Callable[..., Alert]
) -> None:
    ivy, ian = (
        person("investigator", "Ivy Long", "CAIT"),
        person("investigator", "Ian Short", "CAIT"),
    )
    actions.assign(alert(), actor="test", team=Team.objects.get(name="CAIT"))
    mine, theirs = (Notification.objects.get(recipient=u) for u in (ivy, ian))
    with pytest.raises(actions.WorkActionError):
        actions.mark_read(ivy, pk=theirs.pk)
    assert actions.mark_read(ivy, pk=mine.pk) == [mine.pk]
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert AuditEntry.objects.filter(action="notification.read", actor=ivy.username).exists()


def test_the_registry_knows_alerts_and_nothing_else() -> None:
    assert registry.kind_of(Alert(code="REPEAT_MISSING")).key == "alert"
    with pytest.raises(LookupError):
        registry.kind_of(Team(name="x"))


def test_the_holder_is_told_when_someone_else_takes_or_closes_their_work(
    person: Callable[..., Any], alert: Callable[..., Alert]
) -> None:
    from vigil.alerts.actions import acknowledge, close

    boss = person("supervisor", "Sam Boss", "CAIT")
    ivy, ian = (
        person("investigator", "Ivy Long", "CAIT"),
        person("investigator", "Ian Short", "CAIT"),
    )
    a = alert()
    actions.assign(a, actor=boss, to=ivy)
    actions.assign(a, actor=boss, to=ian, note="Ivy is on leave")
    taken = Notification.objects.get(recipient=ivy, reason="taken_from_you")
    assert taken.why == "Sam Boss gave this alert, which you held, to Ian Short"
    acknowledge(a, actor=boss)
    close(a, actor=boss, outcome="duplicate", rationale="Same as the referral alert.")
    held = Notification.objects.get(recipient=ian, reason="held_closed")
    assert (
        held.why
        == "Sam Boss closed this alert, which you held. Outcome: Duplicate of another alert"
    )
    # The supervisor gave it and closed it: nothing to tell themself.
    assert not Notification.objects.filter(recipient=boss).exists()
