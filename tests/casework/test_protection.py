"""Police protection (s46) recorded in Vigil as amendments of the police_protection record: who
was told and when, and how it ended with the protective plan. Done in time the alert ends; the
local authority told after 2 hours stays a finding, marked late, for the supervisor; bad input
writes nothing; a time before protection started is refused; once done, it is not offered."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from unittest.mock import ANY
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user, person
from vigil.alerts.models import Alert
from vigil.casework import registry
from vigil.casework.models import Entry
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db(transaction=True)

STARTED = (dt.datetime.now(dt.UTC) - dt.timedelta(days=5)).replace(
    minute=0, second=0, microsecond=0
)
PLAN = "Child to stay with her aunt; social worker visits daily; strategy discussion on Monday."


def _protection(**fields: Any) -> dict[str, Any]:
    return {
        "record_type": "police_protection",
        "source_system": "pp",
        "source_id": "PP-1",
        "occurred_at": STARTED.isoformat(),
        "started_at": STARTED.isoformat(),
        "people": [
            person("c1", role="subject", date_of_birth="2019-05-06"),
            person("p1", role="parent_carer", forename="Kim", date_of_birth="1988-01-02"),
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


def _hold(**fields: Any) -> Record:
    ingest_records([_protection(**fields)], actor="test")
    return Record.objects.get(source_system="pp", source_id="PP-1")


def _alert() -> Alert:
    return Alert.objects.get(code="POLICE_PROTECTION_UNRESOLVED")


def _officer(team: str = "Response Team 2") -> Client:
    client = Client()
    client.force_login(make_user("response_officer", team=team, full_name="Ryan Cole"))
    return client


def _save(client: Client, url: str, data: dict[str, Any]) -> Any:
    token = str(uuid.uuid4())
    sent = client.post(url, {"token": token, **data})
    check = reverse("casework:check", args=[token])
    assert sent.status_code == 302 and sent["Location"] == check, sent.content.decode()[:3000]
    shown = client.get(check)
    saved = client.post(check, {"confirm": "yes"})
    assert saved.status_code == 302
    return shown, client.get(saved["Location"])


def _ending(ended: dt.datetime, **more: Any) -> dict[str, Any]:
    return {
        **_when("ended_at", ended),
        "end_reason": "returned_home",
        "protective_plan": PLAN,
        **more,
    }


# ---- informing ---------------------------------------------------------------------------


def test_informing_in_time_ends_the_alert() -> None:
    ended = STARTED + dt.timedelta(hours=30)
    record = _hold(ended_at=ended.isoformat(), end_reason="returned_home", protective_plan=PLAN)
    alert = _alert()  # the local authority not recorded as told
    assert "not recorded as informed" in alert.explanation
    client = _officer()
    url = reverse("casework:police-protection-informing", args=[record.pk])
    assert client.get(url).status_code == 200
    told = STARTED + dt.timedelta(minutes=40)
    data = {
        "designated_officer": "Insp Jane Reid 1190",
        **_when("local_authority_informed_at", told),
        **_when("parents_informed_at", STARTED + dt.timedelta(hours=1)),
    }
    shown, done = _save(client, url, data)
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("POLICE_PROTECTION_UNRESOLVED", "ends")
    ]
    assert [e.after for e in done.context["effects"]] == ["ends"]
    alert.refresh_from_db()
    assert alert.status == "resolved"
    written = Record.objects.get(source_system="vigil")
    assert written.payload["designated_officer"] == "Insp Jane Reid 1190"
    assert dt.datetime.fromisoformat(written.payload["local_authority_informed_at"]) == told
    assert "child_informed_at" not in written.payload
    assert written.occurred_at == STARTED + dt.timedelta(hours=1)  # when the last was told
    assert "The local authority told" in written.summary


def test_the_local_authority_told_late_stays_a_finding_for_the_supervisor() -> None:
    ended = STARTED + dt.timedelta(hours=30)
    record = _hold(ended_at=ended.isoformat(), end_reason="returned_home", protective_plan=PLAN)
    supervisor = make_user("supervisor", team="Response Team 2")
    client = _officer()
    url = reverse("casework:police-protection-informing", args=[record.pk])
    told = STARTED + dt.timedelta(hours=5)
    assert client.get(url).context["form"].initial == {"token": ANY}  # nothing told yet
    shown, done = _save(client, url, _when("local_authority_informed_at", told))
    assert [e.after for e in shown.context["effects"]] == ["late"]
    assert [e.after for e in done.context["effects"]] == ["late"]
    alert = _alert()
    assert alert.status == "open"
    assert "3 hours late" in alert.explanation
    assert alert.assigned_to == supervisor
    assert Entry.objects.get().effects[0]["after"] == "late"


def test_telling_the_child_leaves_a_late_local_authority_as_it_was() -> None:
    """The source told the local authority late: recording when the child was told does not do
    that duty, so the alert stays open (not late) and goes to no one."""
    ended = STARTED + dt.timedelta(hours=30)
    record = _hold(
        local_authority_informed_at=(STARTED + dt.timedelta(hours=4)).isoformat(),
        ended_at=ended.isoformat(),
        end_reason="returned_home",
        protective_plan=PLAN,
    )
    make_user("supervisor", team="Response Team 2")
    client = _officer()
    url = reverse("casework:police-protection-informing", args=[record.pk])
    shown, done = _save(client, url, _when("child_informed_at", STARTED + dt.timedelta(hours=1)))
    assert [e.after for e in shown.context["effects"]] == ["stays"]
    assert [e.after for e in done.context["effects"]] == ["stays"]
    alert = _alert()
    assert alert.status == "open" and alert.assigned_to is None


def test_informing_needs_a_time_each_after_protection_started() -> None:
    record = _hold()
    client = _officer()
    url = reverse("casework:police-protection-informing", args=[record.pk])
    none = client.post(url, {"token": str(uuid.uuid4()), "designated_officer": "Typed officer"})
    html = none.content.decode()
    assert none.status_code == 200 and "There is a problem" in html
    assert "Enter when the local authority, the parents or carers, or the child were told" in html
    assert "Typed officer" in html
    early = client.post(
        url,
        {
            "token": str(uuid.uuid4()),
            **_when("local_authority_informed_at", STARTED - dt.timedelta(hours=1)),
            **_when("parents_informed_at", STARTED - dt.timedelta(hours=2)),
        },
    )
    html = early.content.decode()
    local = STARTED.astimezone(LONDON)
    started = f"{local:%H:%M} on {local.day} {local:%B}"
    assert (
        f"The time the local authority was told must be after police protection started at {started}"
        in html
    )
    assert "The time the parents or carers were told must be after" in html
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


# ---- ending ------------------------------------------------------------------------------


def test_ending_with_a_plan_in_time_ends_the_alert() -> None:
    record = _hold(
        designated_officer="Insp Reid",
        local_authority_informed_at=(STARTED + dt.timedelta(minutes=30)).isoformat(),
        parents_informed_at=(STARTED + dt.timedelta(hours=1)).isoformat(),
        child_informed_at=(STARTED + dt.timedelta(hours=1)).isoformat(),
    )
    alert = _alert()  # not ended within 72 hours
    assert "no end recorded" in alert.explanation
    informing = registry.get("police-protection-informing")
    assert informing is not None and not informing.can_complete(record)  # all told already
    client = _officer()
    url = reverse("casework:police-protection-end", args=[record.pk])
    ended = STARTED + dt.timedelta(hours=40)
    shown, done = _save(client, url, _ending(ended, end_reason="la_accommodation"))
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("POLICE_PROTECTION_UNRESOLVED", "ends")
    ]
    alert.refresh_from_db()
    assert alert.status == "resolved"
    payload = Record.objects.get(source_system="vigil").payload
    assert payload["end_reason"] == "la_accommodation" and payload["protective_plan"] == PLAN
    assert dt.datetime.fromisoformat(payload["ended_at"]) == ended
    html = done.content.decode()
    assert "The local authority accommodated the child" in html  # words, never the code
    assert "la_accommodation" not in html
    ending = registry.get("police-protection-end")
    assert ending is not None and not ending.can_complete(record)
    record_page = client.get(reverse("people:record", args=[record.pk])).content.decode()
    assert (
        "Recorded in Vigil" in record_page
        and "Record the end of police protection" not in record_page
    )
    assert client.get(url).status_code == 404


def test_a_plan_for_protection_the_source_ended_fills_the_gap() -> None:
    """The source ended it but gave no plan: the form starts from its end, and the plan ends
    the alert (the source's own end and reason stand)."""
    ended = STARTED + dt.timedelta(hours=20)
    record = _hold(
        designated_officer="Insp Reid",
        local_authority_informed_at=(STARTED + dt.timedelta(minutes=30)).isoformat(),
        parents_informed_at=(STARTED + dt.timedelta(hours=1)).isoformat(),
        child_informed_at=(STARTED + dt.timedelta(hours=1)).isoformat(),
        ended_at=ended.isoformat(),
        end_reason="returned_home",
    )
    assert "with no protective plan" in _alert().explanation
    client = _officer()
    url = reverse("casework:police-protection-end", args=[record.pk])
    form = client.get(url).context["form"]
    assert form.initial["ended_at"] == ended and form.initial["end_reason"] == "returned_home"
    _save(client, url, _ending(ended))
    assert _alert().status == "resolved"


def test_ended_late_stays_a_finding_for_the_supervisor() -> None:
    record = _hold(
        designated_officer="Insp Reid",
        local_authority_informed_at=(STARTED + dt.timedelta(minutes=30)).isoformat(),
    )
    supervisor = make_user("supervisor", team="Response Team 2")
    client = _officer()
    url = reverse("casework:police-protection-end", args=[record.pk])
    shown, _ = _save(client, url, _ending(STARTED + dt.timedelta(hours=75)))
    assert [e.after for e in shown.context["effects"]] == ["late"]
    alert = _alert()
    assert alert.status == "open" and "3 hours late" in alert.explanation
    assert alert.assigned_to == supervisor


def test_bad_ending_keeps_what_was_typed_and_writes_nothing() -> None:
    record = _hold()
    client = _officer()
    url = reverse("casework:police-protection-end", args=[record.pk])
    page = client.post(
        url,
        {
            "token": str(uuid.uuid4()),
            **_when("ended_at", STARTED - dt.timedelta(hours=3)),
            "protective_plan": "",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'class="govuk-error-summary"' in html
    assert "The end must be after police protection started at" in html
    assert "Select why police protection ended" in html and "Enter the protective plan" in html
    future = client.post(
        url,
        {
            "token": str(uuid.uuid4()),
            **_when("ended_at", dt.datetime.now(dt.UTC) + dt.timedelta(days=2)),
            "end_reason": "other",
            "protective_plan": "Typed plan kept",
        },
    )
    html = future.content.decode()
    assert "must be now or in the past" in html and "Typed plan kept" in html
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_the_informing_form_starts_from_what_the_record_holds() -> None:
    told = STARTED + dt.timedelta(minutes=30)
    record = _hold(designated_officer="Insp Reid", local_authority_informed_at=told.isoformat())
    client = _officer()
    url = reverse("casework:police-protection-informing", args=[record.pk])
    initial = client.get(url).context["form"].initial
    assert initial["designated_officer"] == "Insp Reid"
    assert initial["local_authority_informed_at"] == told
    assert "parents_informed_at" not in initial


def test_only_roles_with_the_capability_may_record_it() -> None:
    record = _hold()
    for key in ("police-protection-informing", "police-protection-end"):
        url = reverse(f"casework:{key}", args=[record.pk])
        for role, status in (
            ("response_officer", 200),
            ("supervisor", 200),
            ("mash", 403),
            ("partner_csc", 403),
        ):
            client = Client()
            client.force_login(make_user(role))
            assert client.get(url).status_code == status, (key, role)


def test_on_protection_written_in_vigil_the_end_writes_its_next_version() -> None:
    ingest_records(
        [
            _protection(
                source_system="vigil",
                source_id="pp-own",
                version=1,
                local_authority_informed_at=(STARTED + dt.timedelta(minutes=30)).isoformat(),
            )
        ],
        actor="test",
    )
    record = Record.objects.get(source_system="vigil", source_id="pp-own")
    client = _officer()
    url = reverse("casework:police-protection-end", args=[record.pk])
    _save(client, url, _ending(STARTED + dt.timedelta(hours=48)))
    record.refresh_from_db()
    assert record.version == 2 and record.payload["protective_plan"] == PLAN
    assert Record.objects.filter(source_system="vigil").count() == 1
    assert _alert().status == "resolved"
