"""Amendments written in Vigil through `vigil import` (RECORDS.md v1.1 'Records written in
Vigil', ALERTS.md 'Effective record'), on police protection (POLICE_PROTECTION_UNRESOLVED)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import VIGIL, query, vigil_env, write_ndjson
from vigil.records.importer import import_files

pytestmark = pytest.mark.django_db(transaction=True)

CODE = "POLICE_PROTECTION_UNRESOLVED"
LATER = "2025-03-12T12:00:00+00:00"
HOME = {
    "address": "14 Orchard Way, Redditch",
    "postcode": "B97 4QT",
    "premises_type": "private_dwelling",
}


SURNAMES = {
    "Maisie": ("Hollins", "2015-09-12"),
    "Tia": ("Marsh", "2013-01-30"),
    "Ava": ("Doyle", "2010-01-01"),
}


def _child(forename: str) -> dict[str, Any]:
    surname, dob = SURNAMES[forename]
    return {
        "mention_id": "c1",
        "role": "subject",
        "forename": forename,
        "surname": surname,
        "date_of_birth": dob,
        "gender": "female",
    }


def protection(source_id: str, forename: str, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "police_protection",
        "source_system": "niche",
        "source_id": source_id,
        "occurred_at": "2025-03-07T22:10:00+00:00",
        "people": [_child(forename)],
        "location": HOME,
        "started_at": "2025-03-07T22:10:00+00:00",
        **fields,
    }


def amendment(
    source_id: str,
    target: str,
    occurred_at: str = "2025-03-09T10:00:00+00:00",
    record_type: str = "police_protection",
    **fields: Any,
) -> dict[str, Any]:
    return {
        "record_type": record_type,
        "source_system": "vigil",
        "source_id": source_id,
        "occurred_at": occurred_at,
        "recorded_at": occurred_at,
        "people": [],
        "links": [{"source_system": "niche", "source_id": target, "relation": "amends"}],
        **fields,
    }


COMPLETE = {
    "local_authority_informed_at": "2025-03-07T23:05:00+00:00",
    "ended_at": "2025-03-09T09:30:00+00:00",
    "end_reason": "la_accommodation",
    "protective_plan": "Placed with maternal aunt under s20.",
}


def vigil(env: dict[str, str], *args: str) -> Any:
    result = subprocess.run(
        [str(VIGIL), *args, "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


def alerted(env: dict[str, str], as_of: str) -> dict[str, dict[str, Any]]:
    """POLICE_PROTECTION_UNRESOLVED alerts at as_of, by the child's source record."""
    found = {}
    for alert in vigil(env, "alerts", "--as-of", as_of, "--code", CODE):
        for mention in alert["subject"]["mentions"]:
            found[mention["source_id"]] = alert
    return found


@pytest.fixture
def env(tmp_path: Path, new_database: Callable[[], str]) -> dict[str, str]:
    return vigil_env(new_database(), tmp_path)


@pytest.mark.slow
def test_gaps_filled_source_values_win_and_as_of_before_the_amendment_ignores_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    records = [
        protection("PP-1", "Maisie"),
        # Written in Vigil on 10 March: counts from then, not from the times it records.
        amendment("VGL-1", "PP-1", occurred_at="2025-03-10T09:00:00+00:00", **COMPLETE),
        # Niche holds a late 'informed' time: the amendment's earlier one never replaces it.
        protection("PP-2", "Tia", local_authority_informed_at="2025-03-08T03:00:00+00:00"),
        amendment("VGL-2", "PP-2", **COMPLETE),
    ]
    summary = vigil(env, "import", str(write_ndjson(tmp_path / "pp.ndjson", records)))
    assert (summary["imported"], summary["quarantined"]) == (4, 0)

    later = alerted(env, LATER)
    assert "PP-1" not in later  # every gap filled: the effective record meets every duty
    tia = later["PP-2"]
    assert "local authority not informed within 2 hours" in tia["explanation"]
    assert "no end recorded" not in tia["explanation"]  # ended_at came from the amendment
    evidence = {(e["source_system"], e["source_id"]) for e in tia["evidence"]}
    assert {("niche", "PP-2"), ("vigil", "VGL-2")} <= evidence  # it supplied the end
    # The amendments are no records of their own for the rules: no alert is about them.
    assert all(e["source_system"] != "vigil" or e["source_id"] == "VGL-2" for e in tia["evidence"])

    before = alerted(env, "2025-03-09T12:00:00+00:00")
    assert "not recorded as informed" in before["PP-1"]["explanation"]


@pytest.mark.slow
def test_an_amendment_waits_for_its_target_and_a_new_version_keeps_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = write_ndjson(tmp_path / "vigil.ndjson", [amendment("VGL-1", "PP-1", **COMPLETE)])
    assert vigil(env, "import", str(first))["imported"] == 1
    target = write_ndjson(tmp_path / "niche.ndjson", [protection("PP-1", "Maisie", version=1)])
    assert vigil(env, "import", str(target))["imported"] == 1
    assert "PP-1" not in alerted(env, LATER)
    newer = write_ndjson(
        tmp_path / "niche2.ndjson",
        [protection("PP-1", "Maisie", version=2, summary="re-sent by Niche")],
    )
    assert vigil(env, "import", str(newer))["replaced"] == 1
    assert "PP-1" not in alerted(env, LATER)


