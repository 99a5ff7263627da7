"""Strategy discussions recorded in Vigil (issue 13, workflow 2): about a child, or following
a referral; NO_STRATEGY_DISCUSSION ended when held in time and kept (late, to the supervisor)
when held late; each action a work item on its owner's My work or a team's tray; the GOV.UK
error pattern; a changed discussion takes a dropped action off its owner's work."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user, person
from vigil.accounts.models import Team, User
from vigil.alerts.models import Alert
from vigil.casework.models import CaseAction, Entry
from vigil.identity.models import Person
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record
from vigil.work.models import Notification

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db(transaction=True)


def _ago(**kw: Any) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**kw)


def _referral(decided_days_ago: float = 5) -> dict[str, Any]:
    at = _ago(days=decided_days_ago)
    return {
        "record_type": "referral",
        "source_system": "csc",
        "source_id": "REF-1",
        "occurred_at": (at - dt.timedelta(hours=3)).isoformat(),
        "to_agency": "childrens_social_care",
        "received_at": (at - dt.timedelta(hours=2)).isoformat(),
        "decision_at": at.isoformat(),
        "decision": "section_47",
        "people": [person("c1", role="subject", date_of_birth="2015-06-01")],
    }


def when(prefix: str, moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {
        f"{prefix}_0": str(local.day),
        f"{prefix}_1": str(local.month),
        f"{prefix}_2": str(local.year),
        f"{prefix}_3": f"{local:%H:%M}",
    }


def action_row(n: int, description: str, owner: str, due: dt.datetime, agency: str = "") -> dict:
    local = due.astimezone(LONDON)
    return {
        f"action_{n}_0": description,
        f"action_{n}_1": owner,
        f"action_{n}_2": agency,
        f"action_{n}_3": str(local.day),
        f"action_{n}_4": str(local.month),
        f"action_{n}_5": str(local.year),
        f"action_{n}_6": f"{local:%H:%M}",
    }


def discussion(token: str, held: dt.datetime, *rows: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": token,
        **when("held_at", held),
        "agencies": ["police", "childrens_social_care"],
        "decisions": "Section 47 enquiry to start; joint visit today.",
    }
    for row in rows:
        data.update(row)
    return data


def save(client: Client, url: str, data: dict[str, Any]) -> Any:
    """Form, check your answers, save: the check page's response, and what saving returned."""
    sent = client.post(url, data)
    assert sent.status_code == 302, sent.content.decode()[:3000]
    check = client.get(sent["Location"])
    saved = client.post(sent["Location"], {"confirm": "yes"})
    return check, saved


@pytest.fixture
def child() -> tuple[str, Alert]:
    ingest_records([_referral()], actor="test")
    alert = Alert.objects.get(code="NO_STRATEGY_DISCUSSION")
    return alert.person_id, alert


