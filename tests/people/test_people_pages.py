"""Search, person, record and address pages: what they show, to whom, and what they log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import add_alert
from vigil.audit.models import AuditEntry
from vigil.identity.models import Person, ReviewPair
from vigil.records.models import Location, PersonMention, Record

Clients = Callable[[str], Client]

pytestmark = pytest.mark.django_db


def rec(source_id: str) -> int:
    return Record.objects.get(source_id=source_id).pk


def search(client: Client, **data: Any) -> str:
    response = client.post("/search/", data)
    assert response.status_code == 200
    return response.content.decode()


# ---- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"surname": "Stoan"},  # misspelt, sounds the same
        {"surname": "Stone", "forename": "Bill"},  # nickname of William
        {"surname": "Ston", "forename": "Wiliam"},  # typing errors
        {"place": "ls1 1aa"},  # postcode, written any way
        {"place": "High Street"},  # part of an address
        {"phone": "+44 7700 900123"},  # phone, international form
        {"vehicle": "ab12cde"},  # vehicle registration
        {"dob_day": "3", "dob_month": "5", "dob_year": "2012"},
        {"dob_day": "5", "dob_month": "3", "dob_year": "2012"},  # day and month swapped
        {"surname": "Stone", "age": "8"},  # age is computed today (± 1)
    ],
)
def test_search_finds_the_child(
    force: dict[str, Person], client_for: Clients, data: dict[str, str]
) -> None:
    client = client_for("investigator")
    if "age" in data:
        import datetime as dt

        from vigil.identity.summaries import age_on

        data = {**data, "age": str(age_on(dt.date(2012, 5, 3), None, None, timezone.localdate()))}
    page = search(client, **data)
    assert "/people/P-william/" in page
    assert page.count("/people/P-william/") == 1  # one row per person, not per mention
    entry = AuditEntry.objects.filter(action="person.search").last()
    assert entry is not None and entry.detail["criteria"]
    assert "P-william" in entry.detail["shown"]


def test_search_results_are_persons_with_age_address_and_alerts(
    force: dict[str, Person], client_for: Clients
) -> None:
    page = search(client_for("investigator"), surname="Stone")
    assert "William Stone" in page and "Karen Stone" in page
    assert "1 High Street, Leeds" in page
    assert "2 open" in page  # William's two open alerts
    assert "Amy Smith" not in page


def test_many_matches_are_ranked_by_the_names_matched(
    force: dict[str, Person], client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond a page of results, people are ranked by the names they matched on and only those
    shown are summarised; what is shown is the same as when every match is summarised."""
    from vigil.people import search as search_module

    client = client_for("investigator")
    full = search(client, surname="Stone")
    monkeypatch.setattr(search_module, "MAX_RESULTS", 1)
    page = search(client, surname="Stoan")
    assert "The closest 1 of 2 people" in page
    assert "/people/P-karen/" in page and "/people/P-william/" not in page  # Karen before William
    assert "Karen Stone" in full and full.index("/people/P-karen/") < full.index(
        "/people/P-william/"
    )
    page = search(client, surname="Stone", forename="Bill")
    assert "/people/P-william/" in page and "2 open" in page and "1 person matches" in page


def test_search_by_surname_and_date_of_birth(force: dict[str, Person], client_for: Clients) -> None:
    client = client_for("investigator")
    page = search(client, surname="Stone", dob_day="5", dob_month="3", dob_year="2012")
    assert "/people/P-william/" in page and "/people/P-karen/" not in page
    page = search(client, surname="Stone", dob_day="11", dob_month="2", dob_year="1985")
    assert "/people/P-karen/" in page and "/people/P-william/" not in page
    assert "No one matches" in search(
        client, surname="Stone", dob_day="1", dob_month="1", dob_year="2000"
    )


def test_search_is_posted_never_in_the_url(force: dict[str, Person], client_for: Clients) -> None:
    client = client_for("investigator")
    page = client.get("/search/?surname=Stone").content.decode()
    assert "/people/P-william/" not in page  # a GET shows only the form
    assert not AuditEntry.objects.filter(action="person.search").exists()


