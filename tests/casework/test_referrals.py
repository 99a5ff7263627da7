"""The front door (MASH): the referrals inbox and its first-working-day clocks, the referral
decision (in time it ends REFERRAL_NO_DECISION; late it stays, marked late, with the supervisor),
feedback to the referrer, the background checks beside the decision and their access-log
entries, and partners kept to referrals about people they gave a purpose for."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user, person
from vigil.alerts.engine import assess
from vigil.alerts.models import Alert
from vigil.audit.models import AuditEntry
from vigil.casework import front_door
from vigil.casework.flows import referrals as flows
from vigil.casework.models import Entry
from vigil.identity.models import MentionLink
from vigil.ingest.pipeline import ingest_records
from vigil.records.contract import Referral, parse_record
from vigil.records.models import Record

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db(transaction=True)

CHILD = {"forename": "Amy", "surname": "Stone", "date_of_birth": "2015-04-01"}
MOTHER = {"forename": "Jo", "surname": "Stone", "date_of_birth": "1988-07-09"}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _referral(
    source_id: str,
    received: dt.datetime,
    *,
    to_agency: str = "mash",
    child: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    child = child or CHILD
    return {
        "record_type": "referral",
        "source_system": "niche",
        "source_id": source_id,
        "occurred_at": _iso(received),
        "from_unit": "Response North",
        "to_agency": to_agency,
        "sent_at": _iso(received),
        "received_at": _iso(received),
        "people": [
            person("c1", role="subject", **child),
            person("m1", role="parent_carer", **MOTHER),
            person("p1", role="professional", forename="Sam", surname="Jones", date_of_birth=None),
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


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _decide(
    client: Client,
    record: Record,
    at: dt.datetime,
    decision: str = "section_17",
    rationale: str = "Checks show neglect concerns; an assessment is needed.",
) -> tuple[Any, str]:
    url = reverse("casework:referral-decision", args=[record.pk])
    token = str(uuid.uuid4())
    data = {
        "token": token,
        "decision": decision,
        "rationale": rationale,
        **_when("decision_at", at),
    }
    return client.post(url, data), token


def _person_id(source_id: str, mention_id: str) -> str:
    return str(
        MentionLink.objects.get(
            mention__record__source_id=source_id, mention__mention_id=mention_id
        ).person.person_id
    )


# ---- the clock -----------------------------------------------------------------------------


def _parsed(received: dt.datetime, **fields: Any) -> Referral:
    record = parse_record(_referral("R-X", received, **fields))
    assert isinstance(record, Referral)
    return record


def test_the_clock_runs_to_the_end_of_the_first_working_day_after_arrival() -> None:
    # Friday afternoon: due by the end of Monday.
    friday = dt.datetime(2026, 2, 27, 16, 30, tzinfo=LONDON)
    before = front_door.clock_of(_parsed(friday), friday + dt.timedelta(hours=1), 1)
    assert before.deadline == dt.datetime(2026, 3, 3, 0, 0, tzinfo=LONDON)
    assert before.text == "Due by the end of Monday 2 March"
    assert before.tag == ("Due", "blue")
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    assert front_door.clock_of(_parsed(friday), monday, 1).tag == ("Due today", "yellow")
    late = front_door.clock_of(_parsed(friday), dt.datetime(2026, 3, 5, 1, 0, tzinfo=LONDON), 1)
    assert late.overdue and late.text == "Overdue by 2 days" and late.tag == ("Overdue", "red")
    hours = front_door.clock_of(_parsed(friday), dt.datetime(2026, 3, 3, 5, 0, tzinfo=LONDON), 1)
    assert hours.text == "Overdue by 5 hours"
    # Maundy Thursday: Good Friday and Easter Monday are bank holidays, so Tuesday.
    easter = front_door.clock_of(
        _parsed(dt.datetime(2026, 4, 2, 11, 0, tzinfo=LONDON)),
        dt.datetime(2026, 4, 2, 12, 0, tzinfo=LONDON),
        1,
    )
    assert easter.text == "Due by the end of Tuesday 7 April"
    # Another year is named; without received_at the clock runs from sent_at.
    sent_only = _parsed(friday, received_at=None)
    assert (
        front_door.clock_of(sent_only, dt.datetime(2027, 1, 1, tzinfo=LONDON), 1).deadline
        == before.deadline
    )
    assert front_door.clock_of(_parsed(friday), friday, 1).due_text.endswith("2 March")
    ahead = front_door.clock_of(_parsed(friday), dt.datetime(2025, 12, 1, tzinfo=LONDON), 1)
    assert ahead.due_text == "Due by the end of Monday 2 March 2026"


# ---- the inbox -----------------------------------------------------------------------------


def _held(now: dt.datetime) -> dict[str, Record]:
    old = now - dt.timedelta(days=10)
    records = [
        _referral("R-NEW", now - dt.timedelta(minutes=30)),
        _referral(
            "R-OLD",
            old,
            child={"forename": "Ben", "surname": "Hale", "date_of_birth": "2014-01-02"},
        ),
        _referral("R-DECIDED", old, decision_at=_iso(old), decision="early_help"),
        _referral("R-HEALTH", old, to_agency="health"),
        _referral("R-AMENDED", old - dt.timedelta(days=1)),
    ]
    ingest_records(records, actor="test")
    # Decided in Vigil: an amendment through the importer, as `vigil import` would bring it.
    amendment = {
        "record_type": "referral",
        "source_system": "vigil",
        "source_id": "referral-decision-x",
        "occurred_at": _iso(old + dt.timedelta(hours=2)),
        "recorded_at": _iso(old + dt.timedelta(hours=2)),
        "people": [],
        "decision_at": _iso(old + dt.timedelta(hours=2)),
        "decision": "no_further_action",
        "links": [{"source_system": "niche", "source_id": "R-AMENDED", "relation": "amends"}],
    }
    ingest_records([amendment], actor="test")
    return {r.source_id: r for r in Record.objects.filter(source_system="niche")}


def test_the_inbox_lists_undecided_referrals_oldest_clock_first() -> None:
    now = timezone.now()
    held = _held(now)
    mash = make_user("mash")
    page = _client(mash).get(reverse("casework:referrals"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [r["record"].source_id for r in rows] == ["R-OLD", "R-NEW"]
    old, new = rows
    assert old["clock"].overdue and old["clock"].text.startswith("Overdue by ")
    assert old["clock"].tag == ("Overdue", "red")
    assert not new["clock"].overdue and new["clock"].text.startswith("Due by the end of ")
    today = timezone.localdate()
    ben = today.year - 2014 - ((today.month, today.day) < (1, 2))
    assert [(p["name"], p["age"], p["child"]) for p in old["people"]] == [
        ("Ben Hale", ben, True),
        ("Jo Stone", today.year - 1988 - ((today.month, today.day) < (7, 9)), False),
    ]
    html = page.content.decode()
    assert "Overdue by " in html and "Due by the end of " in html
    assert (
        f"Ben Hale</a>, {ben}" in html and "Sam Jones" not in html
    )  # the referrer is not who it is about
    assert reverse("casework:referral-decision", args=[held["R-OLD"].pk]) in html
    entry = AuditEntry.objects.get(action="referral.list")
    assert entry.actor == mash.username
    assert entry.detail["records"] == ["niche/R-OLD", "niche/R-NEW"]
    # The clock and the rule agree: the alert was raised at the inbox's deadline.
    alert = Alert.objects.get(code="REFERRAL_NO_DECISION", record_source_id="R-OLD")
    assert alert.raised_at == old["clock"].deadline
    assert not Alert.objects.live().filter(
        code="REFERRAL_NO_DECISION", record_source_id="R-AMENDED"
    )


def _page_queries(captured: CaptureQueriesContext) -> int:
    """The page's own queries: not the access log's (which writes a signed checkpoint now and
    then, on a timer) nor the session's."""
    return sum(
        1
        for q in captured.captured_queries
        if "audit_" not in q["sql"] and "django_session" not in q["sql"]
    )


