"""Investigation oversight: a supervisory review, investigation activity and an allocation, each
an amendment of an open investigation, from the form through check your answers (what saving
will do to the open alert) to saving once through the pipeline; bad input, times before the
investigation opened, the allocation that cannot end its alert, and who may record what."""

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


def _investigation(
    source_id: str = "INV-1", days_ago: int = 40, system: str = "niche", **fields: Any
) -> dict[str, Any]:
    opened = _now() - dt.timedelta(days=days_ago)
    return {
        "record_type": "investigation",
        "source_system": system,
        "source_id": source_id,
        "occurred_at": opened.isoformat(),
        "opened_at": opened.isoformat(),
        "people": [person("c1", role="victim", date_of_birth="2012-05-06")],
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


def _hold(*records: dict[str, Any]) -> Record:
    ingest_records(list(records), actor="test")
    return Record.objects.get(source_id=records[0]["source_id"])


def _alert(code: str) -> Alert:
    return Alert.objects.get(code=code)


def _start(client: Client, key: str, record: Record) -> tuple[str, str]:
    url = reverse(f"casework:{key}", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, str(page.context["form"].initial["token"])


def _check(client: Client, key: str, record: Record, data: dict[str, str]) -> tuple[Any, str]:
    """Fill the form and go on to check your answers: (the check page, its url)."""
    url, token = _start(client, key, record)
    sent = client.post(url, {"token": token, **data})
    check = reverse("casework:check", args=[token])
    assert sent.status_code == 302 and sent["Location"] == check, sent.content.decode()[:2000]
    return client.get(check), check


def _signed_in(role: str, **fields: Any) -> tuple[Client, Any]:
    user = make_user(role, **fields)
    client = Client()
    client.force_login(user)
    return client, user


def _written() -> Record:
    return Record.objects.get(source_system="vigil")


# ---- supervisory review ------------------------------------------------------------------


def test_a_supervisory_review_ends_supervision_overdue_and_names_the_reviewer() -> None:
    record = _hold(_investigation())
    overdue, drift = _alert("SUPERVISION_OVERDUE"), _alert("INVESTIGATION_DRIFT")
    client, supervisor = _signed_in("supervisor", full_name="Kim Lee", team="CAIT North")
    reviewed = _now() - dt.timedelta(hours=3)
    shown, check = _check(
        client,
        "supervisory-review",
        record,
        {**_when("at", reviewed), "direction": "Interview the suspect within 7 days"},
    )
    html = shown.content.decode()
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("SUPERVISION_OVERDUE", "ends")
    ]
    assert "Ends: the alert resolves itself" in html
    assert "Interview the suspect within 7 days" in html
    assert not Record.objects.filter(source_system="vigil").exists()  # nothing written yet
    saved = client.post(check, {"confirm": "yes"})
    assert saved.status_code == 302
    overdue.refresh_from_db()
    drift.refresh_from_db()
    assert overdue.status == "resolved"
    assert drift.status == "open"  # a review is no activity
    assert drift.assigned_to is None  # and the review is no late duty of the drift alert
    written = _written()
    assert written.payload["links"] == [
        {"source_system": "niche", "source_id": "INV-1", "relation": "amends"}
    ]
    assert written.payload["record_type"] == "investigation"
    (review,) = written.payload["supervisory_reviews"]
    assert review["by"] == "Kim Lee"
    assert dt.datetime.fromisoformat(review["at"]) == reviewed.replace(second=0, microsecond=0)
    assert written.payload["summary"] == "Interview the suspect within 7 days"
    done = client.get(saved["Location"])
    assert "Supervisory review recorded" in done.content.decode()
    assert [(e.code, e.after) for e in done.context["effects"]] == [("SUPERVISION_OVERDUE", "ends")]
    entry = Entry.objects.get()
    assert entry.written_by == supervisor and entry.target == record


def test_a_review_long_ago_does_not_end_the_alert_and_the_check_page_says_so() -> None:
    record = _hold(_investigation(days_ago=90))
    client, _ = _signed_in("supervisor")
    shown, check = _check(
        client,
        "supervisory-review",
        record,
        {**_when("at", _now() - dt.timedelta(days=60)), "direction": "Seen"},
    )
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("SUPERVISION_OVERDUE", "stays")
    ]
    client.post(check, {"confirm": "yes"})
    alert = _alert("SUPERVISION_OVERDUE")
    assert alert.status == "open" and "last review" in alert.explanation
    assert alert.assigned_to is None  # a current-state rule: never a duty done late