def test_search_needs_a_criterion(force: dict[str, Person], client_for: Clients) -> None:
    page = search(client_for("investigator"), forename="William")
    assert "There is a problem" in page


def test_search_does_not_match_on_intelligence_without_entitlement(
    force: dict[str, Person], client_for: Clients
) -> None:
    assert "P-ivan" not in search(client_for("call_handler"), surname="Secretman")
    assert "P-ivan" in search(client_for("investigator"), surname="Secretman")


# ---- the person page ---------------------------------------------------------------------


def test_person_page_flags_identity_household_alerts_chronology(
    force: dict[str, Person], client_for: Clients
) -> None:
    page = client_for("investigator").get("/people/P-william/").content.decode()
    assert "Looked after child" in page
    assert "On a child protection plan" in page
    assert "Registered sex offender in the household" in page
    assert "Billy Stone" in page and "William Stone" in page  # names recorded
    assert "/people/P-karen/" in page and "/people/P-derek/" in page  # household
    assert "Missing three times in 90 days" in page  # alert explanation
    assert 'href="/alerts/A-REPEAT_MISSING-P-william/"' in page  # opens the alert
    assert "INTEL-CONTENT-SECRET" in page  # investigators see it
    order = [
        page.index(f"/records/{rec(s)}/")
        for s in ("CALL-1", "CRIME-DA", "PPN-1", "MIS-1", "REF-1", "CPP-1", "INT-1", "CUS-1")
    ]
    assert order == sorted(order), "chronology runs oldest to newest"
    entry = AuditEntry.objects.filter(action="person.view").last()
    assert entry is not None and entry.target == "P-william"


def test_a_look_up_logs_the_page_it_came_from(
    force: dict[str, Person], client_for: Clients
) -> None:
    """``via`` is the page of Vigil that linked here, as the server rendered it; the Referer,
    which the browser may set to anything, is not read (issue 11 item 11)."""
    client = client_for("investigator")
    client.get(
        "/people/P-william/",
        HTTP_REFERER="http://testserver/alerts/A-REPEAT_MISSING-P-william/?sort=due",
    )
    entry = AuditEntry.objects.filter(action="person.view").last()
    assert entry is not None and "via" not in entry.detail  # only a claim by the browser
    client.get("/alerts/A-REPEAT_MISSING-P-william/")  # a page that links to William
    client.get("/people/P-william/", HTTP_REFERER="https://elsewhere.example/search/?q=Stone")
    entry = AuditEntry.objects.filter(action="person.view").last()
    assert entry is not None and entry.detail["via"] == "/alerts/A-REPEAT_MISSING-P-william/"


def test_chronology_filters_by_type(force: dict[str, Person], client_for: Clients) -> None:
    page = client_for("investigator").get("/people/P-william/?type=crime").content.decode()
    assert "DA-CRIME-SUMMARY" in page and "ROBBERY-SUMMARY" in page
    assert "Neighbour reports shouting" not in page


def test_call_handler_sees_that_intelligence_exists_not_its_content(
    force: dict[str, Person], client_for: Clients
) -> None:
    client = client_for("call_handler")
    page = client.get("/people/P-william/").content.decode()
    assert "Restricted record" in page
    assert "INTEL-CONTENT-SECRET" not in page
    assert f"/records/{rec('INT-1')}/" not in page
    assert "Secretman" not in page  # not an associate
    assert "INTEL-BASED-EXPLANATION" not in page  # alert withheld
    assert "Missing three times in 90 days" in page
    # The alert is shown where it is about the child, but a call handler may not open the
    # alert's page, so it is not a link that would only answer 403.
    assert "REPEAT_MISSING" in page and "/alerts/" not in page
    assert client.get("/alerts/A-REPEAT_MISSING-P-william/").status_code == 403
    assert client.get(f"/records/{rec('INT-1')}/").status_code == 403
    assert client.get(f"/records/{rec('CRIME-DA')}/").status_code == 200


