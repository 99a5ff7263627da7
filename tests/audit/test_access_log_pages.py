"""Issue 15 item 8: the access log for the people who use it — filtered by person, record, user,
date and purpose; each entry in words, never an id or a program value; a formula-safe CSV; and
who has looked at one person."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import person, record
from vigil.audit import log, naming, words
from vigil.audit.actions import AuditAction
from vigil.audit.models import AuditEntry
from vigil.audit.views import safe_cell, who_looked
from vigil.identity.models import Person
from vigil.identity.store import relink_all
from vigil.records.models import Record

pytestmark = pytest.mark.django_db
LOG = reverse("audit:log")


def test_every_action_has_wording() -> None:
    assert set(words.SENTENCES) == set(AuditAction)
    names = naming.Names()
    for action in AuditAction:
        text = words.sentence(action.value, "", {}, names)
        assert text and "{" not in text and "_" not in text, action
        assert words.label(action)


@pytest.fixture
def amy(import_records: Callable[..., Any]) -> dict[str, Any]:
    import_records(
        [
            record(
                "call",
                "C-1",
                [person("c", "child_present", "Amy", "Stone", "2009-04-01")],
                source_system="storm",
            ),
            record("call", "C-2", [person("c", "child_present", "Bo", "Reed", "2010-06-02")]),
        ]
    )
    relink_all(actor="test")
    pid = Person.objects.get(links__mention__forename="Amy").person_id
    return {"person_id": pid, "record": Record.objects.get(source_id="C-1")}


def test_entries_read_as_sentences(as_role: Any, amy: dict[str, Any]) -> None:
    officer, user = as_role("investigator")
    assert officer.get(reverse("people:person", args=[amy["person_id"]])).status_code == 200
    assert officer.get(reverse("people:record", args=[amy["record"].pk])).status_code == 200
    officer.post(
        reverse("people:search"),
        {"surname": "Stone", "dob_day": "1", "dob_month": "4", "dob_year": "2009"},
    )
    log.record(user.username, AuditAction.ALERT_CLOSE, "alert:A-123")
    log.record(
        user.username,
        AuditAction.ALERT_LIST,
        "alert-queue",
        detail={"filters": {"status": "closed"}},
    )
    auditor, _ = as_role("auditor")
    text = auditor.get(LOG).content.decode()
    assert "Viewed the person page of Amy Stone, born 1 April 2009" in text
    assert "Viewed the call of 5 January 2026" in text
    assert "Searched for a person by name and date of birth: 1 person found" in text
    assert "Closed an alert" in text and "Viewed the alert queue, filtered by status" in text
    # Never an id or a program value.
    assert amy["person_id"] not in text.replace(f"/audit/people/{amy['person_id']}/", "")
    assert "{&#x27;status&#x27;" not in text and "'status'" not in text
    assert "person.view" not in text.split("<select", 1)[0]


def test_filters_by_person_record_user_date_and_purpose(as_role: Any, amy: dict[str, Any]) -> None:
    officer, user = as_role("investigator")
    officer.get(reverse("people:person", args=[amy["person_id"]]))
    officer.get(reverse("people:record", args=[amy["record"].pk]))
    bo = Person.objects.get(links__mention__forename="Bo").person_id
    officer.get(reverse("people:person", args=[bo]))
    log.record(
        "partner1",
        AuditAction.PERSON_VIEW,
        amy["person_id"],
        reason="Child protection enquiry (Children Act 1989 section 47): case 77",
    )
    auditor, _ = as_role("auditor")

    def sentences(**query: str) -> list[str]:
        response = auditor.get(LOG, query)
        assert response.status_code == 200, response.content.decode()
        return [e.sentence for e in response.context["page"].object_list]

    about_amy = sentences(person="amy stone")
    assert about_amy and all("Amy Stone" in s or "call of" in s for s in about_amy)
    assert "Viewed the call of 5 January 2026" in about_amy  # a record naming her counts
    assert not any("Bo Reed" in s for s in about_amy)
    assert sentences(person=amy["person_id"]) == about_amy
    assert sentences(record="storm/C-1") == ["Viewed the call of 5 January 2026"]
    assert sentences(record="C-1") == ["Viewed the call of 5 January 2026"]
    assert any("Bo Reed" in s for s in sentences(actor=user.username))
    assert sentences(actor=user.username, since="01/01/2100") == []
    assert sentences(purpose="s47_enquiry") == [
        "Viewed the person page of Amy Stone, born 1 April 2009"
    ]
    nobody = auditor.get(LOG, {"person": "Zed Nobody"})
    assert "No one held is called" in nobody.content.decode()
    assert list(nobody.context["page"].object_list) == []


@pytest.mark.parametrize(
    "query",
    [
        {"since": "31/02/2026"},
        {"since": "2026-03-02", "until": "2026-03-01"},
        {"purpose": "curiosity"},
        {"action": "person.peek"},
        {"person": "x" * 101},
    ],
)
def test_bad_filters_follow_the_error_pattern(as_role: Any, query: dict[str, str]) -> None:
    auditor, _ = as_role("auditor")
    response = auditor.get(LOG, query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and "govuk-form-group--error" in text
    assert "<caption" not in text  # no entries shown under a filter that was not understood


def test_csv_export_is_formula_safe_and_logged(as_role: Any, amy: dict[str, Any]) -> None:
    for value, safe in [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
    ]:
        assert safe_cell(value) == safe
    log.record(
        "=cmd|' /C calc'!A0", AuditAction.PERSON_VIEW, amy["person_id"], reason="=HYPERLINK(1)"
    )
    auditor, user = as_role("auditor")
    response = auditor.get(reverse("audit:export"), {"person": "Amy Stone"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[0] == ["When", "Who", "Username", "What was done", "Why"]
    assert rows[1][2] == "'=cmd|' /C calc'!A0" and rows[1][4] == "'=HYPERLINK(1)"
    assert rows[1][3] == "Viewed the person page of Amy Stone, born 1 April 2009"
    entry = AuditEntry.objects.filter(action="audit.export").last()
    assert entry is not None and entry.actor == user.username
    assert entry.detail["filters"] == {"person": "Amy Stone"}


def test_who_looked_panel_and_page(as_role: Any, amy: dict[str, Any]) -> None:
    officer, user = as_role("investigator")
    officer.get(reverse("people:person", args=[amy["person_id"]]))
    officer.get(reverse("people:record", args=[amy["record"].pk]))
    looked = who_looked(amy["person_id"], 5)
    assert [e.sentence for e in looked] == [  # type: ignore[attr-defined]
        "Viewed the call of 5 January 2026",
        "Viewed the person page of Amy Stone, born 1 April 2009",
    ]
    assert all(e.actor == user.username for e in looked)
    panel = render_to_string(
        "audit/_who_looked.html", {"looked": looked, "person_id": amy["person_id"]}
    )
    assert "Who has looked at this person" in panel
    assert f'href="/audit/people/{amy["person_id"]}/"' in panel
    assert user.full_name in panel

    url = reverse("audit:person", args=[amy["person_id"]])
    for role in ("supervisor", "auditor"):
        client, viewer = as_role(role)
        page = client.get(url)
        assert page.status_code == 200, role
        assert "Amy Stone, born 1 April 2009" in page.content.decode()
        assert AuditEntry.objects.filter(
            actor=viewer.username, action="audit.view_person", target=amy["person_id"]
        ).exists()
    for role in ("investigator", "mash"):
        client, _ = as_role(role)
        assert client.get(url).status_code == 403, role
    auditor, _ = as_role("auditor")
    assert auditor.get(reverse("audit:person", args=["no-such-person"])).status_code == 404