@pytest.mark.slow
def test_an_amendment_arriving_reassesses_the_people_of_the_record_it_amends(
    env: dict[str, str], tmp_path: Path
) -> None:
    # Long ago, so that assessing now (at import) finds the protection unresolved.
    vigil(
        env, "import", str(write_ndjson(tmp_path / "niche.ndjson", [protection("PP-1", "Maisie")]))
    )
    url = env["VIGIL_DATABASE_URL"]
    sql = f"SELECT status FROM alerts_alert WHERE code = '{CODE}'"
    assert query(url, sql) == [("open",)]
    vigil(
        env,
        "import",
        str(write_ndjson(tmp_path / "vigil.ndjson", [amendment("VGL-1", "PP-1", **COMPLETE)])),
    )
    assert query(url, sql) == [("resolved",)]


@pytest.mark.slow
def test_amendments_breaking_the_contract_are_quarantined_with_their_reasons(
    env: dict[str, str], tmp_path: Path
) -> None:
    records = [
        protection("PP-1", "Maisie"),
        {
            **protection("PP-3", "Tia"),
            "links": [{"source_system": "niche", "source_id": "PP-1", "relation": "amends"}],
        },
        {
            **amendment("VGL-2", "PP-1"),
            "links": [
                {"source_system": "niche", "source_id": "PP-1", "relation": "amends"},
                {"source_system": "niche", "source_id": "PP-9", "relation": "amends"},
            ],
        },
        amendment("VGL-3", "PP-1")
        | {"links": [{"source_system": "vigil", "source_id": "VGL-0", "relation": "amends"}]},
        amendment("VGL-4", "PP-1", record_type="custody", charged_at="2025-03-08T09:00:00+00:00"),
        # Waits for a record that then arrives as another type: held, never applied.
        amendment("VGL-5", "CUS-1", **COMPLETE),
    ]
    summary = vigil(env, "import", str(write_ndjson(tmp_path / "pp.ndjson", records)))
    assert (summary["imported"], summary["quarantined"]) == (2, 4)
    custody = {
        "record_type": "custody",
        "source_system": "niche",
        "source_id": "CUS-1",
        "occurred_at": "2025-03-07T22:10:00+00:00",
        "people": [_child("Ava")],
    }
    assert (
        vigil(env, "import", str(write_ndjson(tmp_path / "c.ndjson", [custody])))["imported"] == 1
    )
    reasons = {q["source_id"]: " ".join(q["reasons"]) for q in vigil(env, "quarantine", "list")}
    assert "only records written in Vigil" in reasons["PP-3"]
    assert "more than one record with 'amends'" in reasons["VGL-2"]
    assert "a record written in Vigil" in reasons["VGL-3"]
    assert "a police_protection record" in reasons["VGL-4"]
    assert "arrived as a custody record" in reasons["VGL-5"]
    assert "not applied" in reasons["VGL-5"]


def test_list_entries_are_appended_without_duplicates(tmp_path: Path) -> None:
    from vigil.alerts.engine import load_casebook

    custody = {
        "record_type": "custody",
        "source_system": "custody",
        "source_id": "CUS-1",
        "occurred_at": "2025-03-07T22:10:00+00:00",
        "people": [_child("Ava")],
        "reviews": ["2025-03-08T04:00:00+00:00"],
    }
    extra = amendment(
        "VGL-1",
        "CUS-1",
        record_type="custody",
        reviews=["2025-03-08T04:00:00Z", "2025-03-08T13:00:00+00:00"],
    )
    extra["links"][0]["source_system"] = "custody"
    import_files([write_ndjson(tmp_path / "c.ndjson", [custody, extra])], started_by="test")
    book = load_casebook()
    held = [r for r in book.records.values() if r.source_id == "CUS-1"]
    assert [r.isoformat() for r in held[0].reviews] == [  # type: ignore[attr-defined]
        "2025-03-08T04:00:00+00:00",
        "2025-03-08T13:00:00+00:00",
    ]
    assert all(r.source_system != "vigil" for r in book.records.values())


def test_an_arriving_amendment_affects_the_people_of_the_record_it_amends(tmp_path: Path) -> None:
    from vigil.alerts.neighbourhood import Neighbourhood
    from vigil.identity.store import relink_all
    from vigil.records.models import PersonMention, Record

    import_files(
        [write_ndjson(tmp_path / "n.ndjson", [protection("PP-1", "Maisie")])], started_by="test"
    )
    relink_all(actor="test")
    summary = import_files(
        [write_ndjson(tmp_path / "v.ndjson", [amendment("VGL-1", "PP-1", **COMPLETE)])],
        started_by="test",
    )
    target = Record.objects.get(source_id="PP-1")
    mention = PersonMention.objects.get(record=target)
    hood = Neighbourhood()
    affected = hood.affected(summary.touched_record_ids)
    assert hood.person_ids(affected) >= hood.person_ids(hood.persons_on([target.pk]))
    assert mention.pk and hood.persons_on([target.pk]) <= affected
    assert hood.support(affected) >= {target.pk, *summary.touched_record_ids}
    # Whatever the support, the loader brings each record's amendments with it.
    records, _ = hood.load([target.pk])
    assert {r.source_id for r in records} == {"PP-1", "VGL-1"}
