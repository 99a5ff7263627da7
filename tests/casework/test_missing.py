"""Missing episode completion: the safe and well check and the return home interview, recorded
in Vigil as amendments of the missing record. Done in time the alert ends; done late it stays,
marked late, for the supervisor; bad input writes nothing; a time before the child was found is
refused; once done, the workflow is no longer offered."""

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
from vigil.casework import registry
from vigil.casework.models import Entry
from vigil.ingest.pipeline import ingest_records
from vigil.records.models import Record

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db(transaction=True)

FOUND = (dt.datetime.now(dt.UTC) - dt.timedelta(days=5)).replace(minute=5, second=0, microsecond=0)


def _episode(**fields: Any) -> dict[str, Any]:
    return {
        "record_type": "missing",
        "source_system": "compact",
        "source_id": "MIS-1",
        "occurred_at": (FOUND - dt.timedelta(hours=9)).isoformat(),
        "classification": "missing",
        "risk_level": "medium",
        "reported_at": (FOUND - dt.timedelta(hours=8)).isoformat(),
        "found_at": FOUND.isoformat(),
        "people": [person("c1", role="missing_person", date_of_birth="2011-02-03")],
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
    ingest_records([_episode(**fields)], actor="test")
    return Record.objects.get(source_system="compact", source_id="MIS-1")


def _alert(code: str) -> Alert:
    return Alert.objects.get(code=code)


def _officer(team: str = "Response Team 2") -> Client:
    client = Client()
    client.force_login(
        make_user(
            "response_officer", team=team, full_name="Ryan Cole", rank="PC", staff_number="4127"
        )
    )
    return client


def _save(client: Client, url: str, data: dict[str, Any]) -> Any:
    """Form, check your answers, save: the check page's response, and the saved one."""
    token = str(uuid.uuid4())
    sent = client.post(url, {"token": token, **data})
    check = reverse("casework:check", args=[token])
    assert sent.status_code == 302 and sent["Location"] == check, sent.content.decode()[:3000]
    shown = client.get(check)
    saved = client.post(check, {"confirm": "yes"})
    assert saved.status_code == 302
    return shown, client.get(saved["Location"])


def _safe_and_well(at: dt.datetime, **more: str) -> dict[str, Any]:
    return {
        **_when("safe_and_well_at", at),
        "officer": "PC Ryan Cole 4127",
        "place": "at home",
        "account": "Said she stayed with a friend in Harborne. Calm, tired, no injuries seen.",
        **more,
    }


def _interview(offered: dt.datetime, completed: dt.datetime | None, **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        **_when("return_interview_offered_at", offered),
        "outcome": "completed",
        "interviewer": "Jo Banks",
        "agency": "independent",
        "childs_words": "I went because I was fed up at home. An older lad gave me a phone.",
        "indicators": ["older_associates", "unexplained_gifts"],
        "trigger_plan": "yes",
        **more,
    }
    if completed is not None:
        data.update(_when("return_interview_completed_at", completed))
    return data


# ---- the safe and well check -------------------------------------------------------------


def test_safe_and_well_in_time_ends_the_alert_and_shows_on_the_record() -> None:
    record = _hold(
        return_interview_offered_at=(FOUND + dt.timedelta(hours=20)).isoformat(),
        return_interview_completed_at=(FOUND + dt.timedelta(hours=30)).isoformat(),
    )
    alert = _alert("SAFE_AND_WELL_NOT_RECORDED")
    client = _officer()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["officer"] == "PC Ryan Cole 4127"  # the signed-in officer
    shown, done = _save(client, url, _safe_and_well(FOUND + dt.timedelta(hours=2)))
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("SAFE_AND_WELL_NOT_RECORDED", "ends")
    ]
    assert [e.after for e in done.context["effects"]] == ["ends"]
    # A response officer has no alert pages: the alert is named, not linked.
    assert reverse("alerts:alert", args=[alert.alert_id]) not in shown.content.decode()
    assert reverse("alerts:alert", args=[alert.alert_id]) not in done.content.decode()
    alert.refresh_from_db()
    assert alert.status == "resolved"
    written = Record.objects.get(source_system="vigil")
    assert "Where: at home." in written.summary
    assert written.payload["links"] == [
        {"source_system": "compact", "source_id": "MIS-1", "relation": "amends"}
    ]
    assert dt.datetime.fromisoformat(written.payload["safe_and_well_at"]) == FOUND + dt.timedelta(
        hours=2
    )
    assert written.occurred_at == FOUND + dt.timedelta(hours=2)
    assert "stayed with a friend in Harborne" in written.summary
    # The missing episode's page shows what was recorded in Vigil, by whom.
    html = client.get(reverse("people:record", args=[record.pk])).content.decode()
    assert "Recorded in Vigil" in html and "Ryan Cole" in html and "Harborne" in html