def test_held_in_time_ends_the_alert_and_each_action_goes_to_its_owner(
    child: tuple[str, Alert],
) -> None:
    person_id, alert = child
    officer = make_user("investigator", team="CAIT North", full_name="Priya Shah")
    colleague = make_user("mash", team="MASH", full_name="Chloe Evans")
    mash = Team.objects.get(name="MASH")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:strategy-discussion", args=[person_id])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Record a strategy discussion" in body and "Chloe Evans, MASH" in body
    token = str(page.context["form"].initial["token"])
    due = _ago(days=-3)
    check, saved = save(
        client,
        url,
        discussion(
            token,
            _ago(days=4),
            action_row(1, "Check the school's records", f"user:{colleague.pk}", due),
            action_row(2, "Research the household", f"team:{mash.pk}", due),
            action_row(
                3, "Health visitor to see the child", "agency", due, "Leeds health visiting"
            ),
        ),
    )
    assert [e.after for e in check.context["effects"]] == ["ends"]
    rows = dict(check.context["rows"])
    assert rows["Action 1"].startswith("Check the school's records\nOwner: Chloe Evans")
    assert "Action 4" not in rows  # a row left blank is not an answer
    assert saved.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "resolved"
    written = Record.objects.get(source_system="vigil", record_type="strategy_discussion")
    payload = written.payload
    assert payload["agencies"] == ["police", "childrens_social_care"]
    assert [a["owner"] for a in payload["actions"]] == [
        "Chloe Evans",
        "MASH",
        "Leeds health visiting",
    ]
    assert all(a["due_at"] and "done_at" not in a for a in payload["actions"])
    assert [m["mention_id"] for m in payload["people"]] == [person_id]
    assert Person.objects.get(person_id=person_id).links.filter(mention__record=written).exists()
    items = list(CaseAction.objects.order_by("index"))
    assert [(i.index, i.status, i.record_id) for i in items] == [
        (0, "open", written.pk),
        (1, "open", written.pk),
        (2, "open", written.pk),
    ]
    assert items[0].assigned_to == colleague and items[0].assigned_by == officer
    assert items[1].assigned_to is None and items[1].assigned_team == mash
    # A partner agency with no account: the writer's team's tray, the owner named.
    assert items[2].assigned_to is None and items[2].assigned_team == officer.team
    assert "Leeds health visiting" in items[2].events.get().detail["note"]
    # Told, by name of the work only (no personal data in a notification).
    told = Notification.objects.get(recipient=colleague, reason="assigned_to_you")
    assert told.title == "Strategy discussion action" and "Priya Shah" in told.why
    # On the owner's My work with its due date; the team's action in the MASH tray.
    other = Client()
    other.force_login(colleague)
    mine = other.get(reverse("work:mine"))
    assert [r["item"] for r in mine.context["mine"].rows] == [items[0]]
    assert mine.context["mine"].rows[0]["due_at"] == items[0].due_at
    assert "Check the school&#x27;s records" in mine.content.decode()
    assert [r["item"] for r in mine.context["tray"].rows] == [items[1]]
    # The writer's team tray holds the partner agency's action.
    assert [r["item"] for r in client.get(reverse("work:mine")).context["tray"].rows] == [items[2]]


def test_held_late_stays_a_finding_for_the_supervisor(child: tuple[str, Alert]) -> None:
    person_id, alert = child
    supervisor = make_user("supervisor", team="CAIT North")
    officer = make_user("investigator", team="CAIT North")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:strategy-discussion", args=[person_id])
    check, _ = save(client, url, discussion(str(uuid.uuid4()), _ago(days=1)))
    assert [e.after for e in check.context["effects"]] == ["late"]
    alert.refresh_from_db()
    assert alert.status == "open" and alert.assigned_to == supervisor
    assert "strategy discussion held" in alert.explanation and "late" in alert.explanation
    assert not CaseAction.objects.exists()


def test_from_the_referral_names_its_children_and_links_to_it(child: tuple[str, Alert]) -> None:
    person_id, alert = child
    referral = Record.objects.get(source_id="REF-1")
    officer = make_user("mash", team="MASH")
    client = Client()
    client.force_login(officer)
    # The alert's page offers both: about the child, and following the referral.
    page = client.get(reverse("alerts:alert", args=[alert.alert_id])).content.decode()
    assert reverse("casework:strategy-discussion", args=[person_id]) in page
    assert reverse("casework:strategy-discussion-from", args=[referral.pk]) in page
    url = reverse("casework:strategy-discussion-from", args=[referral.pk])
    check, _ = save(client, url, discussion(str(uuid.uuid4()), _ago(days=3)))
    assert [e.after for e in check.context["effects"]] == ["ends"]
    written = Record.objects.get(source_system="vigil")
    assert written.payload["links"] == [
        {"source_system": "csc", "source_id": "REF-1", "relation": "follows_from"}
    ]
    assert [m["mention_id"] for m in written.payload["people"]] == [person_id]
    assert written.payload["people"][0]["forename"] == "Amy"
    alert.refresh_from_db()
    assert alert.status == "resolved"
    # Only a referral decided section 47 (or a crime that calls for one) offers it.
    referral.payload = {**referral.payload, "decision": "section_17"}
    referral.save()
    assert client.get(url).status_code == 200  # a record of its own: any referral may lead to one
    assert (
        reverse("casework:strategy-discussion-from", args=[referral.pk])
        not in client.get(reverse("people:record", args=[referral.pk])).content.decode()
    )


