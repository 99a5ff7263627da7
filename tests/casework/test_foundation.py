"""The pages every workflow shares, through the intelligence follow-up (the simplest): the form,
check your answers with what saving will do to the open alert, saving once through the
pipeline, what it did, changing it (a new version), and a late duty going to a supervisor."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user, person
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.casework.models import Entry
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record, RecordVersion

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db(transaction=True)


def _intelligence(days_ago: int) -> dict[str, Any]:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    return {
        "record_type": "intelligence",
        "source_system": "niche",
        "source_id": "INT-1",
        "occurred_at": at.isoformat(),
        "topics": ["cse"],
        "people": [person("c1", role="subject", date_of_birth="2011-02-03")],
    }


def _when(prefix: str, moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {
        f"{prefix}_0": str(local.day),
        f"{prefix}_1": str(local.month),
        f"{prefix}_2": str(local.year),
        f"{prefix}_3": f"{local:%H:%M}",
    }


@pytest.fixture
def held() -> tuple[Record, Alert]:
    ingest_records([_intelligence(days_ago=20)], actor="test")
    alert = Alert.objects.get(code="INTELLIGENCE_NOT_ACTIONED")
    return Record.objects.get(source_id="INT-1"), alert


def _send(client: Client, url: str, token: str, followed: dt.datetime, action: str) -> Any:
    data = {"token": token, "action": action, **_when("follow_up_at", followed)}
    return client.post(url, data)


def test_done_in_time_ends_the_alert_and_says_so_before_and_after(
    held: tuple[Record, Alert],
) -> None:
    record, alert = held
    officer = make_user("investigator", team="CAIT North")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:intelligence-follow-up", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["form"].initial["token"]
    followed = dt.datetime.now(dt.UTC) - dt.timedelta(days=12)
    sent = _send(client, url, str(token), followed, "Research request; shared with the CSE team")
    check = reverse("casework:check", args=[token])
    assert sent.status_code == 302 and sent["Location"] == check
    shown = client.get(check)
    assert [e.after for e in shown.context["effects"]] == ["ends"]
    assert "Ends: the alert resolves itself" in shown.content.decode()
    assert not Record.objects.filter(source_system="vigil").exists()  # nothing written yet
    saved = client.post(check, {"confirm": "yes"})
    assert saved.status_code == 302
    entry = Entry.objects.get()
    assert entry.written_by == officer and entry.target == record and entry.version == 1
    alert.refresh_from_db()
    assert alert.status == "resolved"
    done = client.get(saved["Location"])
    assert "Intelligence follow-up recorded" in done.content.decode()
    assert [e.after for e in done.context["effects"]] == ["ends"]
    written = Record.objects.get(source_system="vigil")
    assert written.payload["links"] == [
        {"source_system": "niche", "source_id": "INT-1", "relation": "amends"}
    ]
    assert written.payload["follow_up_at"].startswith(followed.date().isoformat()[:7])
    # Sent twice (the button pressed again, or the form re-posted): written once.
    again = client.post(check, {"confirm": "yes"})
    assert again.status_code == 302 and Entry.objects.count() == 1
    assert Record.objects.filter(source_system="vigil").count() == 1
    assert AuditEntry.objects.filter(action="casework.write").count() == 1


def test_done_late_stays_a_finding_and_goes_to_the_supervisor(held: tuple[Record, Alert]) -> None:
    record, alert = held
    supervisor = make_user("supervisor", team="CAIT North")
    officer = make_user("investigator", team="CAIT North")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:intelligence-follow-up", args=[record.pk])
    token = str(uuid.uuid4())
    followed = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    _send(client, url, token, followed, "Disruption visit")
    check = reverse("casework:check", args=[token])
    assert [e.after for e in client.get(check).context["effects"]] == ["late"]
    client.post(check, {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "open"
    assert "late" in alert.explanation
    assert alert.assigned_to == supervisor
    assert Entry.objects.get().effects[0]["after"] == "late"


def test_bad_input_keeps_what_was_typed_and_writes_nothing(held: tuple[Record, Alert]) -> None:
    record, _ = held
    client = Client()
    client.force_login(make_user("investigator"))
    url = reverse("casework:intelligence-follow-up", args=[record.pk])
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    page = _send(client, url, str(uuid.uuid4()), future, "Typed words kept")
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html and "must be now or in the past" in html
    assert "Typed words kept" in html
    missing = client.post(
        url, {"token": str(uuid.uuid4()), "follow_up_at_0": "31", "follow_up_at_1": "2"}
    )
    text = missing.content.decode()
    assert "must include a year" in text and "Enter what was done" in text
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_changing_an_entry_writes_a_new_version_and_keeps_the_old(
    held: tuple[Record, Alert],
) -> None:
    record, _ = held
    officer = make_user("investigator")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:intelligence-follow-up", args=[record.pk])
    first = str(uuid.uuid4())
    _send(client, url, first, dt.datetime.now(dt.UTC) - dt.timedelta(days=12), "First words")
    client.post(reverse("casework:check", args=[first]), {"confirm": "yes"})
    entry = Entry.objects.get()
    page = client.get(f"{url}?change={entry.token}")
    assert page.status_code == 200 and "First words" in page.content.decode()
    second = str(uuid.uuid4())
    _send(
        client,
        f"{url}?change={entry.token}",
        second,
        dt.datetime.now(dt.UTC) - dt.timedelta(days=12),
        "Second words",
    )
    client.post(reverse("casework:check", args=[second]), {"confirm": "yes"})
    written = Record.objects.get(source_system="vigil")
    assert written.version == 2 and "Second words" in written.payload["summary"]
    assert RecordVersion.objects.filter(record=written).count() == 1
    assert Entry.objects.get(token=second).replaces == entry
    # Someone else may not change it.
    other = Client()
    other.force_login(make_user("investigator"))
    assert other.get(f"{url}?change={second}").status_code == 403


def test_the_alert_page_offers_the_workflow_only_to_roles_that_may_use_it(
    held: tuple[Record, Alert],
) -> None:
    _, alert = held
    page = reverse("alerts:alert", args=[alert.alert_id])
    investigator = Client()
    investigator.force_login(make_user("investigator"))
    assert "Record the follow-up of intelligence" in investigator.get(page).content.decode()
    auditor = Client()
    auditor.force_login(make_user("auditor"))
    assert "Record the follow-up of intelligence" not in auditor.get(page).content.decode()


def test_on_a_record_vigil_wrote_an_entry_writes_its_next_version(db: None) -> None:
    """No amendment may name a record written in Vigil (RECORDS.md): the entry is applied to
    the record itself, as its next version, and the alert ends the same way."""
    own = {**_intelligence(days_ago=20), "source_system": "vigil", "source_id": "intel-own"}
    ingest_records([own], actor="test")
    alert = Alert.objects.get(code="INTELLIGENCE_NOT_ACTIONED")
    record = Record.objects.get(source_id="intel-own")
    client = Client()
    client.force_login(make_user("investigator"))
    url = reverse("casework:intelligence-follow-up", args=[record.pk])
    token = str(uuid.uuid4())
    _send(
        client, url, token, dt.datetime.now(dt.UTC) - dt.timedelta(days=12), "Shared with CSE team"
    )
    check = reverse("casework:check", args=[token])
    assert [e.after for e in client.get(check).context["effects"]] == ["ends"]
    client.post(check, {"confirm": "yes"})
    record.refresh_from_db()
    assert record.version == 2 and record.payload["follow_up_at"]
    assert "links" not in record.payload  # no amendment of its own record
    assert Record.objects.filter(source_system="vigil").count() == 1
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert Entry.objects.get().record == record


def test_the_childs_chronology_shows_what_was_recorded_in_vigil(held: tuple[Record, Alert]) -> None:
    record, _ = held
    officer = make_user("investigator", full_name="Priya Shah")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:intelligence-follow-up", args=[record.pk])
    token = str(uuid.uuid4())
    _send(
        client, url, token, dt.datetime.now(dt.UTC) - dt.timedelta(days=12), "Shared with CSE team"
    )
    client.post(reverse("casework:check", args=[token]), {"confirm": "yes"})
    child = record.mentions.get().link.person.person_id
    page = client.get(reverse("people:person", args=[child])).content.decode()
    assert "Recorded in Vigil" in page
    assert "by Priya Shah: Intelligence followed up: Shared with CSE team" in page


def test_recorded_by_me_lists_ones_own_entries_only(held: tuple[Record, Alert]) -> None:
    record, _ = held
    officer = make_user("investigator")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:intelligence-follow-up", args=[record.pk])
    token = str(uuid.uuid4())
    _send(client, url, token, dt.datetime.now(dt.UTC) - dt.timedelta(days=12), "Shared")
    client.post(reverse("casework:check", args=[token]), {"confirm": "yes"})
    page = client.get(reverse("casework:mine")).content.decode()
    assert "Intelligence follow-up" in page and "Ended 1 alert" in page
    other = Client()
    other.force_login(make_user("investigator"))
    assert "You have not recorded anything" in other.get(reverse("casework:mine")).content.decode()
    # Another writer may not open the entry's page unless their role may see people.
    partner = Client()
    partner.force_login(make_user("partner_health"))
    assert partner.get(reverse("casework:written", args=[token])).status_code == 403
    assert AuditEntry.objects.filter(action="casework.list_mine").count() == 2
