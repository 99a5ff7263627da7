"""Every partner page against the one table of what each agreement shares (issue 11 item 7):
``vigil.access.disclosure.AGREEMENTS``. For each partner and each of a child's records, the person
page's chronology and "Records linked" table and the record page show the record as the kind
the table says (a domestic abuse incident as such), with the date only where the table says so,
the person's role only where it says so, and exactly the payload fields it lists; free text
never."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from vigil.access.disclosure import (
    AGREEMENTS,
    DA_CANDIDATE_TYPES,
    DA_INCIDENT,
    FREE_TEXT,
    PARTNER_EXCLUDED_ROLES,
    RESTRICTED_TYPES,
    da_fields_of,
    is_domestic_abuse,
    kind_label,
)
from vigil.access.roles import Role
from vigil.identity.models import Person
from vigil.people.words import describe
from vigil.records.models import PersonMention, Record

pytestmark = pytest.mark.django_db
PARTNERS = [Role.PARTNER_CSC, Role.PARTNER_HEALTH, Role.PARTNER_EDUCATION]
FREE_TEXT_PLANTED = (
    "STRATEGY-DECISION-TEXT",
    "ACTION-DESCRIPTION-TEXT",
    "PROTECTIVE-PLAN-TEXT",
    "DA-CRIME-SUMMARY",
    "Neighbour reports shouting",
    "CUSTODY-OFFENCE-TEXT",
)
TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\bat \d")


def test_no_agreement_shares_free_text() -> None:
    for agreement in AGREEMENTS.values():
        for kind, share in agreement.shares.items():
            assert not set(share.fields) & FREE_TEXT, (agreement.name, kind)
    # Domestic abuse incidents: the date only, for every agreement that has them.
    for agreement in AGREEMENTS.values():
        if DA_INCIDENT in agreement.shares:
            share = agreement.shares[DA_INCIDENT]
            assert (share.fields, share.time, share.role) == ((), False, False), agreement.name


def _expected_kind(record: Record, role: str, partner: str) -> str | None:
    """The kind the table says this partner sees the record as, or None (not shown)."""
    agreement = AGREEMENTS[partner]
    if record.record_type in RESTRICTED_TYPES or role in PARTNER_EXCLUDED_ROLES:
        return None
    kind = record.record_type
    if (
        record.record_type in DA_CANDIDATE_TYPES
        and DA_INCIDENT in agreement.shares
        and is_domestic_abuse(record.record_type, **da_fields_of(record.payload))
    ):
        kind = DA_INCIDENT
    return kind if kind in agreement.shares else None


def _timeline_item(page: str, url: str) -> str:
    items = page.split('<div class="moj-timeline__item">')[1:]
    found = [i for i in items if f'href="{url}"' in i]
    assert len(found) == 1, url
    return found[0]


def _linked_row(page: str, url: str) -> str:
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)
    found = [r for r in rows if f'href="{url}"' in r]
    assert len(found) == 1, url
    return found[0]


def _cells(row: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


@pytest.mark.parametrize("partner", PARTNERS)
def test_every_partner_page_follows_the_agreement_table(
    build_force: Callable[..., dict[str, Person]], client_for: Callable[[str], Client], partner: str
) -> None:
    from tests.people.test_people_pages import give_purpose

    build_force(free_text=True)
    agreement = AGREEMENTS[partner]
    client = client_for(partner)
    give_purpose(client)
    page = client.get("/people/P-william/").content.decode()
    mentions = PersonMention.objects.filter(link__person__person_id="P-william").select_related(
        "record"
    )
    shown = 0
    for mention in mentions:
        record = mention.record
        url = f"/records/{record.pk}/"
        kind = _expected_kind(record, mention.role, partner)
        response = client.get(url)
        if kind is None:
            assert f'href="{url}"' not in page, record.source_id
            assert response.status_code == 403, record.source_id
            continue
        shown += 1
        share = agreement.shares[kind]
        label = kind_label(kind)
        # The chronology.
        item = _timeline_item(page, url)
        assert f">{label}</a>" in item, (record.source_id, label)
        when = re.search(r"<time[^>]*>(.*?)</time>", item)
        assert when is not None
        assert bool(TIME.search(when.group(1))) == share.time, (record.source_id, when.group(1))
        assert ("Named as" in item) == share.role, record.source_id
        # "Records linked to this person": the same kind (not "Crime" for a DA incident).
        cells = _cells(_linked_row(page, url))
        assert cells[1] == label, (record.source_id, cells)
        assert not TIME.search(cells[0])
        assert (cells[4] != "Not shared") == share.role, (record.source_id, cells)
        # The record page: the kind, the date (and time only where shared), the fields listed.
        assert response.status_code == 200, record.source_id
        text = response.content.decode()
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
        assert heading is not None and heading.group(1).startswith(label + ",")
        assert bool(TIME.search(heading.group(1))) == share.time, (
            record.source_id,
            heading.group(1),
        )
        expected = [
            f.label
            for f in describe({k: record.payload[k] for k in share.fields if k in record.payload})
        ]
        assert [f.label for f in response.context["fields"]] == expected, record.source_id
        for hidden in set(record.payload) - set(share.fields):
            value = record.payload[hidden]
            if isinstance(value, str) and len(value) > 8 and not value[:4].isdigit():
                assert value not in text, (record.source_id, hidden)
        for secret in FREE_TEXT_PLANTED:
            assert secret not in text, (record.source_id, secret)
    for secret in FREE_TEXT_PLANTED:
        assert secret not in page, secret
    assert shown >= 2


def test_education_sees_domestic_abuse_incidents_as_such_with_the_date_only(
    build_force: Callable[..., dict[str, Person]], client_for: Callable[[str], Client]
) -> None:
    """The probe's case: a DA crime, call and concern read "Domestic abuse incident" in the
    "Records linked" table as in the chronology, with no time anywhere."""
    from tests.people.test_people_pages import give_purpose

    build_force()
    client = client_for(Role.PARTNER_EDUCATION)
    give_purpose(client)
    page = client.get("/people/P-william/").content.decode()
    for source_id in ("CALL-1", "CRIME-DA", "PPN-1"):
        url = f"/records/{Record.objects.get(source_id=source_id).pk}/"
        cells = _cells(_linked_row(page, url))
        assert cells[1] == "Domestic abuse incident", (source_id, cells)
        assert "10:00" not in _timeline_item(page, url)
        assert "10:00" not in client.get(url).content.decode()
    for label in ("Crime", "Call for service", "Safeguarding concern (non-crime)"):
        assert f">{label}</a>" not in page, label
