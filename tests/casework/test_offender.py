"""Offender management visits: an amendment of the offender's latest rso record appending the
visit (RSO_VISIT_OVERDUE), filling a missing ARMS assessment (RSO_ARMS_OVERDUE), and saying
honestly that an ARMS assessment cannot replace one the record already holds."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user, person
from vigil.alerts.models import Alert
from vigil.casework.models import Entry
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db(transaction=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ago(days: float) -> str:
    return (_now() - dt.timedelta(days=days)).isoformat()


def _rso(source_id: str = "RSO-1", days_ago: float = 30, **fields: Any) -> dict[str, Any]:
    record = {
        "record_type": "rso",
        "source_system": "vish",
        "source_id": source_id,
        "occurred_at": _ago(days_ago),
        "people": [
            person(
                "o1", role="offender", forename="Dale", surname="Hart", date_of_birth="1971-08-09"
            )
        ],
        "registered_at": _ago(800),
        "risk_level": "high",
        "management": "active",
        "arms_assessed_at": _ago(100),
        "visits": [_ago(200)],
        "flagged_on": ["command_and_control"],
    }
    record.update(fields)
    return {k: v for k, v in record.items() if v is not None}


def _when(prefix: str, moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {
        f"{prefix}_0": str(local.day),
        f"{prefix}_1": str(local.month),
        f"{prefix}_2": str(local.year),
        f"{prefix}_3": f"{local:%H:%M}",
    }


def _hold(*records: dict[str, Any]) -> None:
    ingest_records(list(records), actor="test")


def _signed_in(role: str, **fields: Any) -> tuple[Client, Any]:
    user = make_user(role, **fields)
    client = Client()
    client.force_login(user)
    return client, user


def _check(client: Client, record: Record, data: dict[str, str]) -> tuple[Any, str]:
    url = reverse("casework:offender-visit", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200
    token = str(page.context["form"].initial["token"])
    sent = client.post(url, {"token": token, **data})
    check = reverse("casework:check", args=[token])
    assert sent.status_code == 302 and sent["Location"] == check, sent.content.decode()[:2000]
    return client.get(check), check


def _visit(at: dt.datetime, **more: str) -> dict[str, str]:
    return {
        **_when("visited_at", at),
        "visited_by": "PC Ana Cruz",
        "notes": "Seen at home; no children present",
        **more,
    }


def test_a_visit_ends_visit_overdue() -> None:
    _hold(_rso())
    record = Record.objects.get(source_id="RSO-1")
    alert = Alert.objects.get(code="RSO_VISIT_OVERDUE")
    assert set(Alert.objects.values_list("code", flat=True)) == {"RSO_VISIT_OVERDUE"}
    client, officer = _signed_in("investigator", full_name="Ana Cruz", team="MOSOVO")
    form = client.get(reverse("casework:offender-visit", args=[record.pk]))
    assert form.context["form"].initial["visited_by"] == "Ana Cruz"  # the user, by default
    visited = _now() - dt.timedelta(days=2)
    shown, check = _check(client, record, _visit(visited))
    assert [(e.code, e.after) for e in shown.context["effects"]] == [("RSO_VISIT_OVERDUE", "ends")]
    assert "Ends: the alert resolves itself" in shown.content.decode()
    assert not Record.objects.filter(source_system="vigil").exists()
    saved = client.post(check, {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "resolved"
    written = Record.objects.get(source_system="vigil")
    assert written.payload["record_type"] == "rso"
    assert written.payload["links"] == [
        {"source_system": "vish", "source_id": "RSO-1", "relation": "amends"}
    ]
    (visit,) = written.payload["visits"]
    assert dt.datetime.fromisoformat(visit) == visited.replace(second=0, microsecond=0)
    assert "arms_assessed_at" not in written.payload
    assert written.payload["summary"] == (
        "Offender management visit by PC Ana Cruz: Seen at home; no children present"
    )
    done = client.get(saved["Location"])
    assert "Offender management visit recorded" in done.content.decode()
    assert Entry.objects.get().written_by == officer


def test_an_arms_assessment_fills_a_missing_one_and_ends_arms_overdue() -> None:
    _hold(_rso(management="reactive", risk_level="low", arms_assessed_at=None))
    record = Record.objects.get(source_id="RSO-1")
    arms = Alert.objects.get(code="RSO_ARMS_OVERDUE")
    client, _ = _signed_in("supervisor")
    assessed = _now() - dt.timedelta(days=1)
    shown, check = _check(
        client, record, _visit(_now() - dt.timedelta(days=1), **_when("arms_assessed_at", assessed))
    )
    assert ("RSO_ARMS_OVERDUE", "ends") in [(e.code, e.after) for e in shown.context["effects"]]
    client.post(check, {"confirm": "yes"})
    arms.refresh_from_db()
    assert arms.status == "resolved"
    written = Record.objects.get(source_system="vigil")
    assert written.payload["arms_assessed_at"]
    assert "ARMS assessment completed" in written.payload["summary"]


def test_an_older_arms_assessment_held_wins_and_the_alert_honestly_stays() -> None:
    _hold(_rso(arms_assessed_at=_ago(400)))
    record = Record.objects.get(source_id="RSO-1")
    arms = Alert.objects.get(code="RSO_ARMS_OVERDUE")
    client, _ = _signed_in("investigator")
    form = client.get(reverse("casework:offender-visit", args=[record.pk])).content.decode()
    assert "already holds an ARMS assessment" in form
    shown, check = _check(
        client,
        record,
        _visit(_now() - dt.timedelta(days=1), **_when("arms_assessed_at", _now())),
    )
    effects = {e.code: e.after for e in shown.context["effects"]}
    assert effects == {"RSO_VISIT_OVERDUE": "ends", "RSO_ARMS_OVERDUE": "stays"}
    assert "Stays open: this entry does not end it" in shown.content.decode()
    client.post(check, {"confirm": "yes"})
    arms.refresh_from_db()
    assert arms.status == "open" and arms.assigned_to is None
    assert Alert.objects.get(code="RSO_VISIT_OVERDUE").status == "resolved"


def test_the_visit_is_recorded_against_the_latest_rso_record_only() -> None:
    _hold(_rso("RSO-OLD", days_ago=300), _rso("RSO-NEW", days_ago=30))
    old = Record.objects.get(source_id="RSO-OLD")
    new = Record.objects.get(source_id="RSO-NEW")
    alert = Alert.objects.get(code="RSO_VISIT_OVERDUE")
    client, _ = _signed_in("investigator")
    assert client.get(reverse("casework:offender-visit", args=[old.pk])).status_code == 404
    page = client.get(reverse("alerts:alert", args=[alert.alert_id])).content.decode()
    assert reverse("casework:offender-visit", args=[new.pk]) in page
    assert reverse("casework:offender-visit", args=[old.pk]) not in page
    _, check = _check(client, new, _visit(_now() - dt.timedelta(hours=5)))
    client.post(check, {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_bad_input_keeps_what_was_typed_and_writes_nothing() -> None:
    _hold(_rso())
    record = Record.objects.get(source_id="RSO-1")
    client, _ = _signed_in("investigator")
    url = reverse("casework:offender-visit", args=[record.pk])
    token = str(client.get(url).context["form"].initial["token"])
    page = client.post(url, {"token": token, "visited_by": "", "notes": "Typed outcome"})
    html = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in html
    assert "Enter when the visit was made" in html and "Enter who made the visit" in html
    assert "Typed outcome" in html
    early = client.post(
        url, {"token": token, **_visit(_now() - dt.timedelta(days=900))}
    ).content.decode()
    assert "must be after the offender was registered on" in early
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_only_roles_given_offender_visits_may_record_one() -> None:
    _hold(_rso())
    record = Record.objects.get(source_id="RSO-1")
    url = reverse("casework:offender-visit", args=[record.pk])
    for role in ("call_handler", "mash", "partner_health", "auditor"):
        client, _ = _signed_in(role)
        assert client.get(url).status_code == 403, role
