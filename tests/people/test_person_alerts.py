"""A child's page keeps closed and resolved alerts, with how they ended and their history in
words, under the open ones; the explanation and what people wrote stay withheld where the
alert draws on a restricted record."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import ago, finding
from tests.people.test_people_pages import give_purpose
from vigil.accounts.models import User
from vigil.alerts.actions import acknowledge, assign, close, sync_findings
from vigil.alerts.models import Alert
from vigil.identity.models import Person

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", " ", page.split("<main", 1)[1]))


@pytest.fixture
def ended(build_force: Callable[..., dict[str, Person]]) -> dict[str, Alert]:
    build_force()
    jo = User.objects.create(username="jo.mash", role="mash", full_name="Jo Bloggs")
    sam = User.objects.create(username="sam.inv", role="investigator", full_name="Sam Patel")
    sync_findings(
        [
            finding(
                "P-william", "REPEAT_MISSING", raised_at=ago(days=9), evidence=(("test", "MIS-1"),)
            ),
            finding(
                "P-william",
                "CHILD_NOT_SEEN_OR_HEARD",
                "medium",
                raised_at=ago(days=8),
                evidence=(("test", "CALL-1"),),
            ),
            finding(
                "P-william",
                "INTELLIGENCE_NOT_ACTIONED",
                raised_at=ago(days=7),
                evidence=(("test", "INT-1"),),
            ),
            finding(
                "P-william",
                "CUMULATIVE_DOMESTIC_ABUSE",
                raised_at=ago(days=6),
                evidence=(("test", "CRIME-DA"),),
            ),
        ],
        ago(days=1),
        in_scope=[],
    )
    alerts = {a.code: a for a in Alert.objects.filter(person_id="P-william")}
    closed = alerts["REPEAT_MISSING"]
    assign(closed, actor=jo, assignee=sam)
    acknowledge(closed, actor=sam, note="Spoke to the carer.")
    close(
        closed,
        actor=sam,
        outcome="referral_made",
        rationale="Return interviews done; referred to the exploitation team.",
    )
    secret = alerts["INTELLIGENCE_NOT_ACTIONED"]
    acknowledge(secret, actor=sam, note="INTEL-NOTE")
    close(secret, actor=sam, outcome="duplicate", rationale="INTEL-RATIONALE")
    # The rules no longer find the DA alert: it resolves itself.
    sync_findings(
        [
            finding(
                "P-william",
                "CHILD_NOT_SEEN_OR_HEARD",
                "medium",
                raised_at=ago(days=8),
                evidence=(("test", "CALL-1"),),
            ),
        ],
        ago(hours=1),
        in_scope=["person:P-william"],
    )
    return {a.code: a for a in Alert.objects.filter(person_id="P-william")}


def test_closed_and_resolved_alerts_stay_with_their_history(
    ended: dict[str, Alert], client_for: Clients
) -> None:
    assert ended["REPEAT_MISSING"].status == "closed"
    assert ended["CUMULATIVE_DOMESTIC_ABUSE"].status == "resolved"
    page = client_for("investigator").get("/people/P-william/").content.decode()
    text = text_of(page)
    open_part, ended_part = text.split("Closed and resolved alerts", 1)
    assert "Child present but not seen or heard" in open_part
    assert "Missing 3 or more times in 90 days" not in open_part
    # How it ended: who closed it and why, in words.
    assert "Missing 3 or more times in 90 days" in ended_part
    assert "Closed" in ended_part and "by Sam Patel" in ended_part
    assert "Return interviews done; referred to the exploitation team." in ended_part
    assert "Referral made to children's social care" in ended_part  # the outcome, in words
    # Its history: who, when, what, by name (never a username or the engine's id).
    assert re.search(r"Assigned, by Jo Bloggs\.\s*To Sam Patel", ended_part)
    assert "Acknowledged, by Sam Patel" in ended_part and "Spoke to the carer." in ended_part
    assert "Raised by Vigil's rules, by Vigil" in ended_part
    assert "jo.mash" not in text and "sam.inv" not in text and "system:rules" not in text
    # A resolved alert says so.
    assert "Exposed to 3 or more domestic abuse incidents in 365 days" in ended_part
    assert "Resolved: the condition no longer holds" in ended_part
    # The most recently ended first.
    assert ended_part.index("Exposed to 3") < ended_part.index("Missing 3 or more")
    # No person id shown as text.
    # No person id shown as text (the fixture's explanations name one: they are the rules').
    for alert in ended.values():
        text = text.replace(alert.explanation, "")
    assert "P-william" not in text


def test_restricted_alerts_keep_what_people_wrote_withheld(
    ended: dict[str, Alert], client_for: Clients
) -> None:
    investigator = client_for("investigator").get("/people/P-william/").content.decode()
    assert "INTEL-RATIONALE" in investigator and "INTEL-NOTE" in investigator
    officer = client_for("response_officer").get("/people/P-william/").content.decode()
    assert "Exploitation intelligence not followed up within 14 days" in officer
    assert "INTEL-RATIONALE" not in officer and "INTEL-NOTE" not in officer
    assert "The reasons draw on a restricted record" in officer
    assert "Spoke to the carer." in officer  # an alert without restricted evidence


def test_partners_see_no_alerts_open_or_ended(ended: dict[str, Alert], client_for: Clients) -> None:
    client = client_for("partner_csc")
    give_purpose(client)
    page = client.get("/people/P-william/").content.decode()
    assert "Shared under the" in page
    assert "Closed and resolved alerts" not in page and "Return interviews done" not in page
    assert "Missing 3 or more" not in page


def test_person_page_queries_do_not_grow_with_alert_history(
    ended: dict[str, Alert], client_for: Clients
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("supervisor")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/people/P-william/").status_code == 200
        return len(queries.captured_queries)

    before = count()
    alert = ended["CHILD_NOT_SEEN_OR_HEARD"]
    for n in range(5):
        user = User.objects.create(username=f"extra{n}", role="mash", full_name=f"Extra {n}")
        assign(alert, actor=user, assignee=user)
    assert count() == before