def test_record_page_shows_fields_in_words_and_logs(
    force: dict[str, Person], client_for: Clients
) -> None:
    page = client_for("response_officer").get(f"/records/{rec('REF-1')}/").content.decode()
    assert "section 47 enquiry" in page and "1 May 2020" in page
    entry = AuditEntry.objects.filter(action="record.view").last()
    assert entry is not None and entry.target == f"record:{rec('REF-1')}"


def test_not_the_same_person_review(force: dict[str, Person], client_for: Clients) -> None:
    billy = PersonMention.objects.get(forename="Billy")
    denied = client_for("response_officer").post(
        "/people/P-william/review/", {"mention": billy.pk, "reason": "different DOB"}
    )
    assert denied.status_code == 403
    response = client_for("mash").post(
        "/people/P-william/review/", {"mention": billy.pk, "reason": "a different boy"}
    )
    assert response.status_code == 302
    pair = ReviewPair.objects.get()
    assert billy.pk in (pair.mention_a_id, pair.mention_b_id)
    assert pair.status == ReviewPair.Status.PENDING
    assert AuditEntry.objects.filter(action="identity.request_review", target="P-william").exists()


# ---- partners ----------------------------------------------------------------------------

ALL = [
    "CALL-1",
    "CRIME-DA",
    "PPN-1",
    "MIS-1",
    "REF-1",
    "CPP-1",
    "INT-1",
    "CRIME-SUS",
    "CUS-1",
    "CRIME-ROB",
    "RSO-1",
]
ALLOWED = {
    "partner_csc": {"CALL-1", "CRIME-DA", "PPN-1", "MIS-1", "REF-1", "CPP-1", "CUS-1"},
    "partner_health": {"PPN-1", "MIS-1"},
    "partner_education": {"CALL-1", "CRIME-DA", "PPN-1", "MIS-1"},
}


