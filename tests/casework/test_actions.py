"""Actions recorded done (issue 13): by their owner or anyone who may record the discussion; on
a strategy discussion written in Vigil as its next version, on another system's as an amendment
appending the action with its done_at; the work item closes; ACTIONS_OVERDUE follows (raised
by an overdue action, ended by recording it done, never raised by one done on time)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.casework.test_strategy import action_row, discussion, save, when
from tests.factories import make_user, person
from vigil.alerts.engine import assess
from vigil.alerts.models import Alert
from vigil.casework.models import CaseAction, Entry
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record
from vigil.work.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def _ago(**kw: Any) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**kw)


def _csc_discussion(source_id: str, due: dt.datetime) -> dict[str, Any]:
    return {
        "record_type": "strategy_discussion",
        "source_system": "csc",
        "source_id": source_id,
        "occurred_at": _ago(days=10).isoformat(),
        "held_at": _ago(days=10).isoformat(),
        "agencies": ["police", "childrens social care"],
        "actions": [
            {"description": "Visit the school", "owner": "DC Hale", "due_at": due.isoformat()}
        ],
        "people": [person("c1", role="subject", date_of_birth="2015-06-01")],
    }


def _done(key: str, done_at: dt.datetime, note: str = "") -> dict[str, Any]:
    return {"token": str(uuid.uuid4()), "action": key, **when("done_at", done_at), "note": note}


def _child_id() -> str:
    ingest_records(
        [
            {
                "record_type": "concern",
                "source_system": "niche",
                "source_id": "PPN-1",
                "occurred_at": _ago(days=30).isoformat(),
                "concern_type": "neglect",
                "people": [person("c1", role="subject", date_of_birth="2015-06-01")],
            }
        ],
        actor="test",
    )
    return str(Record.objects.get(source_id="PPN-1").mentions.get().link.person.person_id)


def test_the_owner_records_an_overdue_action_done_on_a_discussion_written_in_vigil() -> None:
    child = _child_id()
    chair = make_user("investigator", team="CAIT North", full_name="Priya Shah")
    owner = make_user("response_officer", team="Response Team 2", full_name="Ryan Cole")
    other = make_user("response_officer", team="Response Team 2", full_name="Ellie Shaw")
    client = Client()
    client.force_login(chair)
    url = reverse("casework:strategy-discussion", args=[child])
    check, _ = save(
        client,
        url,
        discussion(
            str(uuid.uuid4()),
            _ago(days=10),
            action_row(1, "Welfare visit to the home", f"user:{owner.pk}", _ago(days=2)),
            action_row(2, "Speak to the school", f"user:{chair.pk}", _ago(days=-5)),
        ),
    )
    # The discussion itself raises ACTIONS_OVERDUE: one of its actions is already past due.
    assert [(e.code, e.after) for e in check.context["effects"]] == [("ACTIONS_OVERDUE", "raised")]
    record = Record.objects.get(source_system="vigil")
    alert = Alert.objects.get(code="ACTIONS_OVERDUE")
    assert "'Welfare visit to the home' (owner Ryan Cole)" in alert.explanation
    item = CaseAction.objects.get(assigned_to=owner)

    # The owner finds it on My work, overdue, and opens it.
    mine = Client()
    mine.force_login(owner)
    rows = mine.get(reverse("work:mine")).context["mine"].rows
    assert [(r["item"], r["overdue"]) for r in rows] == [(item, True)]
    page = mine.get(reverse("casework:action", args=[item.key]))
    assert page.status_code == 200
    done_url = page.context["done_url"]
    assert done_url.endswith(f"?action={item.match}")
    form = mine.get(done_url)
    assert form.context["form"].initial["action"] == item.match
    # Only the owner's own action is offered, not the chair's.
    assert [k for k, _ in form.context["form"].fields["action"].choices] == [item.match]
    check, saved = save(
        mine, done_url.split("?")[0], _done(item.match, _ago(minutes=5), "Seen with mother")
    )
    assert [(e.code, e.after) for e in check.context["effects"]] == [("ACTIONS_OVERDUE", "ends")]
    assert saved.status_code == 302
    record.refresh_from_db()
    assert record.version == 2
    assert [bool(a.get("done_at")) for a in record.payload["actions"]] == [True, False]
    assert "links" not in record.payload  # its own next version, no amendment
    assert "Seen with mother" in record.payload["summary"]
    alert.refresh_from_db()
    assert alert.status == "resolved"
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("done", "done") and item.done_at is not None
    assert mine.get(reverse("work:mine")).context["mine"].rows == []
    # The chair, who gave it, is told it was closed; the chair's own action stays open.
    assert Notification.objects.filter(recipient=chair, reason="handed_on_closed").exists()
    assert CaseAction.objects.get(assigned_to=chair).status == "open"
    # What it did: the answers read back though the action is done now.
    written = mine.get(saved["Location"])
    assert dict(written.context["rows"])["Which action was done"].startswith("Welfare visit")

    # A colleague who neither owns it nor may record discussions has nothing to record.
    stranger = Client()
    stranger.force_login(other)
    chair_item = CaseAction.objects.get(assigned_to=chair)
    refused = stranger.post(done_url.split("?")[0], _done(chair_item.match, _ago(minutes=1)))
    assert refused.status_code == 200
    assert refused.context["form"].errors["action"] == [
        "Select the action that was done from the list"
    ]
    assert stranger.get(reverse("casework:action", args=[chair_item.key])).context["done_url"] == ""
    # A partner sees only the actions they or their team hold.
    partner = Client()
    partner.force_login(make_user("partner_health", team="Health Safeguarding Team"))
    assert partner.get(reverse("casework:action", args=[chair_item.key])).status_code == 403


def test_another_systems_action_done_is_an_amendment_and_ends_the_alert() -> None:
    ingest_records([_csc_discussion("SD-1", _ago(days=3))], actor="test")
    alert = Alert.objects.get(code="ACTIONS_OVERDUE")
    source = Record.objects.get(source_id="SD-1")
    held = dict(source.payload)
    officer = make_user("investigator", team="CAIT North")
    client = Client()
    client.force_login(officer)
    # The alert's page offers it.
    page = client.get(reverse("alerts:alert", args=[alert.alert_id])).content.decode()
    url = reverse("casework:strategy-action-done", args=[source.pk])
    assert url in page
    form = client.get(url)
    [(key, label)] = form.context["form"].fields["action"].choices
    assert label.startswith("Visit the school (owner: DC Hale, due ")
    check, _ = save(client, url, _done(key, _ago(hours=1)))
    assert [(e.code, e.after) for e in check.context["effects"]] == [("ACTIONS_OVERDUE", "ends")]
    alert.refresh_from_db()
    assert alert.status == "resolved"
    amendment = Record.objects.get(source_system="vigil")
    assert amendment.payload["links"] == [
        {"source_system": "csc", "source_id": "SD-1", "relation": "amends"}
    ]
    [entry] = amendment.payload["actions"]
    assert entry["description"] == "Visit the school" and entry["owner"] == "DC Hale"
    assert entry["done_at"]
    source.refresh_from_db()
    assert source.payload == held  # another system's record is never written
    assert Entry.objects.get().target == source
    # Nothing more to record on it: the page no longer offers the workflow.
    assert client.get(url).status_code == 404


def test_an_action_done_on_time_raises_nothing_and_one_not_done_does() -> None:
    due = _ago(days=-2)
    ingest_records([_csc_discussion("SD-1", due), _csc_discussion("SD-2", due)], actor="test")
    assert not Alert.objects.filter(code="ACTIONS_OVERDUE").exists()
    done_on = Record.objects.get(source_id="SD-1")
    client = Client()
    client.force_login(make_user("supervisor", team="CAIT North"))
    url = reverse("casework:strategy-action-done", args=[done_on.pk])
    [(key, _)] = client.get(url).context["form"].fields["action"].choices
    check, _ = save(client, url, _done(key, _ago(minutes=1)))
    assert check.context["effects"] == []
    # Three days on, past the due date: only the discussion whose action was not done fires.
    assess(dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    assert [a.subject_key for a in Alert.objects.filter(code="ACTIONS_OVERDUE")] == [
        "record:csc/SD-2"
    ]
