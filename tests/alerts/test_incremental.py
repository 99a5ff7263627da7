"""Incremental evaluation on import gives exactly the stored alerts a full assessment gives."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import write_ndjson
from vigil.alerts.engine import assess, assess_touched
from vigil.alerts.models import Alert
from vigil.alerts.neighbourhood import Neighbourhood
from vigil.identity.models import Person
from vigil.identity.store import link_new, relink_all
from vigil.records.contract import parse_record_json
from vigil.records.importer import import_files
from vigil.records.models import PersonMention, Record
from vigil.rules import Casebook, MentionKey, RecordKey, evaluate
from vigil.synth.generate import generate

pytestmark = pytest.mark.django_db

Snapshot = set[tuple[str, str, str, str]]


def snapshot() -> Snapshot:
    return {
        (a.code, a.subject_key, a.status, orjson.dumps(a.evidence).decode())
        for a in Alert.objects.all()
    }


def import_one(path: Path, as_of: dt.datetime, *, incremental_link: bool = True) -> Any:
    """What `vigil import` does for one file: import, link the new mentions, assess incrementally.

    In a store of a few records linking a new one is a full relink (``link_new``'s rule); person
    ids survive it there, so the focused cases still test incremental evaluation.
    """
    summary = import_files([path], started_by="test")
    touched = PersonMention.objects.filter(record_id__in=summary.touched_record_ids)
    link = link_new(touched.values_list("pk", flat=True), actor="test")
    assert link.mode == "incremental" or not incremental_link
    return assess_touched(summary.touched_record_ids, as_of)


# Codes whose finding about one person can rest on records that do not name them.
REACHING = (
    "CUMULATIVE_DOMESTIC_ABUSE",
    "DA_RISK_UNDERESTIMATED",
    "EXPLOITATION_NETWORK",
    "MISSING_EXPLOITATION_RISK",
    "CHILD_SUSPECT_EXPLOITED",
    "RSO_CHILD_CONTACT",
    "MARAC_CRITERIA_MET_NOT_REFERRED",
    "NO_STRATEGY_DISCUSSION",
)


def _held_out(force: Path, lines: list[dict[str, Any]], as_of: dt.datetime) -> list[dict[str, Any]]:
    """Records whose arrival changes findings about people they do not name.

    The whole force is evaluated with its true identity; for each code that reaches beyond the
    records naming its subject, up to two findings give an evidence record not naming the subject
    (a DA call at a child's address, an adult's record with another child, another victim's
    incident). Holding those back and importing them last makes the incremental path reach.
    """
    with (force / "truth" / "persons.csv").open() as handle:
        identity = {
            MentionKey(r["source_system"], r["source_id"], r["mention_id"]): r["person"]
            for r in csv.DictReader(handle)
        }
    book = Casebook([parse_record_json(orjson.dumps(r)) for r in lines], identity)
    chosen: dict[RecordKey, None] = {}
    for code in REACHING:
        picked = 0
        for finding in evaluate(book, None, as_of, codes=[code]):
            if finding.subject_kind != "person" or picked == 3:
                continue
            reaching = [
                k
                for k in finding.evidence
                if finding.person_id not in book.persons_on(k) and k not in chosen
            ]
            if reaching:
                chosen[reaching[-1]] = None
                picked += 1
    # And the latest record of some other kinds, linked to another where there is one.
    for kind in ("call", "crime", "missing", "intelligence", "rso", "marac", "referral"):
        rows = sorted(
            (
                r
                for r in lines
                if r["record_type"] == kind and dt.datetime.fromisoformat(r["occurred_at"]) <= as_of
            ),
            key=lambda r: r["occurred_at"],
        )
        rows = [r for r in rows if r.get("links")] or rows
        if rows:
            chosen.setdefault(RecordKey(rows[-1]["source_system"], rows[-1]["source_id"]), None)
    by_key = {RecordKey(r["source_system"], r["source_id"]): r for r in lines}
    return [by_key[k] for k in chosen]


@pytest.mark.slow
def test_incremental_import_equals_full_assessment_on_a_synthetic_force(tmp_path: Path) -> None:
    force = tmp_path / "force"
    summary = generate(force, people=1500, seed=7, workers=1)
    as_of = dt.datetime.fromisoformat(summary["as_of"])
    lines = [
        orjson.loads(line)
        for f in sorted((force / "records").glob("*.ndjson"))
        for line in f.read_bytes().splitlines()
        if line.strip()
    ]
    held = _held_out(force, lines, as_of)
    held_ids = {(r["source_system"], r["source_id"]) for r in held}
    assert len(held) >= 10
    base = write_ndjson(
        tmp_path / "base.ndjson",
        [r for r in lines if (r["source_system"], r["source_id"]) not in held_ids],
    )
    import_files([base], started_by="test")
    relink_all(actor="test")
    assess(as_of)
    before = snapshot()
    for number, record in enumerate(held):
        # An amendment written in Vigil names no one: it has nothing to link, only to assess.
        outcome = import_one(
            write_ndjson(tmp_path / f"one-{number}.ndjson", [record]),
            as_of,
            incremental_link=bool(record["people"]),
        )
        assert outcome.affected >= 1
        incremental = snapshot()
        full_findings, full = assess(as_of)
        # The full assessment finds nothing left to change: every stored alert already agrees.
        assert (full.raised, full.reopened, full.resolved, full.updated) == (0, 0, 0, 0), record
        assert snapshot() == incremental
    assert snapshot() != before  # the held-out records did change something
    # Re-assessing around records that did not change changes nothing: each affected person's
    # findings from the partial casebook are exactly what the full one gave. Start from a record
    # naming the subject of each alert that rests on records not naming them (the support must
    # reach those), and from some records at random.
    starts = []
    for alert in Alert.objects.filter(code__in=REACHING, subject_kind="person").order_by(
        "alert_id"
    ):
        system, source_id, _ = alert.mentions[0]
        starts.append([Record.objects.get(source_system=system, source_id=source_id).pk])
    ids = sorted(Record.objects.values_list("pk", flat=True))
    starts += [random.Random(n).sample(ids, 3) for n in range(10)]
    for touched in starts:
        outcome = assess_touched(touched, as_of)
        assert (
            outcome.sync.raised,
            outcome.sync.reopened,
            outcome.sync.resolved,
            outcome.sync.updated,
        ) == (0, 0, 0, 0), touched
    assert len(starts) > 30
    assert snapshot() == incremental
    # The support of one person alone gives that person exactly the full evaluation's findings.
    full_by_person: dict[str, set[bytes]] = {}
    for finding in full_findings:
        if finding.person_id is not None:
            full_by_person.setdefault(finding.person_id, set()).add(orjson.dumps(finding.as_json()))
    reaching = sorted({f.person_id for f in full_findings if f.code in REACHING and f.person_id})
    people = dict(Person.objects.values_list("person_id", "pk"))
    chosen = reaching + random.Random(5).sample(sorted(people), 40)
    for person in chosen:
        hood = Neighbourhood()
        records, identity = hood.load(hood.support({people[person]}))
        alone = evaluate(Casebook(records, identity), None, as_of, persons=[person])
        mine = {orjson.dumps(f.as_json()) for f in alone if f.person_id == person}
        assert mine == full_by_person.get(person, set()), person


# --- focused cases ---------------------------------------------------------------------------

AS_OF = dt.datetime(2014, 6, 1, 12, tzinfo=dt.UTC)
HOME = {"address": "14 Alder Road, Birmingham", "postcode": "B12 9QD"}


def person(
    mention_id: str, role: str, forename: str, surname: str, born: str, **extra: Any
) -> dict[str, Any]:
    return {
        "mention_id": mention_id,
        "role": role,
        "forename": forename,
        "surname": surname,
        "date_of_birth": born,
        **extra,
    }


def da_call(source_id: str, when: str, people: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "record_type": "call",
        "source_system": "storm",
        "source_id": source_id,
        "occurred_at": when,
        "people": people,
        "category": "domestic",
        "location": {**HOME, "premises_type": "private_dwelling"},
        "grade_history": [
            {"at": when, "grade": "scheduled", "reason": None, "welfare_check": None}
        ],
    }


def stored(code: str) -> set[str]:
    return set(Alert.objects.filter(code=code, status="open").values_list("person_id", flat=True))


def test_a_da_incident_at_a_childs_address_raises_cumulative_abuse_without_naming_the_child(
    tmp_path: Path,
) -> None:
    mother = person("v", "victim", "Sarah", "Collins", "1988-03-14", **HOME)
    father = person("s", "suspect", "Darren", "Collins", "1985-11-02", **HOME)
    child = person("k", "subject", "Kayleigh", "Collins", "2008-05-06", **HOME)
    school = {
        "record_type": "referral",
        "source_system": "lccs",
        "source_id": "REF-1",
        "occurred_at": "2013-10-01T09:00:00+00:00",
        "people": [child],
        "to_agency": "childrens_social_care",
        "received_at": "2013-10-01T09:00:00+00:00",
        "decision_at": "2013-10-01T15:00:00+00:00",
        "decision": "no_further_action",
    }
    first = [
        school,
        da_call("CAD-1", "2013-11-02T22:10:00+00:00", [mother, father]),
        da_call("CAD-2", "2014-02-15T21:00:00+00:00", [mother, father]),
    ]
    import_files([write_ndjson(tmp_path / "first.ndjson", first)], started_by="test")
    relink_all(actor="test")
    assess(AS_OF)
    assert stored("CUMULATIVE_DOMESTIC_ABUSE") == set()
    import_one(
        write_ndjson(
            tmp_path / "third.ndjson",
            [da_call("CAD-3", "2014-05-30T23:00:00+00:00", [mother, father])],
        ),
        AS_OF,
        incremental_link=False,
    )
    [alert] = Alert.objects.filter(code="CUMULATIVE_DOMESTIC_ABUSE")
    assert ["lccs", "REF-1"] not in alert.evidence  # the child is not named on any DA record
    assert [k[1] for k in alert.evidence] == ["CAD-1", "CAD-2", "CAD-3"]
    # The child's mentions are the referral's alone: the alert is about the child.
    assert alert.mentions == [["lccs", "REF-1", "k"]]
    _, full = assess(AS_OF)
    assert (full.raised, full.resolved, full.updated) == (0, 0, 0)


def test_a_record_linking_an_adult_to_a_second_child_raises_the_network_for_the_first_child(
    tmp_path: Path,
) -> None:
    adult = person("a", "suspect", "Lee", "Marsh", "1980-01-01")
    first_child = person("c", "victim", "Amy", "Stone", "2000-04-01")
    crime = {
        "record_type": "crime",
        "source_system": "niche",
        "source_id": "CR-1",
        "occurred_at": "2014-03-01T10:00:00+00:00",
        "people": [adult, first_child],
        "offence_group": "sexual",
        "offence": "Sexual activity with a child",
    }
    import_files([write_ndjson(tmp_path / "first.ndjson", [crime])], started_by="test")
    relink_all(actor="test")
    assess(AS_OF)
    assert stored("EXPLOITATION_NETWORK") == set()
    second_child = person("d", "subject", "Jade", "Hill", "2001-07-09")
    intel = {
        "record_type": "intelligence",
        "source_system": "intel",
        "source_id": "INT-1",
        "occurred_at": "2014-04-01T10:00:00+00:00",
        "topics": ["cse"],
        "people": [{**adult, "role": "subject", "mention_id": "a"}, second_child],
        "follow_up_at": "2014-04-02T10:00:00+00:00",
    }
    import_one(write_ndjson(tmp_path / "intel.ndjson", [intel]), AS_OF, incremental_link=False)
    network = Alert.objects.filter(code="EXPLOITATION_NETWORK", status="open")
    mentions = {tuple(m) for a in network for m in a.mentions}
    assert ("niche", "CR-1", "c") in mentions  # the first child, not on the new record
    assert ("intel", "INT-1", "d") in mentions
    assert ("niche", "CR-1", "a") in mentions
    assert network.count() == 3
    _, full = assess(AS_OF)
    assert (full.raised, full.resolved, full.updated) == (0, 0, 0)
