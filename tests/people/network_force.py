"""A hand-made force for the association and network pages: who is linked to whom, and why, is
known exactly. Records are imported through the real importer and linked by the ``test_person``
key each mention carries (as ``tests/people/conftest.py`` does), so identity is exact.

* Marcus Reed (adult) is named as suspect with Kayla Moss (child, flagged cse_risk) on a child
  sexual exploitation crime, and as subject with Leon Ward (child) on CSE intelligence; his
  phone is on a call, and on Jade Quinn's (child) missing episode with exploitation indicators:
  an EXPLOITATION_NETWORK of one adult and three children, one of them flagged.
* Dean Cole (adult) is a suspect on a second sexual crime against Kayla: one child only, so not a
  network adult, but a suspect in a sexual offence.
* Derek Hale (registered sex offender) lives at 5 Elm Road with Amy Stone (child): a shared
  private dwelling.
* Amy and Tom Rigg are both recorded at Oak House, a care home: no link.
* Amy and Vic Lowe are named on records sharing a vehicle.
* Sue Wise is a witness on Amy's call: witnesses link no one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from tests.conftest import write_ndjson
from tests.factories import record
from tests.people.conftest import link_by_test_key
from vigil.identity.models import Person
from vigil.people.search import reset_name_index
from vigil.records.importer import import_files

ELM = {"address": "5 Elm Road, Leeds", "postcode": "LS6 2AB"}
OAK = {"address": "Oak House, 44 Cedar Street, Leeds", "postcode": "LS7 3CD"}


def _day(days_ago: int) -> str:
    return (timezone.now() - dt.timedelta(days=days_ago)).date().isoformat()


def _born(age: int) -> str:
    """A date of birth making the person ``age`` today (their birthday some 40 days ago)."""
    today = timezone.localdate()
    return (dt.date(today.year - age, today.month, 1) - dt.timedelta(days=40)).isoformat()


def who(key: str, role: str, forename: str, surname: str, age: int, **extra: Any) -> dict[str, Any]:
    return {
        "mention_id": key,
        "role": role,
        "forename": forename,
        "surname": surname,
        "date_of_birth": _born(age),
        "test_person": key,
        **extra,
    }


def records() -> list[dict[str, Any]]:
    phone = [{"object_type": "phone", "identifier": "07700 900999"}]
    vehicle = [{"object_type": "vehicle", "identifier": "YX19 ABC"}]
    return [
        record(
            "crime",
            "CSE-1",
            [
                who("marcus", "suspect", "Marcus", "Reed", 34),
                who("kayla", "victim", "Kayla", "Moss", 14, flags=["cse_risk"]),
            ],
            _day(60),
            offence="Sexual activity with a child",
            offence_group="sexual",
            flags=["child_sexual_exploitation"],
        ),
        record(
            "intelligence",
            "INT-9",
            [
                who("marcus", "subject", "Marcus", "Reed", 34),
                who("leon", "associate", "Leon", "Ward", 15),
            ],
            _day(50),
            grading="B2",
            topics=["cse"],
            summary="Leon seen in Marcus's car",
        ),
        record(
            "call",
            "CALL-M",
            [who("marcus", "subject", "Marcus", "Reed", 34)],
            _day(45),
            category="other",
            objects=phone,
        ),
        record(
            "missing",
            "MIS-J",
            [who("jade", "missing_person", "Jade", "Quinn", 13)],
            _day(40),
            classification="missing",
            exploitation_indicators=["older_associates"],
            objects=phone,
        ),
        record(
            "crime",
            "SEX-2",
            [
                who("dean", "suspect", "Dean", "Cole", 41),
                who("kayla", "victim", "Kayla", "Moss", 14),
            ],
            _day(30),
            offence="Sexual assault",
            offence_group="sexual",
        ),
        record(
            "rso",
            "RSO-D",
            [who("derek", "offender", "Derek", "Hale", 55, **ELM)],
            _day(400),
            risk_level="high",
            management="active",
        ),
        record(
            "call",
            "CALL-A",
            [
                who("amy", "subject", "Amy", "Stone", 12, **ELM),
                who("sue", "witness", "Sue", "Wise", 60),
            ],
            _day(20),
            category="child_concern",
            location={**ELM, "premises_type": "private_dwelling"},
        ),
        record(
            "concern",
            "CON-OAK",
            [
                who("amy", "subject", "Amy", "Stone", 12, **OAK),
            ],
            _day(15),
            concern_type="child_at_risk",
            location={**OAK, "premises_type": "care_home"},
        ),
        record(
            "missing",
            "MIS-T",
            [who("tom", "missing_person", "Tom", "Rigg", 14, **OAK)],
            _day(14),
            classification="absent",
        ),
        record(
            "call",
            "CALL-V1",
            [who("amy", "subject", "Amy", "Stone", 12, **ELM)],
            _day(12),
            category="child_concern",
            objects=vehicle,
        ),
        record(
            "crime",
            "CRIME-V2",
            [who("vic", "suspect", "Vic", "Lowe", 30)],
            _day(10),
            offence="Theft of a vehicle",
            offence_group="other",
            objects=[{"object_type": "vehicle", "identifier": "yx19abc"}],
        ),
    ]


def build(tmp_path: Path) -> dict[str, Person]:
    path = write_ndjson(tmp_path / "network-force.ndjson", records())
    summary = import_files([path], started_by="test")
    assert summary.quarantined == 0, summary.errors
    reset_name_index()
    return link_by_test_key()