def test_an_investigator_may_not_record_a_supervisory_review_or_an_allocation() -> None:
    record = _hold(_investigation())
    client, _ = _signed_in("investigator")
    for key in ("supervisory-review", "allocation"):
        url = reverse(f"casework:{key}", args=[record.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"direction": "x"}).status_code == 403
    assert not Record.objects.filter(source_system="vigil").exists()
    alert_page = client.get(reverse("alerts:alert", args=[_alert("SUPERVISION_OVERDUE").alert_id]))
    assert "Record a supervisory review" not in alert_page.content.decode()
    supervisor, _ = _signed_in("supervisor")
    offered = supervisor.get(
        reverse("alerts:alert", args=[_alert("SUPERVISION_OVERDUE").alert_id])
    ).content.decode()
    assert "Record a supervisory review" in offered


def test_bad_input_gets_the_error_summary_keeps_what_was_typed_and_writes_nothing() -> None:
    record = _hold(_investigation())
    client, _ = _signed_in("supervisor")
    url, token = _start(client, "supervisory-review", record)
    future = client.post(
        url,
        {"token": token, **_when("at", _now() + dt.timedelta(days=2)), "direction": "Kept words"},
    )
    html = future.content.decode()
    assert future.status_code == 200
    assert "There is a problem" in html and "must be now or in the past" in html
    assert "Kept words" in html
    empty = client.post(url, {"token": token, **_when("at", _now())}).content.decode()
    assert "Enter the direction you gave" in empty
    url, token = _start(client, "investigation-activity", record)
    page = client.post(url, {"token": token, "note": "Typed note"}).content.decode()
    assert "Enter when it was done" in page and "Select what was done" in page
    assert "Typed note" in page
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_a_time_before_the_investigation_opened_is_refused() -> None:
    record = _hold(_investigation(days_ago=40))
    client, _ = _signed_in("supervisor")
    before = _now() - dt.timedelta(days=45)
    for key, data in (
        ("supervisory-review", {"direction": "Too early"}),
        ("investigation-activity", {"type": "other", "note": "Too early"}),
    ):
        url, token = _start(client, key, record)
        page = client.post(url, {"token": token, **_when("at", before), **data})
        html = page.content.decode()
        assert page.status_code == 200
        assert "There is a problem" in html
        assert "must be after the investigation was opened on" in html
    assert not Record.objects.filter(source_system="vigil").exists()


def test_a_closed_investigation_offers_no_oversight() -> None:
    closed = (_now() - dt.timedelta(days=1)).isoformat()
    record = _hold(_investigation(closed_at=closed))
    client, _ = _signed_in("supervisor")
    for key in ("supervisory-review", "investigation-activity", "allocation"):
        assert client.get(reverse(f"casework:{key}", args=[record.pk])).status_code == 404


# ---- activity ----------------------------------------------------------------------------


def test_activity_ends_drift_and_is_stored_as_a_short_type() -> None:
    record = _hold(_investigation())
    drift = _alert("INVESTIGATION_DRIFT")
    client, _ = _signed_in("investigator", team="CAIT North")
    form = client.get(reverse("casework:investigation-activity", args=[record.pk]))
    assert "Suspect interviewed" in form.content.decode()  # plain English labels
    done_at = _now() - dt.timedelta(days=1)
    shown, check = _check(
        client,
        "investigation-activity",
        record,
        {**_when("at", done_at), "type": "suspect_interview", "note": "Interviewed under caution"},
    )
    html = shown.content.decode()
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("INVESTIGATION_DRIFT", "ends")
    ]
    assert "Suspect interviewed" in html and "suspect_interview" not in html
    client.post(check, {"confirm": "yes"})
    drift.refresh_from_db()
    assert drift.status == "resolved"
    (activity,) = _written().payload["activity"]
    assert activity["type"] == "suspect_interview"
    assert activity["note"] == "Interviewed under caution"
    assert _written().payload["summary"] == "Suspect interviewed: Interviewed under caution"
    assert _alert("SUPERVISION_OVERDUE").status == "open"


