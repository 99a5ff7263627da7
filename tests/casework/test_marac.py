"""MARAC recorded in Vigil (issue 13, workflow 3): a referral from a domestic abuse incident
(names its victim; ends MARAC_CRITERIA_MET_NOT_REFERRED for the victim and the children exposed),
a meeting with its actions (ends MARAC_INCOMPLETE; an amendment of another system's MARAC, the
next version of one written in Vigil; each action a work item), and the MARAC list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.casework.test_strategy import action_row, save, when
from tests.factories import make_user, person
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.casework.models import CaseAction
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record

pytestmark = pytest.mark.django_db(transaction=True)
HOME = {
    "address": "1 High Street, Leeds",
    "postcode": "LS1 1AA",
    "premises_type": "private_dwelling",
}


def _ago(**kw: Any) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**kw)


def _household(assessed_days_ago: int = 20) -> None:
    at = _ago(days=assessed_days_ago)
    ingest_records(
        [
            {
                "record_type": "concern",
                "source_system": "niche",
                "source_id": "PPN-0",
                "occurred_at": _ago(days=60).isoformat(),
                "concern_type": "neglect",
                "location": HOME,
                "people": [person("b", role="subject", forename="Ben", date_of_birth="2016-02-02")],
            },
            {
                "record_type": "concern",
                "source_system": "niche",
                "source_id": "PPN-1",
                "occurred_at": at.isoformat(),
                "concern_type": "domestic_abuse_noncrime",
                "location": HOME,
                "risk_assessment": {
                    "tool": "DASH",
                    "level": "high",
                    "yes_count": 15,
                    "assessed_at": at.isoformat(),
                },
                "people": [
                    person("v", role="victim", forename="Cara", date_of_birth="1990-03-03"),
                    person("s", role="suspect", forename="Dean", date_of_birth="1988-01-01"),
                    person("c", role="child_present", forename="Amy", date_of_birth="2015-06-01"),
                ],
            },
        ],
        actor="test",
    )


def _referral(token: str, victim: str, referred: dt.datetime, shared: str = "yes") -> dict:
    return {
        "token": token,
        "victim": victim,
        **when("referred_at", referred),
        "criteria": "visible_high_risk",
        "information_shared_before": shared,
    }


def _meeting(token: str, met: dt.datetime, *rows: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"token": token, **when("meeting_at", met)}
    for row in rows:
        data.update(row)
    return data


def test_a_referral_in_time_ends_the_alert_for_the_victim_and_the_children() -> None:
    _household()
    alerts = Alert.objects.filter(code="MARAC_CRITERIA_MET_NOT_REFERRED", status="open")
    assert alerts.count() == 3  # Cara, Amy (named) and Ben (lives there)
    incident = Record.objects.get(source_id="PPN-1")
    child_alert = alerts.exclude(explanation="").order_by("pk").last()
    assert child_alert is not None
    officer = make_user("investigator", team="CAIT North")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:marac-referral", args=[incident.pk])
    page = client.get(reverse("alerts:alert", args=[child_alert.alert_id])).content.decode()
    assert url in page and "Refer the victim to the MARAC" in page
    form = client.get(url)
    [(victim, name)] = form.context["form"].fields["victim"].choices
    assert name == "Cara Stone, born 3 March 1990"
    assert form.context["form"].initial["victim"] == victim
    check, _ = save(client, url, _referral(str(uuid.uuid4()), victim, _ago(days=15)))
    assert sorted(e.after for e in check.context["effects"]) == ["ends", "ends", "ends"]
    assert not Alert.objects.filter(code="MARAC_CRITERIA_MET_NOT_REFERRED", status="open")
    marac = Record.objects.get(source_system="vigil", record_type="marac")
    assert marac.payload["criteria"] == "visible_high_risk"
    assert marac.payload["information_shared_before"] is True
    # The victim, and the children exposed to the incident (so the alert ends for them too).
    named = [(m["forename"], m["role"]) for m in marac.payload["people"]]
    assert named[0] == ("Cara", "victim")
    assert sorted(named[1:]) == [("Amy", "household_member"), ("Ben", "household_member")]
    assert marac.payload["people"][0]["mention_id"] == victim
    assert marac.payload["links"] == [
        {"source_system": "niche", "source_id": "PPN-1", "relation": "about"}
    ]
    # Only an incident with a victim offers it.
    neglect = Record.objects.get(source_id="PPN-0")
    assert client.get(reverse("casework:marac-referral", args=[neglect.pk])).status_code == 200
    assert (
        "marac-referral"
        not in client.get(reverse("people:record", args=[neglect.pk])).content.decode()
    )


def test_a_referral_late_stays_and_bad_answers_write_nothing() -> None:
    _household()
    supervisor = make_user("supervisor", team="CAIT North")
    officer = make_user("investigator", team="CAIT North")
    incident = Record.objects.get(source_id="PPN-1")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:marac-referral", args=[incident.pk])
    empty = client.post(url, {"token": str(uuid.uuid4())})
    errors = empty.context["form"].errors
    assert errors["referred_at"] == ["Enter when the referral to the marac was made"]
    assert errors["criteria"] == ["Select which MARAC criteria are met"]
    assert errors["information_shared_before"] == [
        "Select yes if information was shared before the meeting"
    ]
    assert not Record.objects.filter(source_system="vigil").exists()
    [(victim, _)] = client.get(url).context["form"].fields["victim"].choices
    check, _ = save(client, url, _referral(str(uuid.uuid4()), victim, _ago(days=1)))
    assert {e.after for e in check.context["effects"]} == {"late"}
    late = Alert.objects.filter(code="MARAC_CRITERIA_MET_NOT_REFERRED", status="open")
    assert late.count() == 3 and all(a.assigned_to == supervisor for a in late)


def test_the_meeting_on_another_systems_marac_is_an_amendment_with_actions_as_work() -> None:
    ingest_records(
        [
            {
                "record_type": "marac",
                "source_system": "csc",
                "source_id": "MARAC-1",
                "occurred_at": _ago(days=30).isoformat(),
                "referred_at": _ago(days=30).isoformat(),
                "meeting_at": _ago(days=10).isoformat(),
                "information_shared_before": True,
                "people": [person("v", role="victim", forename="Cara", date_of_birth="1990-03-03")],
            }
        ],
        actor="test",
    )
    alert = Alert.objects.get(code="MARAC_INCOMPLETE")
    marac = Record.objects.get(source_id="MARAC-1")
    chair = make_user("supervisor", team="CAIT North", full_name="Omar Khan")
    idva = make_user("partner_csc", team="Children's Social Care Front Door", full_name="Grace A")
    client = Client()
    client.force_login(chair)
    url = reverse("casework:marac-meeting", args=[marac.pk])
    assert url in client.get(reverse("alerts:alert", args=[alert.alert_id])).content.decode()
    none = client.post(url, _meeting(str(uuid.uuid4()), _ago(days=10)))
    assert none.context["form"].errors["action_1"] == [
        "Enter at least one action agreed at the meeting"
    ]
    due = _ago(days=-7)
    check, _ = save(
        client,
        url,
        _meeting(
            str(uuid.uuid4()),
            _ago(days=10),
            action_row(1, "Safety plan with the victim", f"user:{idva.pk}", due),
        ),
    )
    assert [(e.code, e.after) for e in check.context["effects"]] == [("MARAC_INCOMPLETE", "ends")]
    alert.refresh_from_db()
    assert alert.status == "resolved"
    amendment = Record.objects.get(source_system="vigil")
    assert amendment.payload["links"][0]["relation"] == "amends"
    item = CaseAction.objects.get()
    assert item.record == marac and item.source == amendment and item.record_type == "marac"
    assert item.assigned_to == idva  # a partner may own an action
    # The partner (who has no My work) finds it from the home page, then records it done (an
    # amendment appending it with its done_at).
    partner = Client()
    partner.force_login(idva)
    home = partner.get(reverse("web:home")).content.decode()
    assert reverse("casework:actions") in home
    listed = partner.get(reverse("casework:actions"))
    assert [r["item"] for r in listed.context["mine"]] == [item]
    assert "Safety plan with the victim" in listed.content.decode()
    assert AuditEntry.objects.filter(action="case_action.list").exists()
    page = partner.get(reverse("casework:action", args=[item.key]))
    assert page.status_code == 200 and page.context["people"] == []  # no names for a partner
    done_url = page.context["done_url"]
    sent = partner.post(
        done_url.split("?")[0],
        {"token": str(uuid.uuid4()), "action": item.match, **when("done_at", _ago(hours=2))},
    )
    assert sent.status_code == 302
    partner.post(sent["Location"], {"confirm": "yes"})
    item.refresh_from_db()
    assert item.status == "done"
    # No more meeting to record: the workflow is no longer offered on it.
    assert client.get(url).status_code == 404


def test_the_meeting_on_a_marac_written_in_vigil_is_its_next_version_and_the_list() -> None:
    _household()
    incident = Record.objects.get(source_id="PPN-1")
    officer = make_user("investigator", team="CAIT North", full_name="Priya Shah")
    client = Client()
    client.force_login(officer)
    url = reverse("casework:marac-referral", args=[incident.pk])
    [(victim, _)] = client.get(url).context["form"].fields["victim"].choices
    save(client, url, _referral(str(uuid.uuid4()), victim, _ago(days=15), shared="no"))
    marac = Record.objects.get(source_system="vigil", record_type="marac")
    meeting = reverse("casework:marac-meeting", args=[marac.pk])
    check, _ = save(
        client,
        meeting,
        _meeting(
            str(uuid.uuid4()),
            _ago(days=5),
            action_row(
                1, "Flag the address for police response", f"user:{officer.pk}", _ago(days=1)
            ),
            action_row(
                2, "Refer the children to early help", "agency", _ago(days=-9), "Early Help Hub"
            ),
        ),
    )
    marac.refresh_from_db()
    assert marac.version == 2 and marac.payload["meeting_at"]
    assert [a["owner"] for a in marac.payload["actions"]] == ["Priya Shah", "Early Help Hub"]
    assert "links" in marac.payload and marac.payload["links"][0]["relation"] == "about"
    # Information was not shared before the meeting, so the MARAC is incomplete: raised.
    assert ("MARAC_INCOMPLETE", "raised") in [(e.code, e.after) for e in check.context["effects"]]
    assert ("ACTIONS_OVERDUE", "raised") in [(e.code, e.after) for e in check.context["effects"]]
    assert CaseAction.objects.filter(record=marac).count() == 2

    lister = Client()
    lister.force_login(make_user("auditor"))
    page = lister.get(reverse("casework:marac-list"))
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert [v["name"] for v in row["victims"]] == ["Cara Stone, born 3 March 1990"]
    assert [i["label"] for i in row["incidents"]] == [
        f"{row['incidents'][0]['label'].split(' of ')[0]} of "
        f"{incident.occurred_at.astimezone(dt.UTC):%-d %B %Y}"
    ]
    assert sorted(c["name"].split(",")[0] for c in row["children"]) == ["Amy Stone", "Ben Stone"]
    assert [(a["action"].description, a["state"]) for a in row["actions"]] == [
        ("Flag the address for police response", "Overdue"),
        ("Refer the children to early help", "Open"),
    ]
    assert row["shared"] == "No"
    body = page.content.decode()
    assert "Early Help Hub" in body and "Overdue" in body
    logged = AuditEntry.objects.filter(action="marac.list").get()
    assert len(logged.detail["people"]) == 3
    partner = Client()
    partner.force_login(make_user("partner_health"))
    assert partner.get(reverse("casework:marac-list")).status_code == 403
