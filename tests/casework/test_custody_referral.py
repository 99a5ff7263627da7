"""Custody referral to children's social care: an amendment of the custody record giving
``referral_to_csc_at`` (what was shared in its summary) ends CUSTODY_NO_REFERRAL; offered only on
a custody record with no referral; bad input writes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user, person
from vigil.alerts.models import Alert
from vigil.casework.models import Entry
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db(transaction=True)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _custody(source_id: str, arrived: dt.datetime, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "custody",
        "source_system": "custody",
        "source_id": source_id,
        "occurred_at": _iso(arrived),
        "grounds": "offence",
        "arrived_at": _iso(arrived),
        "detention_authorised_at": _iso(arrived + dt.timedelta(minutes=20)),
        "appropriate_adult_requested_at": _iso(arrived + dt.timedelta(minutes=25)),
        "appropriate_adult_arrived_at": _iso(arrived + dt.timedelta(minutes=60)),
        "released_at": _iso(arrived + dt.timedelta(hours=5)),
        "people": [
            person(
                "d1",
                role="detainee",
                date_of_birth="2011-05-06",
                flags=["learning_disability"],
            )
        ],
        **fields,
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
    arrived = timezone.now() - dt.timedelta(days=2)
    ingest_records([_custody("CU-1", arrived)], actor="test")
    return Record.objects.get(source_id="CU-1"), Alert.objects.get(code="CUSTODY_NO_REFERRAL")


def _client(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role, team="Response North"))
    return client


def test_a_referral_ends_the_alert(held: tuple[Record, Alert]) -> None:
    record, alert = held
    # Offered on the alert's page (to roles that open alerts) and on the record's page.
    alert_page = _client("investigator").get(reverse("alerts:alert", args=[alert.alert_id]))
    assert "Record a referral to children&#x27;s social care" in alert_page.content.decode()
    client = _client("response_officer")
    record_page = client.get(reverse("people:record", args=[record.pk])).content.decode()
    assert "Record a referral to children&#x27;s social care" in record_page
    url = reverse("casework:custody-referral", args=[record.pk])
    token = str(uuid.uuid4())
    told = record.occurred_at + dt.timedelta(hours=1)
    sent = client.post(
        url,
        {
            "token": token,
            "told": "Emergency duty team",
            "shared": "Arrested for theft; learning disability; released to mother.",
            **_when("referral_to_csc_at", told),
        },
    )
    check = reverse("casework:check", args=[token])
    assert sent.status_code == 302 and sent["Location"] == check
    assert [(e.code, e.after) for e in client.get(check).context["effects"]] == [
        ("CUSTODY_NO_REFERRAL", "ends")
    ]
    done = client.get(client.post(check, {"confirm": "yes"})["Location"])
    assert "Custody referral to children&#x27;s social care recorded" in done.content.decode()
    alert.refresh_from_db()
    assert alert.status == "resolved"
    written = Record.objects.get(source_system="vigil")
    assert written.record_type == "custody"
    assert (
        written.payload["referral_to_csc_at"]
        == told.replace(second=0, microsecond=0).astimezone(dt.UTC).isoformat()
    )
    assert written.payload["summary"] == (
        "Referral to children's social care (Emergency duty team). What was shared: "
        "Arrested for theft; learning disability; released to mother."
    )
    assert written.payload["links"] == [
        {"source_system": "custody", "source_id": "CU-1", "relation": "amends"}
    ]


def test_bad_input_keeps_what_was_typed_and_writes_nothing(held: tuple[Record, Alert]) -> None:
    record, _ = held
    client = _client("investigator")
    url = reverse("casework:custody-referral", args=[record.pk])
    missing = client.post(url, {"token": str(uuid.uuid4()), "told": "Typed and kept"})
    html = missing.content.decode()
    assert "There is a problem" in html
    assert "Enter when children&#x27;s social care were told" in html
    assert "Enter what was shared with children&#x27;s social care" in html
    assert "Typed and kept" in html
    early = client.post(
        url,
        {
            "token": str(uuid.uuid4()),
            "shared": "Kept as well",
            **_when("referral_to_csc_at", record.occurred_at - dt.timedelta(hours=3)),
        },
    )
    text = early.content.decode()
    assert "must be after the child arrived in custody" in text and "Kept as well" in text
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_offered_only_where_no_referral_is_recorded_and_to_roles_that_record_it() -> None:
    arrived = timezone.now() - dt.timedelta(days=2)
    ingest_records(
        [_custody("CU-2", arrived, referral_to_csc_at=_iso(arrived + dt.timedelta(hours=1)))],
        actor="test",
    )
    record = Record.objects.get(source_id="CU-2")
    url = reverse("casework:custody-referral", args=[record.pk])
    assert _client("response_officer").get(url).status_code == 404
    assert _client("call_handler").get(url).status_code == 403
    assert _client("partner_csc").get(url).status_code == 403
