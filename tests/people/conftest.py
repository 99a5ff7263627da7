"""A small force for the people pages: imported through the real importer, then linked by a
``test_person`` key each mention carries (an extra field, kept in the payload), so identity
is exact and no linkage model runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import write_ndjson
from tests.factories import add_alert, make_user, record
from vigil.identity.models import MentionLink, Person
from vigil.people.search import reset_name_index
from vigil.records.importer import import_files
from vigil.records.models import PersonMention, Record

HOME = {
    "address": "1 High Street, Leeds",
    "postcode": "LS1 1AA",
    "premises_type": "private_dwelling",
}


def child(role: str = "child_present", **extra: Any) -> dict[str, Any]:
    return {
        "mention_id": "c",
        "role": role,
        "forename": "William",
        "surname": "Stone",
        "date_of_birth": "2012-05-03",
        "address": HOME["address"],
        "postcode": "LS1 1AA",
        "test_person": "william",
        **extra,
    }


def mother() -> dict[str, Any]:
    return {
        "mention_id": "m",
        "role": "parent_carer",
        "forename": "Karen",
        "surname": "Stone",
        "date_of_birth": "1985-02-11",
        "address": HOME["address"],
        "postcode": "ls11aa",
        "test_person": "karen",
    }


def free_text_records() -> list[dict[str, Any]]:
    """Records whose free text no partner may see (children's social care sees their kinds)."""
    return [
        record(
            "strategy_discussion",
            "STRAT-1",
            [child("subject")],
            "2020-06-15",
            held_at="2020-06-15T14:30:00+00:00",
            agencies=["police", "csc"],
            decisions="STRATEGY-DECISION-TEXT",
            actions=[
                {
                    "description": "ACTION-DESCRIPTION-TEXT",
                    "owner": "SW1",
                    "due_at": "2020-06-20T12:00:00+00:00",
                }
            ],
        ),
        record(
            "police_protection",
            "PP-1",
            [child("subject")],
            "2020-11-01",
            started_at="2020-11-01T22:10:00+00:00",
            ended_at="2020-11-02T09:00:00+00:00",
            end_reason="returned_home",
            protective_plan="PROTECTIVE-PLAN-TEXT",
        ),
    ]


def force_records(
    extra_calls: int = 0, extra_associates: int = 0, free_text: bool = False
) -> list[dict[str, Any]]:
    rows = [
        record(
            "call",
            "CALL-1",
            [child(), mother()],
            "2020-01-01",
            location=HOME,
            category="domestic",
            summary="Neighbour reports shouting",
        ),
        record(
            "crime",
            "CRIME-DA",
            [child("victim")],
            "2020-02-01",
            location=HOME,
            offence="Assault",
            offence_group="domestic_abuse",
            summary="DA-CRIME-SUMMARY",
        ),
        record(
            "concern",
            "PPN-1",
            [child(), mother()],
            "2020-03-01",
            location=HOME,
            concern_type="domestic_abuse_noncrime",
            risk_assessment={"tool": "DASH", "level": "high", "yes_count": 15},
        ),
        record(
            "missing",
            "MIS-1",
            [
                child(
                    "missing_person", forename="Billy", phone="07700 900123", flags=["looked_after"]
                )
            ],
            "2020-04-01",
            classification="missing",
            reported_at="2020-04-01T10:00:00+00:00",
            found_location={"address": "Secret Flat, Leeds", "postcode": "LS9 9ZZ"},
        ),
        record(
            "referral",
            "REF-1",
            [child("subject")],
            "2020-05-01",
            to_agency="childrens_social_care",
            sent_at="2020-05-01T11:00:00+00:00",
            decision="section_47",
        ),
        record(
            "cp_plan",
            "CPP-1",
            [child("subject")],
            "2020-06-01",
            started_at="2020-06-01T09:00:00+00:00",
            category="neglect",
        ),
        record(
            "intelligence",
            "INT-1",
            [
                child("subject"),
                {
                    "mention_id": "x",
                    "role": "associate",
                    "forename": "Ivan",
                    "surname": "Secretman",
                    "test_person": "ivan",
                },
            ],
            "2020-07-01",
            grading="B2",
            topics=["cse"],
            summary="INTEL-CONTENT-SECRET",
        ),
        record(
            "crime",
            "CRIME-SUS",
            [child("suspect")],
            "2020-08-01",
            offence="Theft",
            offence_group="other",
            summary="SUSPECT-CRIME-SUMMARY",
        ),
        record(
            "custody",
            "CUS-1",
            [child("detainee")],
            "2020-09-01",
            grounds="offence",
            offence="CUSTODY-OFFENCE-TEXT",
            arrived_at="2020-09-01T10:00:00+00:00",
        ),
        record(
            "crime",
            "CRIME-ROB",
            [child("victim")],
            "2020-10-01",
            offence="Robbery",
            offence_group="robbery",
            summary="ROBBERY-SUMMARY",
            objects=[{"object_type": "vehicle", "identifier": "AB12 CDE"}],
        ),
        record(
            "rso",
            "RSO-1",
            [
                {
                    "mention_id": "o",
                    "role": "offender",
                    "forename": "Derek",
                    "surname": "Hale",
                    "date_of_birth": "1970-01-01",
                    "address": HOME["address"],
                    "postcode": "LS1 1AA",
                    "flags": ["rso"],
                    "test_person": "derek",
                }
            ],
            "2019-06-01",
            risk_level="high",
            management="active",
        ),
        record(
            "call",
            "CALL-OTHER",
            [
                {
                    "mention_id": "a",
                    "role": "subject",
                    "forename": "Amy",
                    "surname": "Smith",
                    "date_of_birth": "2011-01-01",
                    "postcode": "M1 1AA",
                    "address": "9 Low Road",
                    "test_person": "amy",
                }
            ],
            "2020-01-05",
            category="other",
        ),
    ]
    if free_text:
        rows += free_text_records()
    for i in range(extra_calls):
        people = [child()]
        if i < extra_associates:
            people.append(
                {
                    "mention_id": f"a{i}",
                    "role": "witness",
                    "forename": f"Assoc{i}",
                    "surname": f"Person{i}",
                    "test_person": f"assoc{i}",
                    "postcode": "LS2 2BB",
                    "address": f"{i} Other Road",
                }
            )
        rows.append(
            record(
                "call",
                f"CALL-X{i}",
                people,
                f"2021-01-{1 + i % 28:02d}",
                category="child_concern",
                summary=f"extra call {i}",
            )
        )
    return rows


def link_by_test_key() -> dict[str, Person]:
    """Person per ``test_person`` key; every mention linked to its person."""
    now = timezone.now()
    persons: dict[str, Person] = {}
    links = []
    payloads = dict(Record.objects.values_list("pk", "payload"))
    for m in PersonMention.objects.all():
        key = next(
            p.get("test_person")
            for p in payloads[m.record_id]["people"]
            if p["mention_id"] == m.mention_id
        )
        if key not in persons:
            persons[key] = Person.objects.create(person_id=f"P-{key}", created_at=now)
        links.append(MentionLink(mention=m, person=persons[key], linked_at=now))
    MentionLink.objects.bulk_create(links)
    return persons


@pytest.fixture
def build_force(db: None, tmp_path: Path) -> Callable[..., dict[str, Person]]:
    def build(**kw: Any) -> dict[str, Person]:
        path = write_ndjson(
            tmp_path / f"force-{len(list(tmp_path.iterdir()))}.ndjson", force_records(**kw)
        )
        summary = import_files([path], started_by="test")
        assert summary.quarantined == 0, summary.errors
        reset_name_index()
        return link_by_test_key()

    return build


@pytest.fixture
def force(build_force: Callable[..., dict[str, Person]]) -> dict[str, Person]:
    persons = build_force()
    add_alert("P-william")
    add_alert(
        "P-william",
        code="INTELLIGENCE_NOT_ACTIONED",
        evidence=[["test", "INT-1"]],
        explanation="INTEL-BASED-EXPLANATION",
    )
    return persons


@pytest.fixture
def client_for(db: None) -> Callable[[str], Client]:
    def make(role: str) -> Client:
        user = make_user(role)
        client = Client()
        client.force_login(user)
        return client

    return make