def test_the_inbox_is_a_fixed_number_of_queries_whatever_the_number_of_referrals() -> None:
    now = timezone.now()
    ingest_records([_referral("R-1", now - dt.timedelta(days=3))], actor="test")
    client = _client(make_user("supervisor"))
    url = reverse("casework:referrals")
    client.get(url)  # sessions and the like settle
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    ingest_records(
        [_referral(f"R-{i}", now - dt.timedelta(days=i, hours=1)) for i in range(2, 28)],
        actor="test",
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(page.context["rows"]) == 25
    assert _page_queries(many) == _page_queries(one)
    # Oldest first, paged.
    assert [r["record"].source_id for r in page.context["rows"]] == [
        f"R-{i}" for i in range(27, 2, -1)
    ]
    assert 'aria-label="Page 1 of 2"' in page.content.decode()
    second = client.get(f"{url}?page=2")
    # R-1 arrived 3 days ago, between R-3 (3 days 1 hour) and R-2 (2 days 1 hour).
    assert [r["record"].source_id for r in second.context["rows"]] == ["R-1", "R-2"]


def test_the_inbox_is_in_the_navigation_of_those_who_work_it() -> None:
    assert (
        "Referrals"
        in _client(make_user("mash")).get(reverse("casework:referrals")).content.decode()
    )
    home = _client(make_user("investigator")).get(reverse("work:mine")).content.decode()
    assert reverse("casework:referrals") not in home
    assert _client(make_user("investigator")).get(reverse("casework:referrals")).status_code == 403


# ---- the decision --------------------------------------------------------------------------


@pytest.fixture
def overdue() -> tuple[Record, Alert]:
    received = timezone.now() - dt.timedelta(days=10)
    ingest_records([_referral("R-1", received)], actor="test")
    return Record.objects.get(source_id="R-1"), Alert.objects.get(code="REFERRAL_NO_DECISION")


def test_a_decision_in_time_ends_the_alert(overdue: tuple[Record, Alert]) -> None:
    record, alert = overdue
    mash = make_user("mash", team="MASH")
    client = _client(mash)
    received = record.occurred_at
    sent, token = _decide(client, record, received + dt.timedelta(hours=3), "section_47")
    check = reverse("casework:check", args=[token])
    assert sent.status_code == 302 and sent["Location"] == check
    shown = client.get(check)
    # Section 47 ten days ago with no strategy discussion since: that alert is what it leads to.
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("REFERRAL_NO_DECISION", "ends"),
        ("NO_STRATEGY_DISCUSSION", "raised"),
    ]
    assert "Child protection enquiry (section 47)" in shown.content.decode()
    assert not Record.objects.filter(source_system="vigil").exists()
    done = client.get(client.post(check, {"confirm": "yes"})["Location"])
    assert "Referral decision recorded" in done.content.decode()
    alert.refresh_from_db()
    assert alert.status == "resolved"
    written = Record.objects.get(source_system="vigil")
    assert written.payload["decision"] == "section_47"
    assert written.payload["summary"].startswith(
        "Referral decision: Child protection enquiry (section 47). Why: Checks show"
    )
    assert written.payload["links"] == [
        {"source_system": "niche", "source_id": "R-1", "relation": "amends"}
    ]
    # Decided: gone from the inbox; the form page says a decision is recorded.
    assert client.get(reverse("casework:referrals")).context["rows"] == []
    again = client.get(reverse("casework:referral-decision", args=[record.pk])).content.decode()
    assert "A decision is already recorded: child protection enquiry (section 47)" in again