def test_safe_and_well_late_stays_a_finding_for_the_supervisor() -> None:
    record = _hold(
        return_interview_offered_at=(FOUND + dt.timedelta(hours=20)).isoformat(),
        return_interview_completed_at=(FOUND + dt.timedelta(hours=30)).isoformat(),
    )
    supervisor = make_user("supervisor", team="Response Team 2")
    client = _officer()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    shown, _ = _save(client, url, _safe_and_well(FOUND + dt.timedelta(hours=30)))
    assert [e.after for e in shown.context["effects"]] == ["late"]
    alert = _alert("SAFE_AND_WELL_NOT_RECORDED")
    assert alert.status == "open" and "6 hours" in alert.explanation and "late" in alert.explanation
    assert alert.assigned_to == supervisor
    assert Entry.objects.get().effects[0]["after"] == "late"


def test_a_check_leaves_the_overdue_return_interview_as_it_was() -> None:
    """The amendment counts as evidence of every finding on the episode, but recording the check
    neither does the interview nor makes it late: that alert stays open, with nobody new."""
    record = _hold()
    make_user("supervisor", team="Response Team 2")
    interview = _alert("RETURN_INTERVIEW_OVERDUE")
    client = _officer()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    shown, done = _save(client, url, _safe_and_well(FOUND + dt.timedelta(hours=2)))
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("SAFE_AND_WELL_NOT_RECORDED", "ends")
    ]
    assert [(e.code, e.after) for e in done.context["effects"]] == [
        ("SAFE_AND_WELL_NOT_RECORDED", "ends")
    ]
    interview.refresh_from_db()
    assert interview.status == "open" and interview.assigned_to is None


def test_a_check_before_the_child_was_found_is_refused() -> None:
    record = _hold()
    client = _officer()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    page = client.post(
        url,
        {"token": str(uuid.uuid4()), **_safe_and_well(FOUND - dt.timedelta(hours=1))},
    )
    html = page.content.decode()
    local = FOUND.astimezone(LONDON)
    assert page.status_code == 200 and "There is a problem" in html
    assert (
        f"The check must be after the child was found at {local:%H:%M} on {local.day} {local:%B}"
        in html
    )
    assert not Record.objects.filter(source_system="vigil").exists()