def give_purpose(client: Client, person_id: str = "P-william") -> None:
    from vigil.access.disclosure import agreement_for

    agreement = agreement_for(client.get("/accounts/").wsgi_request.user)
    assert agreement is not None
    response = client.post(
        f"/people/{person_id}/",
        {"purpose": agreement.purposes[0], "detail": "Case 12345: safeguarding enquiry"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_partner_is_offered_only_its_agreements_purposes(
    force: dict[str, Person], client_for: Clients, role: str
) -> None:
    """Issue 11 item 8: each agency is offered the purposes its agreement has, and no other is
    accepted; the error says what is missing."""
    from django.utils.html import escape

    from vigil.access.disclosure import AGREEMENTS, PURPOSES

    agreement = AGREEMENTS[role]
    assert agreement.purposes
    client = client_for(role)
    page = client.get("/people/P-william/").content.decode()
    for key, label in PURPOSES.items():
        assert (f'value="{key}"' in page) == (key in agreement.purposes), (role, key)
        assert (label in page) == (key in agreement.purposes), (role, key)
    other = next(k for k in PURPOSES if k not in agreement.purposes)
    refused = client.post("/people/P-william/", {"purpose": other, "detail": "Case 12345: enquiry"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert f"That purpose is not in the {escape(agreement.name)} agreement" in text
    assert "William" not in text
    empty = client.post("/people/P-william/", {}).content.decode()
    assert "Choose why you need to see this person&#x27;s information" in empty
    assert "Give your case reference and what you need it for" in empty
    assert not AuditEntry.objects.filter(action="person.give_purpose").exists()


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_partner_sees_only_its_agreement(
    force: dict[str, Person], client_for: Clients, role: str
) -> None:
    client = client_for(role)
    first = client.get("/people/P-william/").content.decode()
    assert "Why you need this information" in first and "William" not in first
    assert client.get(f"/records/{rec('MIS-1')}/").status_code == 403  # no purpose yet
    give_purpose(client)
    assert AuditEntry.objects.filter(
        action="person.give_purpose", reason__contains="Case 12345"
    ).exists()
    page = client.get("/people/P-william/").content.decode()
    for source_id in ALL:
        expected = 200 if source_id in ALLOWED[role] else 403
        assert client.get(f"/records/{rec(source_id)}/").status_code == expected, source_id
        assert (f"/records/{rec(source_id)}/" in page) == (source_id in ALLOWED[role]), source_id
    for secret in (
        "INTEL-CONTENT-SECRET",
        "DA-CRIME-SUMMARY",
        "SUSPECT-CRIME-SUMMARY",
        "ROBBERY-SUMMARY",
        "Neighbour reports shouting",
        "Karen",
        "Derek",
        "Secretman",
        "Restricted record",
        "Missing three times",
        "Secret Flat",
        "CUSTODY-OFFENCE-TEXT",
        "07700",
        "Looked after child",
        "Registered sex offender",
    ):
        assert secret not in page, secret
    # A plan in place is shown to those whose agreement covers plans, as a flag at the top.
    assert ("On a child protection plan" in page) == (role == "partner_csc")
    view = AuditEntry.objects.filter(action="person.view").last()
    assert view is not None and "Case 12345" in view.reason
    record_view = AuditEntry.objects.filter(action="record.view").last()
    assert record_view is not None and "Case 12345" in record_view.reason


def test_partner_record_page_is_minimised(force: dict[str, Person], client_for: Clients) -> None:
    client = client_for("partner_csc")
    give_purpose(client)
    page = client.get(f"/records/{rec('CRIME-DA')}/").content.decode()
    assert "Domestic abuse incident" in page
    assert "DA-CRIME-SUMMARY" not in page and "Assault" not in page
    custody = client.get(f"/records/{rec('CUS-1')}/").content.decode()
    assert "CUSTODY-OFFENCE-TEXT" not in custody and "Grounds" in custody


def test_partner_search_shows_no_alerts_and_no_suspect_only_people(
    force: dict[str, Person], client_for: Clients
) -> None:
    page = search(client_for("partner_education"), surname="Stone")
    assert "/people/P-william/" in page and "Open alerts" not in page
    # No address either: no agreement shares one (the partner's person page shows none).
    assert "High Street" not in page and "LS1 1AA" not in page and "Latest address" not in page
    assert "High Street" in search(client_for("call_handler"), surname="Stone")
    assert "/people/P-derek/" not in search(client_for("partner_csc"), surname="Hale")


def test_partners_have_no_address_briefing(force: dict[str, Person], client_for: Clients) -> None:
    loc = Location.objects.get(postcode="LS1 1AA")
    assert client_for("partner_csc").get(f"/addresses/{loc.pk}/").status_code == 403


# ---- address briefing --------------------------------------------------------------------


def test_address_briefing(force: dict[str, Person], client_for: Clients) -> None:
    import datetime as dt

    from django.utils import timezone

    from vigil.alerts.models import Alert

    now = timezone.now()
    # An alert about a record that names the child (not about the child as a person): the
    # briefing lists it with the child's, as the child's own page does.
    Alert.objects.create(
        alert_id="A-DA-RECORD",
        code="CALL_DOWNGRADED_UNCHECKED",
        severity="medium",
        subject_kind="record",
        subject_key="record:test/CRIME-DA",
        record_system="test",
        record_source_id="CRIME-DA",
        raised_at=now - dt.timedelta(days=1),
        explanation="x",
        evidence=[["test", "CRIME-DA"]],
        mentions=[["test", "CRIME-DA", "c"]],
        evidence_hash="x",
        evaluated_at=now,
    )
    client = client_for("response_officer")
    found = client.post("/addresses/", {"place": "LS1 1AA"}).content.decode()
    loc = Location.objects.get(postcode="LS1 1AA", address__startswith="1 High")
    assert f"/addresses/{loc.pk}/" in found
    assert AuditEntry.objects.filter(action="address.search").exists()
    page = client.get(f"/addresses/{loc.pk}/").content.decode()
    assert "William Stone" in page and "Karen Stone" in page and "Child" in page
    assert "Derek Hale" in page and "Lives here" in page
    assert "HIGH (DASH" in page  # latest risk assessment
    assert "recorded as private dwelling" in page  # in words
    assert page.count("/records/") >= 4  # 3 DA incidents and the plan
    assert "Still in place" in page  # the child protection plan
    # Alerts by their titles in words, never their codes.
    assert "Missing 3 or more times in 90 days" in page
    assert "Call about a child downgraded without a check" in page
    assert "REPEAT_MISSING" not in page and "CALL_DOWNGRADED_UNCHECKED" not in page
    assert "/alerts/" not in page  # a response officer cannot open it
    assert AuditEntry.objects.filter(action="address.view", target=f"location:{loc.pk}").exists()
    supervisor = client_for("supervisor").get(f"/addresses/{loc.pk}/").content.decode()
    assert 'href="/alerts/A-REPEAT_MISSING-P-william/"' in supervisor


# ---- no N+1 ------------------------------------------------------------------------------


def _count(client: Client, url: str, method: str = "get", **data: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_query_counts_do_not_grow_with_records(
    build_force: Callable[..., dict[str, Person]], client_for: Clients
) -> None:
    build_force(extra_calls=120, extra_associates=40)
    add_alert("P-william")
    client = client_for("investigator")
    loc = Location.objects.get(postcode="LS1 1AA", address__startswith="1 High")
    counts = {
        "person": _count(client, "/people/P-william/"),
        "record": _count(client, f"/records/{rec('CRIME-DA')}/"),
        "search": _count(client, "/search/", "post", surname="Stone"),
        "address": _count(client, f"/addresses/{loc.pk}/"),
        "associate-search": _count(client, "/search/", "post", place="LS2 2BB"),
    }
    assert counts["person"] <= 28, (
        counts
    )  # 25, and the chronology table: payloads, amendments, links
    assert counts["record"] <= 15, counts
    assert counts["search"] <= 20, counts
    assert counts["address"] <= 23, counts  # one more: the same address without its postcode
    assert counts["associate-search"] <= 20, counts


def test_person_page_query_budget(
    build_force: Callable[..., dict[str, Person]],
    client_for: Clients,
    django_assert_max_num_queries: Any,
) -> None:
    build_force(extra_calls=200, extra_associates=60)
    client = client_for("supervisor")
    # 28-29 for the page (PostgreSQL takes one more), 3 for "who has looked at this person"
    # (supervisors): none grow with the number of records.
    with django_assert_max_num_queries(32):
        assert client.get("/people/P-william/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.post("/search/", {"place": "LS2 2BB"}).status_code == 200


@pytest.mark.parametrize("role", ["partner_csc", "partner_health", "partner_education"])
def test_partner_filter_in_sql_matches_the_rule(force: dict[str, Person], role: str) -> None:
    """The SQL narrowing to an agreement's kinds (agreement_q) drops no mention the per-record
    rule (Viewer.visibility) would show: the same mentions either way."""
    from vigil.access.disclosure import viewer_for
    from vigil.accounts.models import User
    from vigil.identity.summaries import da_annotations, mention_visible, visible_mentions

    viewer = viewer_for(User(username="x", role=role))
    annotations = da_annotations()
    fields = ("pk", "role", "record__record_type", *annotations)

    def shown(by_type: bool) -> set[int]:
        qs = visible_mentions(viewer, PersonMention.objects.all(), by_type=by_type)
        return {
            r["pk"]
            for r in qs.annotate(**annotations).values(*fields)
            if mention_visible(viewer, r)
        }

    narrowed, every = shown(True), shown(False)
    assert narrowed == every and every


def test_the_person_page_links_identity_review_and_shows_who_looked_to_those_who_oversee(
    force: dict[str, Person], client_for: Clients
) -> None:
    child = force["amy"].person_id
    supervisor = client_for("supervisor").get(f"/people/{child}/").content.decode()
    assert (
        "Review this person&#x27;s links" in supervisor
        or "Review this person's links" in supervisor
    )
    assert "Who has looked at this person" in supervisor
    officer = client_for("response_officer").get(f"/people/{child}/").content.decode()
    assert "Who has looked at this person" not in officer
    assert "Review this person" not in officer