def test_a_decision_before_the_deadline_means_the_alert_never_appears() -> None:
    received = timezone.now() - dt.timedelta(minutes=20)
    ingest_records([_referral("R-1", received)], actor="test")
    record = Record.objects.get(source_id="R-1")
    client = _client(make_user("mash"))
    _, token = _decide(client, record, received + dt.timedelta(minutes=10), "no_further_action")
    check = reverse("casework:check", args=[token])
    assert client.get(check).context["effects"] == []
    client.post(check, {"confirm": "yes"})
    assess(timezone.now() + dt.timedelta(days=10))
    assert not Alert.objects.filter(code="REFERRAL_NO_DECISION").exists()


def test_a_late_decision_stays_a_finding_and_goes_to_the_supervisor(
    overdue: tuple[Record, Alert],
) -> None:
    record, alert = overdue
    supervisor = make_user("supervisor", team="MASH")
    mash = make_user("mash", team="MASH")
    client = _client(mash)
    _, token = _decide(client, record, timezone.now() - dt.timedelta(hours=1), "early_help")
    check = reverse("casework:check", args=[token])
    shown = client.get(check)
    assert [(e.code, e.after) for e in shown.context["effects"]] == [
        ("REFERRAL_NO_DECISION", "late")
    ]
    assert "Stays open, marked late" in shown.content.decode()
    client.post(check, {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "open"
    assert "late" in alert.explanation and "decided" in alert.explanation
    assert alert.assigned_to == supervisor
    assert Entry.objects.get().effects[0]["after"] == "late"
    # Decided, if late: no longer waiting in the inbox.
    assert client.get(reverse("casework:referrals")).context["rows"] == []


def test_bad_input_keeps_what_was_typed_and_writes_nothing(overdue: tuple[Record, Alert]) -> None:
    record, _ = overdue
    client = _client(make_user("mash"))
    url = reverse("casework:referral-decision", args=[record.pk])
    missing = client.post(url, {"token": str(uuid.uuid4()), "rationale": "Typed words kept"})
    html = missing.content.decode()
    assert missing.status_code == 200 and "There is a problem" in html
    assert "Select the decision" in html and "Enter when the decision was made" in html
    assert "Typed words kept" in html
    early, _ = _decide(client, record, record.occurred_at - dt.timedelta(days=1), rationale="Kept")
    text = early.content.decode()
    assert "The time of the decision must be after the referral arrived" in text
    assert "Kept" in text and 'value="section_17" checked' in text
    future, _ = _decide(client, record, timezone.now() + dt.timedelta(days=2))
    assert "must be now or in the past" in future.content.decode()
    blank = client.post(url, {"token": str(uuid.uuid4()), "decision": "section_17"})
    assert "Enter why this decision was made" in blank.content.decode()
    assert not Record.objects.filter(source_system="vigil").exists()
    assert not Entry.objects.exists()


def test_the_alert_page_offers_the_decision_to_those_who_decide(
    overdue: tuple[Record, Alert],
) -> None:
    _, alert = overdue
    url = reverse("alerts:alert", args=[alert.alert_id])
    assert "Record a referral decision" in _client(make_user("mash")).get(url).content.decode()
    investigator = _client(make_user("investigator")).get(url).content.decode()
    assert "Record a referral decision" not in investigator


# ---- feedback ------------------------------------------------------------------------------


def test_feedback_to_the_referrer_is_an_amendment_giving_feedback_at(
    overdue: tuple[Record, Alert],
) -> None:
    record, _ = overdue
    client = _client(make_user("mash"))
    url = reverse("casework:referral-feedback", args=[record.pk])
    assert "Record feedback to the referrer" in client.get(url).content.decode()
    token = str(uuid.uuid4())
    bad = client.post(url, {"token": token, "said": "Typed and kept"})
    text = bad.content.decode()
    assert (
        "Enter who was given the feedback" in text and "Select how the feedback was given" in text
    )
    assert "Typed and kept" in text
    at = timezone.now() - dt.timedelta(hours=2)
    sent = client.post(
        url,
        {
            "token": token,
            "given_to": "PC Sam Jones, Response North",
            "means": "phone",
            "said": "Early help offered to the family.",
            **_when("feedback_at", at),
        },
    )
    check = reverse("casework:check", args=[token])
    assert sent["Location"] == check
    client.post(check, {"confirm": "yes"})
    written = Record.objects.get(source_system="vigil")
    assert written.payload["feedback_at"].startswith(at.astimezone(dt.UTC).date().isoformat())
    assert written.payload["summary"] == (
        "Feedback to the referrer given to PC Sam Jones, Response North, by phone. "
        "What they were told: Early help offered to the family."
    )
    # Feedback is not a decision: the referral still waits, and its alert stays.
    assert Alert.objects.get(code="REFERRAL_NO_DECISION").status == "open"
    assert [
        r["record"].source_id for r in client.get(reverse("casework:referrals")).context["rows"]
    ] == ["R-1"]


# ---- background checks ---------------------------------------------------------------------


def test_the_decision_page_shows_background_checks_and_logs_each_person(
    overdue: tuple[Record, Alert],
) -> None:
    record, _ = overdue
    missing = {
        "record_type": "missing",
        "source_system": "compact",
        "source_id": "M-1",
        "occurred_at": _iso(timezone.now() - dt.timedelta(days=40)),
        "people": [person("c1", role="missing_person", flags=["cse_risk"], **CHILD)],
        "reported_at": _iso(timezone.now() - dt.timedelta(days=40)),
    }
    # The referral follows from a crime naming an adult it does not: checked too.
    crime = {
        "record_type": "crime",
        "source_system": "niche",
        "source_id": "CR-1",
        "occurred_at": _iso(record.occurred_at - dt.timedelta(days=1)),
        "offence_group": "neglect",
        "people": [
            person(
                "s1",
                role="suspect",
                forename="Dan",
                surname="Roe",
                date_of_birth="1980-02-02",
                address="9 Low Road, Leeds",
                postcode="LS9 9ZZ",
            )
        ],
    }
    linked = {
        **_referral("R-1", record.occurred_at),
        "links": [{"source_system": "niche", "source_id": "CR-1", "relation": "follows_from"}],
    }
    ingest_records([missing, crime, linked], actor="test")
    mash = make_user("mash")
    client = _client(mash)
    page = client.get(reverse("casework:referral-decision", args=[record.pk]))
    assert page.status_code == 200
    panel = page.context["panel"]
    child, mother, suspect = panel["people"]
    assert (suspect.name, suspect.roles, dict(suspect.counts)) == (
        "Dan Roe",
        ["suspect"],
        {"Crime": 1},
    )
    assert child.name == "Amy Stone" and child.is_child and child.roles == ["subject"]
    assert child.flags == ["At risk of child sexual exploitation"]
    assert dict(child.counts) == {"Missing or absent episode": 1, "Referral": 1}
    assert [r["kind"] for r in child.latest] == ["Referral", "Missing or absent episode"]
    assert [a["title"] for a in child.alerts] == [
        "Missing, with signs of exploitation",
        "Referral with no decision",
    ]
    assert all(a["url"] for a in child.alerts)
    assert mother.name == "Jo Stone" and not mother.is_child and mother.flags == []
    html = page.content.decode()
    assert "Background checks" in html and "Overdue by" in html
    assert reverse("people:person", args=[child.person_id]) in html
    assert "Sam Jones" not in html  # the referrer is not checked
    logged = AuditEntry.objects.filter(action="person.check", actor=mash.username)
    assert sorted(e.target for e in logged) == sorted(
        [child.person_id, mother.person_id, suspect.person_id]
    )
    assert all(e.detail["referral"] == "niche/R-1" for e in logged)


# ---- partners ------------------------------------------------------------------------------


def test_partners_decide_only_referrals_about_people_they_gave_a_purpose_for(
    overdue: tuple[Record, Alert],
) -> None:
    from vigil.people.views import PURPOSES_KEY

    assert flows.PURPOSES_KEY == PURPOSES_KEY
    record, _ = overdue
    partner = make_user("partner_csc")
    client = _client(partner)
    url = reverse("casework:referral-decision", args=[record.pk])
    feedback = reverse("casework:referral-feedback", args=[record.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"token": str(uuid.uuid4())}).status_code == 403
    assert client.get(feedback).status_code == 403
    child = _person_id("R-1", "c1")
    given = client.post(
        reverse("people:person", args=[child]),
        {"purpose": "s47_enquiry", "detail": "Case 12345: strategy discussion preparation"},
    )
    assert given.status_code == 302
    page = client.get(url)
    assert page.status_code == 200 and client.get(feedback).status_code == 200
    assert page.context["panel"] is None
    html = page.content.decode()
    assert "Background checks" not in html and "Jo Stone" not in html
    assert not AuditEntry.objects.filter(action="person.check").exists()
    _, token = _decide(client, record, record.occurred_at + dt.timedelta(hours=1), "section_47")
    check = reverse("casework:check", args=[token])
    # What saving does, as far as the agreement goes: the alert this ends, by title; not the
    # strategy discussion alert a section 47 decision ten days ago raises, nor explanations.
    shown = client.get(check)
    assert [(e.code, e.after, e.explanation, e.alert_id) for e in shown.context["effects"]] == [
        ("REFERRAL_NO_DECISION", "ends", "", "")
    ]
    text = shown.content.decode()
    assert "Referral with no decision" in text and "/alerts/" not in text
    assert "strategy discussion" not in text.lower()
    done = client.get(client.post(check, {"confirm": "yes"})["Location"])
    assert [e.code for e in done.context["effects"]] == ["REFERRAL_NO_DECISION"]
    assert Record.objects.get(source_system="vigil").payload["decision"] == "section_47"
    assert Alert.objects.live().filter(code="NO_STRATEGY_DISCUSSION").exists()
    # A referral about someone else: refused, even with a purpose given for another person.
    ingest_records(
        [
            _referral(
                "R-2",
                timezone.now() - dt.timedelta(days=3),
                child={"forename": "Zed", "surname": "Quinn", "date_of_birth": "2013-03-03"},
            )
        ],
        actor="test",
    )
    other = Record.objects.get(source_id="R-2")
    # R-2 names the same mother: a purpose for the child does not open it.
    assert client.get(reverse("casework:referral-decision", args=[other.pk])).status_code == 403


def test_a_referral_written_in_vigil_is_decided_by_its_next_version() -> None:
    received = timezone.now() - dt.timedelta(days=10)
    own = {**_referral("referral-own-1", received), "source_system": "vigil"}
    ingest_records([own], actor="test")
    record = Record.objects.get(source_system="vigil", source_id="referral-own-1")
    alert = Alert.objects.get(code="REFERRAL_NO_DECISION")
    client = _client(make_user("mash"))
    assert [r["record"].pk for r in client.get(reverse("casework:referrals")).context["rows"]] == [
        record.pk
    ]
    _, token = _decide(client, record, received + dt.timedelta(hours=1), "early_help")
    client.post(reverse("casework:check", args=[token]), {"confirm": "yes"})
    record.refresh_from_db()
    assert record.version == 2 and record.payload["decision"] == "early_help"
    assert Record.objects.filter(source_system="vigil").count() == 1  # no amendment of it
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert client.get(reverse("casework:referrals")).context["rows"] == []