def test_bad_safe_and_well_input_keeps_what_was_typed_and_writes_nothing() -> None:
    record = _hold()
    client = _officer()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    page = client.post(
        url,
        {
            "token": str(uuid.uuid4()),
            "safe_and_well_at_0": "31",
            "safe_and_well_at_1": "2",
            "officer": "",
            "place": "Typed place kept",
            "account": "Typed account kept",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="govuk-error-summary"' in html
    assert "must include a year" in html and "Enter the officer" in html
    assert "Typed place kept" in html and "Typed account kept" in html
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_the_safe_and_well_check_is_offered_until_it_is_recorded() -> None:
    record = _hold()
    flow = registry.get("safe-and-well-check")
    assert flow is not None and flow.can_complete(record)
    alert = _alert("SAFE_AND_WELL_NOT_RECORDED")
    client = _officer()
    # The child's page offers it on the alert, to a response officer (who has no alert pages).
    child = alert.person_id
    assert (
        "Record a safe and well check"
        in client.get(reverse("people:person", args=[child])).content.decode()
    )
    _save(
        client,
        reverse("casework:safe-and-well-check", args=[record.pk]),
        _safe_and_well(FOUND + dt.timedelta(hours=3)),
    )
    record.refresh_from_db()
    assert not flow.can_complete(record)  # recorded (by amendment): no longer offered
    record_page = client.get(reverse("people:record", args=[record.pk])).content.decode()
    assert "Record a safe and well check" not in record_page
    assert client.get(reverse("casework:safe-and-well-check", args=[record.pk])).status_code == 404
    # Nor on an episode whose source holds a check, nor on one where the child is not found.
    held = Record(
        record_type="missing", payload={**_episode(), "safe_and_well_at": FOUND.isoformat()}
    )
    assert not flow.can_complete(held)
    lost = {k: v for k, v in _episode().items() if k != "found_at"}
    assert not flow.can_complete(Record(record_type="missing", payload=lost))


def test_only_roles_with_the_capability_may_record_it() -> None:
    record = _hold()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    for role, status in (("response_officer", 200), ("call_handler", 403), ("auditor", 403)):
        client = Client()
        client.force_login(make_user(role))
        assert client.get(url).status_code == status, role


# ---- the return home interview -----------------------------------------------------------


def test_return_interview_in_time_ends_the_alert_and_appends_indicators() -> None:
    record = _hold(
        safe_and_well_at=(FOUND + dt.timedelta(hours=2)).isoformat(),
        exploitation_indicators=["older_associates"],
    )
    alert = _alert("RETURN_INTERVIEW_OVERDUE")
    client = _officer()
    url = reverse("casework:return-interview", args=[record.pk])
    offered, held = FOUND + dt.timedelta(hours=10), FOUND + dt.timedelta(hours=50)
    shown, done = _save(client, url, _interview(offered, held))
    effects = {e.code: e.after for e in shown.context["effects"]}
    assert effects["RETURN_INTERVIEW_OVERDUE"] == "ends"
    alert.refresh_from_db()
    assert alert.status == "resolved"
    written = Record.objects.get(source_system="vigil")
    payload = written.payload
    assert dt.datetime.fromisoformat(payload["return_interview_offered_at"]) == offered
    assert dt.datetime.fromisoformat(payload["return_interview_completed_at"]) == held
    assert payload["trigger_plan"] is True
    assert payload["exploitation_indicators"] == ["older_associates", "unexplained_gifts"]
    assert written.occurred_at == held
    assert "An older lad gave me a phone" in written.summary and "Jo Banks" in written.summary
    assert "independent return home interview provider" in written.summary
    # The effective record appends only the new indicator (the source's own is not repeated).
    from vigil.casework.flows.held import effective

    assert effective(record).exploitation_indicators == [  # type: ignore[attr-defined]
        "older_associates",
        "unexplained_gifts",
    ]
    flow = registry.get("return-interview")
    assert flow is not None and not flow.can_complete(record)
    assert "Return home interview recorded" in done.content.decode()


def test_return_interview_late_stays_a_finding_for_the_supervisor() -> None:
    record = _hold(safe_and_well_at=(FOUND + dt.timedelta(hours=2)).isoformat())
    supervisor = make_user("supervisor", team="Response Team 2")
    client = _officer()
    url = reverse("casework:return-interview", args=[record.pk])
    offered, held = FOUND + dt.timedelta(hours=60), FOUND + dt.timedelta(hours=80)
    shown, _ = _save(client, url, _interview(offered, held, indicators=[]))
    assert [e.after for e in shown.context["effects"]] == ["late"]
    alert = _alert("RETURN_INTERVIEW_OVERDUE")
    assert alert.status == "open" and "8 hours" in alert.explanation
    assert alert.assigned_to == supervisor


def test_a_declined_interview_records_the_offer_only_and_the_alert_stays() -> None:
    record = _hold(safe_and_well_at=(FOUND + dt.timedelta(hours=2)).isoformat())
    client = _officer()
    url = reverse("casework:return-interview", args=[record.pk])
    offered = FOUND + dt.timedelta(hours=12)
    assert "return_interview_offered_at" not in client.get(url).context["form"].initial
    data = _interview(offered, None, outcome="declined", childs_words="", indicators=[])
    data["trigger_plan"] = "no"
    shown, _ = _save(client, url, data)
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("RETURN_INTERVIEW_OVERDUE", "stays")
    ]
    written = Record.objects.get(source_system="vigil")
    assert "return_interview_completed_at" not in written.payload
    assert dt.datetime.fromisoformat(written.payload["return_interview_offered_at"]) == offered
    assert written.payload["trigger_plan"] is False
    assert "declined" in written.summary and written.occurred_at == offered
    assert _alert("RETURN_INTERVIEW_OVERDUE").status == "open"
    # Not held yet: still offered, so the interview can be recorded when it happens; the form
    # starts from the offer and the plan recorded.
    flow = registry.get("return-interview")
    assert flow is not None and flow.can_complete(record)
    initial = client.get(url).context["form"].initial
    assert initial["return_interview_offered_at"] == offered and initial["trigger_plan"] == "no"


def test_a_completed_interview_needs_its_time_and_the_childs_words() -> None:
    record = _hold()
    client = _officer()
    url = reverse("casework:return-interview", args=[record.pk])
    data = _interview(FOUND + dt.timedelta(hours=5), None, childs_words="")
    data["interviewer"] = "Typed name kept"
    page = client.post(url, {"token": str(uuid.uuid4()), **data})
    html = page.content.decode()
    assert "There is a problem" in html
    assert "Enter when the interview took place" in html
    assert "Enter what the child said, in their own words" in html
    assert "Typed name kept" in html
    # Before the child was found, and held before it was offered: both refused.
    early = _interview(FOUND - dt.timedelta(hours=2), FOUND - dt.timedelta(hours=3))
    html = client.post(url, {"token": str(uuid.uuid4()), **early}).content.decode()
    assert "The offer must be after the child was found at" in html
    assert "The interview must be on or after it was offered" in html
    # Declined, with a time it took place: contradictory.
    both = _interview(FOUND + dt.timedelta(hours=5), FOUND + dt.timedelta(hours=6))
    both["outcome"] = "declined"
    html = client.post(url, {"token": str(uuid.uuid4()), **both}).content.decode()
    assert "Leave when the interview took place empty" in html
    assert not Record.objects.filter(source_system="vigil").exists()


def test_workflows_apply_only_to_found_children() -> None:
    ingest_records([{**_episode(), "found_at": None}], actor="test")
    record = Record.objects.get(source_id="MIS-1")
    for key in ("safe-and-well-check", "return-interview"):
        flow = registry.get(key)
        assert flow is not None and not flow.can_complete(record)
        client = _officer()
        assert client.get(reverse(f"casework:{key}", args=[record.pk])).status_code == 404


def test_changing_a_recorded_check_writes_a_new_version() -> None:
    """Once recorded the check is no longer offered, but its writer may still change it."""
    record = _hold()
    client = _officer()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    _save(client, url, _safe_and_well(FOUND + dt.timedelta(hours=2)))
    entry = Entry.objects.get()
    page = client.get(f"{url}?change={entry.token}")
    assert page.status_code == 200 and "Harborne" in page.content.decode()
    # Check your answers' "Change" link goes back to the form being changed.
    token = str(uuid.uuid4())
    data = _safe_and_well(FOUND + dt.timedelta(hours=3))
    client.post(f"{url}?change={entry.token}", {"token": token, **data})
    back = client.get(reverse("casework:check", args=[token])).context["change"]
    assert client.get(back).status_code == 200 and f"change={entry.token}" in back
    _save(
        client,
        f"{url}?change={entry.token}",
        _safe_and_well(FOUND + dt.timedelta(hours=3), account="Seen again: calm, no injuries."),
    )
    written = Record.objects.get(source_system="vigil")
    assert written.version == 2 and "Seen again" in written.summary
    assert _alert("SAFE_AND_WELL_NOT_RECORDED").status == "resolved"


def test_the_childs_page_shows_the_amendment_in_the_chronology() -> None:
    record = _hold()
    alert = _alert("SAFE_AND_WELL_NOT_RECORDED")
    client = _officer()
    _save(
        client,
        reverse("casework:safe-and-well-check", args=[record.pk]),
        _safe_and_well(FOUND + dt.timedelta(hours=2)),
    )
    html = client.get(reverse("people:person", args=[alert.person_id])).content.decode()
    assert "stayed with a friend in Harborne" in html


def test_on_an_episode_written_in_vigil_the_check_writes_its_next_version() -> None:
    """A record Vigil wrote is never amended (RECORDS.md): the check revises it instead."""
    ingest_records(
        [{**_episode(), "source_system": "vigil", "source_id": "missing-own", "version": 1}],
        actor="test",
    )
    record = Record.objects.get(source_system="vigil", source_id="missing-own")
    alert = _alert("SAFE_AND_WELL_NOT_RECORDED")
    client = _officer()
    url = reverse("casework:safe-and-well-check", args=[record.pk])
    shown, _ = _save(client, url, _safe_and_well(FOUND + dt.timedelta(hours=2)))
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("SAFE_AND_WELL_NOT_RECORDED", "ends")
    ]
    record.refresh_from_db()
    assert record.version == 2 and record.payload["safe_and_well_at"]
    assert "Harborne" in record.payload["summary"]
    assert Record.objects.filter(source_system="vigil").count() == 1  # no amendment
    alert.refresh_from_db()
    assert alert.status == "resolved"
    flow = registry.get("safe-and-well-check")
    assert flow is not None and not flow.can_complete(record)


def test_signs_of_exploitation_disclosed_raise_the_exploitation_alert_and_say_so_first() -> None:
    record = _hold(safe_and_well_at=(FOUND + dt.timedelta(hours=2)).isoformat())
    assert not Alert.objects.filter(code="MISSING_EXPLOITATION_RISK").exists()
    client = _officer()
    url = reverse("casework:return-interview", args=[record.pk])
    data = _interview(FOUND + dt.timedelta(hours=10), FOUND + dt.timedelta(hours=30))
    data["indicators"] = ["drugs", "out_of_area"]
    shown, done = _save(client, url, data)
    effects = {e.code: e.after for e in shown.context["effects"]}
    assert effects == {"RETURN_INTERVIEW_OVERDUE": "ends", "MISSING_EXPLOITATION_RISK": "raised"}
    assert {e.code: e.after for e in done.context["effects"]} == effects
    assert "New alert" in shown.content.decode()
    assert Alert.objects.get(code="MISSING_EXPLOITATION_RISK").status == "open"
    assert (
        "drugs or alcohol, found out of the area"
        in Record.objects.get(source_system="vigil").summary
    )