def test_bad_answers_get_the_error_pattern_and_write_nothing(child: tuple[str, Alert]) -> None:
    person_id, _ = child
    officer = make_user("investigator", team="CAIT North")
    colleague = make_user("investigator", full_name="Jordan Hale")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:strategy-discussion", args=[person_id])
    token = str(uuid.uuid4())
    empty = client.post(url, {"token": token})
    assert empty.status_code == 200
    errors = empty.context["form"].errors
    assert errors["held_at"] == ["Enter when the strategy discussion was held"]
    assert errors["agencies"] == ["Select the agencies present"]
    assert errors["decisions"] == ["Enter the decisions made"]
    assert "There is a problem" in empty.content.decode()
    held = _ago(days=4)
    rows = client.post(
        url,
        discussion(
            token,
            held,
            {"action_1_0": "Visit the school"},
            action_row(2, "Research", "agency", _ago(days=-2)),
            action_row(3, "Medical", f"user:{colleague.pk}", held - dt.timedelta(days=1)),
            action_row(4, "Visit", "user:99999", _ago(days=-2)),
            {"action_5_0": "Call the GP", "action_5_1": f"user:{colleague.pk}"},
        ),
    )
    errors = rows.context["form"].errors
    assert errors["action_1"] == ["Choose the owner of action 1"]
    assert errors["action_2"] == ["Enter the name of the partner agency that owns action 2"]
    assert errors["action_3"] == [
        "The due date of action 3 must be after the strategy discussion was held"
    ]
    assert errors["action_4"] == ["Choose the owner of action 4 from the list"]
    assert errors["action_5"] == ["Enter the date action 5 is due"]
    due = _ago(days=-2)
    twice = client.post(
        url,
        discussion(
            token,
            held,
            action_row(1, "Visit", f"user:{colleague.pk}", due),
            action_row(2, "Visit", f"user:{colleague.pk}", due),
        ),
    )
    assert twice.context["form"].errors["action_2"] == [
        "Action 2 is the same as action 1: give it once"
    ]
    assert 'value="Visit the school"' in rows.content.decode()  # what was typed is kept
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_a_stopped_account_and_a_call_handler_cannot_own_an_action(
    child: tuple[str, Alert],
) -> None:
    person_id, _ = child
    officer = make_user("investigator", team="CAIT North")
    gone = make_user("investigator", full_name="Left Force", is_active=False)
    handler = make_user("call_handler", full_name="Megan Price")
    client = Client()
    client.force_login(officer)
    body = client.get(reverse("casework:strategy-discussion", args=[person_id])).content.decode()
    assert "Left Force" not in body and "Megan Price" not in body
    sent = client.post(
        reverse("casework:strategy-discussion", args=[person_id]),
        discussion(
            str(uuid.uuid4()), _ago(days=4), action_row(1, "x", f"user:{gone.pk}", _ago(days=-1))
        ),
    )
    assert sent.context["form"].errors["action_1"] == ["Choose the owner of action 1 from the list"]
    assert User.objects.filter(pk=handler.pk).exists()


def test_changing_the_discussion_takes_a_dropped_action_off_its_owners_work(
    child: tuple[str, Alert],
) -> None:
    person_id, _ = child
    officer = make_user("investigator", team="CAIT North")
    colleague = make_user("investigator", team="CAIT North", full_name="Jordan Hale")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:strategy-discussion", args=[person_id])
    due = _ago(days=-3)
    first = action_row(1, "Visit the school", f"user:{colleague.pk}", due)
    second = action_row(2, "See the GP", f"user:{colleague.pk}", due)
    save(client, url, discussion(str(uuid.uuid4()), _ago(days=4), first, second))
    entry = Entry.objects.get()
    assert CaseAction.objects.filter(status="open").count() == 2
    # Change it (a new version): the second action is gone, a new one is added.
    change = f"{url}?change={entry.token}"
    form = client.get(change)
    assert form.status_code == 200
    token = str(uuid.uuid4())
    third = action_row(2, "Speak to the father", f"user:{officer.pk}", due)
    sent = client.post(change, discussion(token, _ago(days=4), first, third))
    assert sent.status_code == 302
    client.post(sent["Location"], {"confirm": "yes"})
    record = Record.objects.get(source_system="vigil")
    assert record.version == 2
    states = {i.description: (i.status, i.outcome) for i in CaseAction.objects.all()}
    assert states == {
        "Visit the school": ("open", ""),
        "See the GP": ("done", "withdrawn"),
        "Speak to the father": ("open", ""),
    }
    assert CaseAction.objects.get(description="Speak to the father").assigned_to == officer