def test_activity_on_an_investigation_written_in_vigil_writes_its_next_version() -> None:
    record = _hold(_investigation(source_id="inv-own", system="vigil"))
    drift = _alert("INVESTIGATION_DRIFT")
    client, _ = _signed_in("investigator")
    _, check = _check(
        client,
        "investigation-activity",
        record,
        {**_when("at", _now() - dt.timedelta(hours=2)), "type": "other", "note": "Case file"},
    )
    client.post(check, {"confirm": "yes"})
    record.refresh_from_db()
    assert Record.objects.filter(source_system="vigil").count() == 1
    assert record.version == 2
    assert [a["type"] for a in record.payload["activity"]] == ["other"]
    drift.refresh_from_db()
    assert drift.status == "resolved"


# ---- allocation --------------------------------------------------------------------------


def _allocation(
    client: Client, record: Record, officer: Any, at: dt.datetime, specialist: str
) -> tuple[Any, str]:
    return _check(
        client,
        "allocation",
        record,
        {**_when("at", at), "officer": officer.username, "specialist": specialist},
    )


def test_a_specialist_allocation_ends_the_alert_on_a_sexual_abuse_investigation() -> None:
    opened = _now() - dt.timedelta(days=10)
    first = {"at": (opened + dt.timedelta(hours=1)).isoformat(), "officer_id": "1234"}
    record = _hold(_investigation(days_ago=10, offence_group="sexual", allocations=[{**first}]))
    alert = _alert("ALLOCATION_PROBLEM")
    assert "not to a specialist" in alert.explanation
    client, _ = _signed_in("supervisor")
    officer = make_user(
        "investigator", full_name="Sam Patel", rank="DC", staff_number="4521", team="CAIT North"
    )
    page = client.get(reverse("casework:allocation", args=[record.pk])).content.decode()
    assert "DC Sam Patel, CAIT North" in page
    shown, check = _allocation(client, record, officer, _now() - dt.timedelta(hours=1), "yes")
    assert [(e.code, e.after) for e in shown.context["effects"]] == [("ALLOCATION_PROBLEM", "ends")]
    client.post(check, {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "resolved"
    (allocation,) = _written().payload["allocations"]
    assert allocation["officer_id"] == "4521"
    assert allocation["team"] == "CAIT North"
    assert allocation["specialist"] is True


def test_an_allocation_within_a_day_of_opening_ends_never_allocated() -> None:
    record = _hold(_investigation(days_ago=5))
    alert = _alert("ALLOCATION_PROBLEM")
    assert "never allocated" in alert.explanation
    client, _ = _signed_in("supervisor")
    officer = make_user("investigator")  # no staff number: the username names them
    opened = _now() - dt.timedelta(days=5)
    shown, check = _allocation(client, record, officer, opened + dt.timedelta(hours=2), "no")
    assert [(e.code, e.after) for e in shown.context["effects"]] == [("ALLOCATION_PROBLEM", "ends")]
    client.post(check, {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert _written().payload["allocations"][0]["officer_id"] == officer.username


def test_a_first_allocation_after_the_deadline_is_late_and_goes_to_the_supervisor() -> None:
    record = _hold(_investigation(days_ago=5))
    client, supervisor = _signed_in("supervisor", team="CAIT North")
    officer = make_user("investigator")
    shown, check = _allocation(client, record, officer, _now() - dt.timedelta(days=1), "no")
    assert [(e.code, e.after) for e in shown.context["effects"]] == [("ALLOCATION_PROBLEM", "late")]
    client.post(check, {"confirm": "yes"})
    alert = _alert("ALLOCATION_PROBLEM")
    assert alert.status == "open" and "late" in alert.explanation
    assert alert.assigned_to == supervisor  # a supervisor who records it late keeps it


def test_too_many_allocations_can_only_get_worse_and_the_check_page_says_the_alert_stays() -> None:
    opened = _now() - dt.timedelta(days=20)
    held = [
        {"at": (opened + dt.timedelta(days=d, hours=1)).isoformat(), "officer_id": f"10{d}"}
        for d in (0, 4, 8)
    ]
    record = _hold(_investigation(days_ago=20, allocations=held))
    alert = _alert("ALLOCATION_PROBLEM")
    assert "allocated 3 times" in alert.explanation
    client, _ = _signed_in("supervisor")
    form = client.get(reverse("casework:allocation", args=[record.pk])).content.decode()
    assert "allocated 3 times already" in form and "cannot end it" in form
    officer = make_user("investigator")
    shown, check = _allocation(client, record, officer, _now() - dt.timedelta(hours=1), "no")
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("ALLOCATION_PROBLEM", "stays")
    ]
    assert "Stays open: this entry does not end it" in shown.content.decode()
    assert "allocated 4 times" in shown.context["effects"][0].explanation
    client.post(check, {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "open" and "allocated 4 times" in alert.explanation
    assert alert.assigned_to is None  # no duty done late
    assert [e["after"] for e in Entry.objects.get().effects] == ["stays"]


def test_a_third_allocation_raises_the_alert_and_the_check_page_says_so() -> None:
    opened = _now() - dt.timedelta(days=20)
    held = [
        {"at": (opened + dt.timedelta(days=d, hours=1)).isoformat(), "officer_id": f"10{d}"}
        for d in (0, 4)
    ]
    record = _hold(_investigation(days_ago=20, allocations=held))
    assert not Alert.objects.filter(code="ALLOCATION_PROBLEM").exists()
    client, _ = _signed_in("supervisor")
    form = client.get(reverse("casework:allocation", args=[record.pk])).content.decode()
    assert "allocated 2 times already: another allocation raises an alert" in form
    shown, check = _allocation(
        client, record, make_user("investigator"), _now() - dt.timedelta(hours=1), "no"
    )
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("ALLOCATION_PROBLEM", "raised")
    ]
    client.post(check, {"confirm": "yes"})
    assert _alert("ALLOCATION_PROBLEM").status == "open"


def test_only_an_active_investigator_may_be_chosen() -> None:
    record = _hold(_investigation())
    client, _ = _signed_in("supervisor")
    gone = make_user("investigator", is_active=False)
    not_investigator = make_user("call_handler")
    for account in (gone, not_investigator):
        url, token = _start(client, "allocation", record)
        page = client.post(
            url,
            {
                "token": token,
                **_when("at", _now()),
                "officer": account.username,
                "specialist": "no",
            },
        )
        assert "Choose an investigator from the list" in page.content.decode()
    assert not Record.objects.filter(source_system="vigil").exists()


def test_the_investigation_page_offers_each_role_what_it_may_record() -> None:
    record = _hold(_investigation())
    page = reverse("people:record", args=[record.pk])
    supervisor, _ = _signed_in("supervisor")
    offered = supervisor.get(page).content.decode()
    for title in (
        "Record a supervisory review",
        "Record investigation activity",
        "Record an allocation",
    ):
        assert title in offered
    investigator, _ = _signed_in("investigator")
    offered = investigator.get(page).content.decode()
    assert "Record investigation activity" in offered
    assert "Record a supervisory review" not in offered and "Record an allocation" not in offered


def test_changing_a_review_writes_a_new_version_still_naming_the_reviewer() -> None:
    record = _hold(_investigation())
    client, _ = _signed_in("supervisor", full_name="Kim Lee")
    _, check = _check(
        client,
        "supervisory-review",
        record,
        {**_when("at", _now() - dt.timedelta(hours=5)), "direction": "First direction"},
    )
    client.post(check, {"confirm": "yes"})
    entry = Entry.objects.get()
    url = reverse("casework:supervisory-review", args=[record.pk])
    page = client.get(f"{url}?change={entry.token}")
    assert "First direction" in page.content.decode()
    token = str(page.context["form"]["token"].value())
    sent = client.post(
        f"{url}?change={entry.token}",
        {"token": token, **_when("at", _now() - dt.timedelta(hours=4)), "direction": "Second"},
    )
    assert sent.status_code == 302
    client.post(sent["Location"], {"confirm": "yes"})
    written = _written()
    assert written.version == 2 and written.payload["summary"] == "Second"
    assert [r["by"] for r in written.payload["supervisory_reviews"]] == ["Kim Lee"]
    assert _alert("SUPERVISION_OVERDUE").status == "resolved"
