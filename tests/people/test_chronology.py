"""The chronology table on a person's page: incidents grouped, outcomes from effective records,
filters and their errors, ordering, a partner's view, and the CSV and PDF downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import write_ndjson
from tests.factories import make_user, record
from tests.people.conftest import HOME, child, mother
from tests.people.test_people_pages import give_purpose
from vigil.access.disclosure import viewer_for
from vigil.audit.models import AuditEntry
from vigil.identity.models import Person
from vigil.people import chronology
from vigil.people.person import person_page
from vigil.people.search import reset_name_index
from vigil.records.importer import import_files

from .conftest import link_by_test_key

NOW = timezone.now()
EVIL = {"address": "=1+1 Evil Road", "postcode": "LS3 3CC", "premises_type": "hotel"}


def ago(days: float, hour: int = 10) -> str:
    moment = (NOW - dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment.astimezone(dt.UTC).isoformat()


def at(days: float) -> dict[str, str]:
    return {"occurred_at": ago(days)}


def link(source_id: str, relation: str = "follows_from") -> dict[str, str]:
    return {"source_system": "test", "source_id": source_id, "relation": relation}


def monday(weeks_ago: int) -> dt.datetime:
    day = (NOW - dt.timedelta(weeks=weeks_ago)).date()
    day -= dt.timedelta(days=day.weekday())
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)


def history() -> list[dict[str, Any]]:
    received = monday(20)
    return [
        # One DA incident: a call, the crime that follows from it, and a MARAC about it alone.
        record("call", "CALL-DA", [child(), mother()], location=HOME, category="domestic")
        | at(200),
        record(
            "crime",
            "CRIME-DA",
            [child("victim")],
            location=HOME,
            offence_group="domestic_abuse",
            status="closed",
            outcome="charged",
            links=[link("CALL-DA")],
        )
        | at(199),
        record(
            "marac",
            "MARAC-1",
            [child("subject"), mother()],
            meeting_at=ago(190),
            actions=[
                {"description": "Visit", "owner": "PC 1", "due_at": ago(185), "done_at": ago(186)},
                {"description": "Refer", "owner": "SW 2", "due_at": ago(180)},
            ],
            links=[link("CRIME-DA", "part_of")],
        )
        | at(191),
        # A second DA incident, and a MARAC about both: it joins neither.
        record(
            "concern",
            "PPN-2",
            [child(), mother()],
            location=HOME,
            concern_type="domestic_abuse_noncrime",
            risk_assessment={"tool": "DASH", "level": "medium", "yes_count": 9},
        )
        | at(40),
        record(
            "marac",
            "MARAC-2",
            [child("subject")],
            links=[link("CRIME-DA", "part_of"), link("PPN-2", "part_of")],
        )
        | at(35),
        # A referral the source left undecided, decided late in Vigil (an amendment).
        record(
            "referral",
            "REF-1",
            [child("subject")],
            to_agency="childrens_social_care",
            received_at=received.isoformat(),
        )
        | {"occurred_at": received.isoformat()},
        {
            "record_type": "referral",
            "source_system": "vigil",
            "source_id": "AMEND-REF-1",
            "occurred_at": (received + dt.timedelta(days=3)).isoformat(),
            "recorded_at": (received + dt.timedelta(days=3)).isoformat(),
            "people": [],
            "decision": "section_47",
            "decision_at": (received + dt.timedelta(days=3)).isoformat(),
            "links": [link("REF-1", "amends")],
        },
        # Missing three times, twice in the last 90 days.
        record(
            "missing",
            "MIS-1",
            [child("missing_person")],
            location=EVIL,
            classification="missing",
            reported_at=ago(300),
            found_at=ago(299),
            return_interview_completed_at=ago(297),
        )
        | at(300),
        record(
            "missing",
            "MIS-2",
            [child("missing_person")],
            classification="missing",
            reported_at=ago(60),
            found_at=ago(59.5),
        )
        | at(60),
        record("missing", "MIS-3", [child("missing_person")], classification="absent") | at(10),
        record(
            "custody",
            "CUS-1",
            [child("detainee")],
            grounds="offence",
            arrived_at=ago(30, 8),
            released_at=ago(30, 20),
        )
        | at(30),
        record("intelligence", "INT-1", [child("subject")], grading="B2", topics=["cse"]) | at(20),
        record("crime", "CRIME-SUS", [child("suspect")], offence_group="other") | at(15),
    ]


@pytest.fixture
def william(db: None, tmp_path: Path) -> Person:
    path = write_ndjson(tmp_path / "history.ndjson", history())
    summary = import_files([path], started_by="test")
    assert summary.quarantined == 0, summary.errors
    reset_name_index()
    return link_by_test_key()["william"]


@pytest.fixture
def signed_in(db: None) -> Callable[..., Client]:
    def make(role: str, **fields: Any) -> Client:
        client = Client()
        client.force_login(make_user(role, **fields))
        return client

    return make


def table_of(person: Person, role: str = "investigator") -> chronology.Chronology:
    from vigil.accounts.models import User

    viewer = viewer_for(User(username="x", role=role))
    page = person_page(person, viewer)
    return chronology.build(page.chronology, viewer)


def row_with(chron: chronology.Chronology, what: str) -> chronology.Row:
    return next(r for r in chron.rows if any(what in p.url or p.what == what for p in r.parts))


def ids(row: chronology.Row) -> list[str]:
    from vigil.records.models import Record

    return [Record.objects.get(pk=p.pk).source_id for p in row.parts]


def test_linked_records_are_one_incident_as_the_rules_define_it(william: Person) -> None:
    chron = table_of(william)
    rows = {tuple(ids(r)) for r in chron.rows}
    # The call, the crime following from it and the MARAC about that incident alone: one row.
    assert ("CALL-DA", "CRIME-DA", "MARAC-1") in rows
    # A MARAC about two incidents joins neither; the second incident is its own row.
    assert ("PPN-2",) in rows
    assert ("MARAC-2",) in rows
    incident = next(r for r in chron.rows if r.incident)
    assert incident.what == "Domestic abuse incident: 3 linked records"
    assert incident.roles == ["child present", "victim", "subject"]


def test_outcomes_read_the_effective_record(william: Person) -> None:
    chron = table_of(william)
    parts = {p.record_type + p.when: p for r in chron.rows for p in r.parts}
    referral = next(p for p in parts.values() if p.record_type == "referral")
    # The source held no decision: the amendment written in Vigil supplied it, late.
    assert referral.completed_in_vigil
    assert referral.outcome[0].startswith("Decision: section 47 enquiry on ")
    assert referral.outcome[1].startswith("Decided ") and referral.outcome[1].endswith(" late")
    assert referral.late
    marac = next(p for r in chron.rows for p in r.parts if p.record_type == "marac" and r.incident)
    assert "1 of 2 actions done, 1 outstanding (1 overdue)" in marac.outcome
    custody = next(p for p in parts.values() if p.record_type == "custody")
    assert any(o.startswith("Released ") and o.endswith("after 12 hours") for o in custody.outcome)
    crime = next(p for p in parts.values() if p.what == "Crime (domestic abuse)")
    assert crime.outcome == ["Crime closed", "Outcome: charged"]
    missing = sorted(
        (p for p in parts.values() if p.record_type == "missing"), key=lambda p: p.occurred_at
    )
    assert missing[0].outcome[0].startswith("Found ") and missing[0].outcome[0].endswith("1 day")
    assert missing[0].outcome[1].startswith("Return interview done")
    assert missing[1].outcome[1] == "No return interview recorded"
    assert missing[0].where == "=1+1 Evil Road (a hotel)"
    assert crime.source == "Test"  # a system with no name in words: its own name
    concern = next(p for p in parts.values() if p.record_type == "concern")
    assert concern.outcome == ["Risk assessed medium"]


def test_summary_line(william: Person) -> None:
    line = table_of(william).summary
    first = timezone.localtime(NOW - dt.timedelta(days=300))
    assert line.startswith(f"12 records since {first:%B %Y}: ")
    assert "2 domestic abuse incidents (2 in the last 12 months)" in line
    assert "missing 3 times (2 in the last 90 days)" in line
    assert "1 custody" in line
    assert "1 referral (1 decided late)" in line
    assert "2 MARACs" in line


def test_table_view_filters_and_order(william: Person, signed_in: Callable[..., Client]) -> None:
    client = signed_in("investigator")
    url = f"/people/{william.person_id}/"
    page = client.get(url, {"view": "table"}).content.decode()
    assert 'id="chronology-table"' in page
    assert "Domestic abuse incident: 3 linked records" in page
    assert "1 of 2 actions done, 1 outstanding (1 overdue)" in page
    assert 'role="img"' in page and '<title id="timeline-title">' in page

    def table(text: str) -> str:
        return text.split('id="chronology-table"', 1)[1].split("</table>", 1)[0]

    missing = table(client.get(url, {"view": "table", "type": "missing"}).content.decode())
    assert missing.count("Missing or absent episode</a>") == 3
    assert "Custody</a>" not in missing

    detainee = table(client.get(url, {"view": "table", "role": "detainee"}).content.decode())
    assert "Custody</a>" in detainee and "Missing or absent episode</a>" not in detainee

    vigil_only = client.get(url, {"view": "table", "agency": "nowhere"}).content.decode()
    assert "No records match the filters." in vigil_only

    since = timezone.localtime(NOW - dt.timedelta(days=45)).date()
    recent = client.get(
        url,
        {
            "view": "table",
            "from_day": since.day,
            "from_month": since.month,
            "from_year": since.year,
        },
    ).content.decode()
    assert "Domestic abuse incident: 3 linked records" not in recent
    assert "Safeguarding concern (non-crime) (domestic abuse)</a>" in recent

    oldest = client.get(url, {"view": "table"}).content.decode()
    newest = client.get(url, {"view": "table", "order": "newest"}).content.decode()
    assert oldest.index("Missing or absent episode") < oldest.index("Custody</a>")
    assert newest.index("Custody</a>") < newest.index("Domestic abuse incident: 3")
    cards = client.get(url, {"order": "newest"}).content.decode().split('class="moj-timeline"')[1]
    assert cards.index(">Custody<") < cards.index(">Referral<")
    entry = AuditEntry.objects.filter(action="person.view").order_by("-pk").first()
    assert entry is not None and entry.detail["order"] == "newest"


def test_timeline_on_the_page_marks_incidents_episodes_and_alerts(
    william: Person, signed_in: Callable[..., Client]
) -> None:
    from tests.factories import add_alert

    add_alert(william.person_id)
    page = signed_in("investigator").get(f"/people/{william.person_id}/").content.decode()
    strip = page.split('class="vigil-timeline"', 1)[1].split("</svg>", 1)[0]
    assert strip.count('data-kind="da"') == 2  # two incidents, the first of three records
    assert strip.count('data-kind="missing"') == 3
    assert strip.count('data-kind="custody"') == 1
    assert strip.count('data-kind="referral"') == 1
    assert strip.count('data-kind="alert"') == 1
    assert 'data-window="90"' in strip and 'data-window="365"' in strip
    assert "Alert: " in strip
    # A partner sees no alerts, and no intelligence, on the strip either.
    partner = signed_in("partner_csc")
    give_purpose(partner, william.person_id)
    shared = partner.get(f"/people/{william.person_id}/").content.decode()
    strip = shared.split('class="vigil-timeline"', 1)[1].split("</svg>", 1)[0]
    assert 'data-kind="alert"' not in strip and "Intelligence" not in strip


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"from_day": "31", "from_month": "2", "from_year": "2025"},
            "The start date must be a real date",
        ),
        ({"to_day": "3", "to_year": "2025"}, "The end date must be a real date, with a day"),
        (
            {
                "from_day": "2",
                "from_month": "3",
                "from_year": "2025",
                "to_day": "1",
                "to_month": "3",
                "to_year": "2025",
            },
            "The start date must be the same as or before the end date",
        ),
        ({"type": "Crime!"}, "Choose a record type from the list"),
        ({"view": "grid"}, "Choose cards or a table"),
        ({"order": "sideways"}, "Choose oldest first or newest first"),
        ({"role": "<b>"}, "Choose a role from the list"),
    ],
)
def test_bad_filters_get_the_400_page(
    william: Person, signed_in: Callable[..., Client], query: dict[str, str], message: str
) -> None:
    client = signed_in("investigator")
    for url in (f"/people/{william.person_id}/", f"/people/{william.person_id}/chronology.csv"):
        response = client.get(url, query)
        assert response.status_code == 400
        text = response.content.decode()
        assert "There is a problem" in text and message in text
        assert "<b>" not in text.split("<main", 1)[1]


def test_partner_sees_what_the_agreement_allows(
    william: Person, signed_in: Callable[..., Client]
) -> None:
    client = signed_in("partner_csc")
    give_purpose(client, william.person_id)
    page = client.get(f"/people/{william.person_id}/", {"view": "table"}).content.decode()
    table = page.split('id="chronology-table"', 1)[1].split("</table>", 1)[0]
    assert "Domestic abuse incident" in table  # as such, the date only
    assert "Where</th>" not in table and "Source</th>" not in table
    assert "Evil Road" not in page
    assert "Intelligence" not in table and "Restricted" not in table  # never learnt of
    assert "Crime" not in table  # the suspect's crime is not shared; DA is shown as such
    # The decision written in Vigil is the decision (a field the agreement shares).
    assert "Decision: section 47 enquiry" in table
    assert "Released " in table  # custody release is in the agreement
    chron = table_of(william, "partner_csc")
    assert all(not r.incident for r in chron.rows)  # links are not shared
    csv_text = client.get(f"/people/{william.person_id}/chronology.csv").content.decode()
    assert "Evil Road" not in csv_text and "Intelligence" not in csv_text


def test_partner_without_a_purpose_gets_no_download(
    william: Person, signed_in: Callable[..., Client]
) -> None:
    client = signed_in("partner_csc")
    response = client.get(f"/people/{william.person_id}/chronology.csv")
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="person.export_chronology").exists()


def test_csv_is_marked_formula_safe_and_logged(
    william: Person, signed_in: Callable[..., Client]
) -> None:
    client = signed_in("investigator", full_name="Dana Reed")
    response = client.get(f"/people/{william.person_id}/chronology.csv", {"order": "newest"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["OFFICIAL-SENSITIVE"] and rows[-1] == ["OFFICIAL-SENSITIVE"]
    assert rows[2][0].startswith("Printed by Dana Reed on ")
    header = rows[4]
    assert header[:6] == ["Date", "What", "Role of this person", "Where", "Outcome", "Source"]
    cells = [c for r in rows for c in r]
    assert "'=1+1 Evil Road (a hotel)" in cells
    assert not any(c and c[0] in "=+-@\t\r" for c in cells)
    body = rows[5:-1]
    # Newest first: the absence of 10 days ago, then the suspect's crime of 15 days ago.
    assert [r[1] for r in body[:2]] == ["Missing or absent episode", "Crime"]
    assert any(r[6].startswith("Domestic abuse incident: 3 linked records") for r in body)
    entry = AuditEntry.objects.get(action="person.export_chronology")
    assert entry.target == william.person_id
    assert entry.detail["format"] == "csv" and entry.detail["records_shown"] == 12


def test_safe_cell() -> None:
    from vigil.people.exports import safe_cell

    for text in ("=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Assault") == "Assault" and safe_cell(None) == ""


def test_pdf_marks_every_page_with_who_printed_it(
    tmp_path: Path, william: Person, signed_in: Callable[..., Client]
) -> None:
    pypdf = pytest.importorskip("pypdf")
    extra = [
        record("call", f"CALL-X{i}", [child()], category="child_concern") | at(400 + i)
        for i in range(70)
    ]
    import_files([write_ndjson(tmp_path / "more.ndjson", extra)], started_by="test")
    from vigil.identity.models import MentionLink
    from vigil.records.models import PersonMention

    MentionLink.objects.bulk_create(
        MentionLink(mention=m, person=william, linked_at=NOW)
        for m in PersonMention.objects.filter(
            link__isnull=True, record__source_id__startswith="CALL-X"
        )
    )
    client = signed_in("investigator", full_name="Dana Reed")
    response = client.get(f"/people/{william.person_id}/chronology.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 2
    for number, pdf_page in enumerate(reader.pages, start=1):
        text = pdf_page.extract_text()
        assert "OFFICIAL-SENSITIVE" in text, number
        assert "Printed by Dana Reed on" in text, number
    first = reader.pages[0].extract_text()
    assert "82 records since" in first
    assert AuditEntry.objects.get(action="person.export_chronology").detail["format"] == "pdf"


def test_download_in_words_on_the_access_log() -> None:
    from vigil.audit.actions import AuditAction
    from vigil.audit.naming import Names
    from vigil.audit.words import label, sentence

    assert label(AuditAction.PERSON_EXPORT_CHRONOLOGY) == "Downloaded the chronology of a person"
    names = Names(persons={"P-1": "William Stone"})
    text = sentence(
        "person.export_chronology", "P-1", {"format": "pdf", "records_shown": 12}, names
    )
    assert text == "Downloaded the chronology of William Stone as a PDF (12 records)"
