"""What counts as a case of each practice area (AUDIT.md 'Practice areas'), on small hand-made
records through the real pipeline, and on a synthetic force: the sample's batched reading of the
store decides exactly what one casebook of everything decides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.factories import person, record
from vigil.alerts.engine import current_policy, evaluate_everyone, load_casebook
from vigil.ingest.pipeline import ingest_records
from vigil.inspection import sampling
from vigil.inspection.cases import Finder, Period, findings_in, parse_case_ref
from vigil.inspection.grading import AREAS
from vigil.rules import RecordKey
from vigil.rules.view import View

pytestmark = pytest.mark.django_db

PERIOD = Period.of(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
HOME = {
    "address": "1 High Street, Leeds",
    "postcode": "LS1 1AA",
    "premises_type": "private_dwelling",
}
ELM = {"address": "9 Elm Road, Leeds", "postcode": "LS2 2BB"}


def amy(role: str = "child_present", mention_id: str = "c1", **fields: Any) -> dict[str, Any]:
    return person(mention_id, role, "Amy", "Stone", "2009-04-01", **fields)


def ben(role: str, mention_id: str = "c2", **fields: Any) -> dict[str, Any]:
    return person(mention_id, role, "Ben", "Cole", "2010-06-09", **ELM, **fields)


def adult(role: str, mention_id: str = "a1", forename: str = "Jo", **fields: Any) -> dict[str, Any]:
    return person(mention_id, role, forename, "Stone", "1985-02-02", **fields)


def at(day: str, time: str = "10:00") -> str:
    return f"{day}T{time}:00+00:00"


def _store() -> list[dict[str, Any]]:
    """Every area's cases and near misses, January 2026."""
    da_call = record(
        "call", "DA-1", [adult("victim"), adult("suspect", "a2", "Lee")], "2026-01-05",
        category="domestic", location=HOME,
    )  # fmt: skip
    return [
        # Amy lives at 1 High Street (a record before the period says so).
        record("concern", "CON-0", [amy()], "2025-11-01", concern_type="other"),
        # domestic_abuse: one incident (DA-1 then DA-2) Amy lives at: one case, indexed by its
        # first record; an incident that began before the period; one exposing no child.
        da_call,
        record(
            "crime",
            "DA-2",
            [adult("victim")],
            "2026-01-10",
            flags=["domestic_abuse"],
            links=[{"source_system": "test", "source_id": "DA-1", "relation": "follows_from"}],
        ),
        record("crime", "DA-3", [amy("victim")], "2025-12-20", offence_group="domestic_abuse"),
        record(
            "call",
            "DA-4",
            [adult("victim", **ELM), adult("suspect", "a2", "Lee", **ELM)],
            "2026-01-15",
            category="domestic",
            location={**ELM, "premises_type": "private_dwelling"},
        ),
        # child_concern
        record("concern", "CON-1", [amy()], "2026-01-07", referred_to=[{"agency": "mash"}]),
        record("concern", "CON-2", [amy()], "2026-01-08", referred_to=[{"agency": "school"}]),
        record(
            "concern",
            "CON-3",
            [adult("subject")],
            "2026-01-09",
            referred_to=[{"agency": "childrens_social_care"}],
        ),
        # information_sharing and section_47
        record("strategy_discussion", "SD-1", [amy("subject")], "2026-01-12"),
        record(
            "referral",
            "REF-1",
            [amy("subject")],
            "2026-01-06",
            decision="section_47",
            decision_at=at("2026-01-07"),
        ),
        record(
            "referral",
            "REF-2",
            [amy("subject")],
            "2025-12-28",
            decision="section_47",
            decision_at=at("2026-01-02"),
        ),
        record(
            "referral",
            "REF-3",
            [amy("subject")],
            "2026-01-20",
            decision="section_47",
            decision_at=at("2026-02-03"),
        ),
        record("referral", "REF-4", [amy("subject")], "2026-01-21"),
        {
            "record_type": "referral",
            "source_system": "vigil",
            "source_id": "AMEND-1",
            "occurred_at": at("2026-01-22"),
            "people": [],
            "decision": "section_47",
            "decision_at": at("2026-01-22"),
            "links": [{"source_system": "test", "source_id": "REF-4", "relation": "amends"}],
        },
        record("investigation", "INV-1", [amy("victim")], "2026-01-11", opened_at=at("2026-01-11")),
        record(
            "investigation",
            "INV-2",
            [adult("victim"), amy("witness")],
            "2026-01-11",
            opened_at=at("2026-01-11"),
        ),
        # police_protection: started in the period, by started_at (London days)
        record(
            "police_protection", "PP-1", [amy("subject")], "2026-01-03", started_at=at("2026-01-03")
        ),
        record(
            "police_protection",
            "PP-2",
            [amy("subject")],
            "2025-12-31",
            started_at="2025-12-31T23:30:00+00:00",
        ),
        # sex_offender: registered years ago and managed in the period; one registered after it
        record(
            "rso",
            "RSO-1",
            [person("o1", "offender", "Max", "Hart", "1970-03-03", **ELM)],
            "2020-05-01",
            registered_at=at("2020-05-01"),
        ),
        record(
            "rso",
            "RSO-2",
            [person("o1", "offender", "Ray", "Dunn", "1962-09-09", **ELM)],
            "2025-06-01",
            registered_at=at("2026-03-01"),
        ),
        # missing
        record("missing", "MIS-1", [amy("missing_person")], "2026-01-14"),
        record("missing", "MIS-2", [adult("missing_person")], "2026-01-14"),
        # cse: topic cse; a cse_risk flag on a child named in another matter; not cse; a child
        # named only as reporting person; a crime with the CSE flag
        record("intelligence", "INT-1", [amy("subject")], "2026-01-16", topics=["cse"]),
        record("intelligence", "INT-2", [amy("subject")], "2026-01-16", topics=["cce"]),
        record(
            "intelligence",
            "INT-3",
            [ben("associate", flags=["cse_risk"])],
            "2026-01-17",
            topics=["county_lines"],
        ),
        record(
            "intelligence",
            "INT-4",
            [amy("reporting_person"), adult("subject")],
            "2026-01-17",
            topics=["cse"],
        ),
        record(
            "crime",
            "CR-CSE",
            [amy("victim")],
            "2026-01-17",
            offence_group="sexual",
            flags=["child_sexual_exploitation"],
        ),
        # online_sexual_abuse
        record("crime", "ON-1", [amy("victim")], "2026-01-18", offence_group="online_sexual"),
        record(
            "crime",
            "ON-2",
            [amy("victim")],
            "2026-01-18",
            offence_group="violence",
            flags=["online"],
        ),
        record("crime", "ON-3", [adult("victim")], "2026-01-18", offence_group="online_sexual"),
        # custody: a child on arrived_at; an adult; one who turned 18 the day before arriving
        record("custody", "CUS-1", [ben("detainee")], "2026-01-19", arrived_at=at("2026-01-19")),
        record("custody", "CUS-2", [adult("detainee")], "2026-01-19", arrived_at=at("2026-01-19")),
        record(
            "custody",
            "CUS-3",
            [person("d3", "detainee", "Kay", "Reed", "2008-01-20", **ELM)],
            "2026-01-21",
            arrived_at=at("2026-01-21"),
        ),
    ]


EXPECTED = {
    "domestic_abuse": ["domestic_abuse:test:DA-1"],
    "child_concern": ["child_concern:test:CON-1"],
    "information_sharing": [
        "information_sharing:test:REF-1",
        "information_sharing:test:REF-3",
        "information_sharing:test:REF-4",
        "information_sharing:test:SD-1",
    ],
    "police_protection": ["police_protection:test:PP-1"],
    "section_47": [
        "section_47:test:INV-1",
        "section_47:test:REF-1",
        "section_47:test:REF-2",
        "section_47:test:REF-4",
    ],
    "sex_offender": ["sex_offender:test:RSO-1"],
    "missing": ["missing:test:MIS-1"],
    "cse": ["cse:test:CR-CSE", "cse:test:INT-1", "cse:test:INT-3"],
    "online_sexual_abuse": ["online_sexual_abuse:test:ON-1", "online_sexual_abuse:test:ON-2"],
    "custody": ["custody:test:CUS-1"],
}


@pytest.fixture
def store() -> None:
    ingest_records(_store(), actor="test", as_of=PERIOD.end)


def _whole_finder() -> Finder:
    return Finder(View(load_casebook().at(PERIOD.end), current_policy(), PERIOD.end))


@pytest.mark.usefixtures("store")
def test_every_areas_cases_from_one_casebook_and_from_the_samples_reading() -> None:
    finder = _whole_finder()
    for area in AREAS:
        whole = [c.case_ref for c in finder.cases(area, PERIOD)]
        assert whole == EXPECTED[area], area
        drawn = sampling.draw(area, 50, PERIOD, seed=1)
        assert sorted(c.case_ref for c in drawn.cases) == EXPECTED[area], area
        assert drawn.held == len(EXPECTED[area]) and drawn.short


@pytest.mark.usefixtures("store")
def test_subjects_are_the_children_the_case_concerns_with_their_mentions() -> None:
    finder = _whole_finder()
    da = finder.case("domestic_abuse", RecordKey("test", "DA-1"), PERIOD)
    assert da is not None
    (child,) = da.subjects  # Amy, not named on the call: she lives at its address
    mentions = {m.source_id for m in child.mentions}
    assert {"CON-0", "CON-1", "MIS-1"} <= mentions  # every mention linked to her, to the end
    assert "DA-1" not in mentions
    rso = finder.case("sex_offender", RecordKey("test", "RSO-1"), PERIOD)
    assert rso is not None and [m.source_id for s in rso.subjects for m in s.mentions] == ["RSO-1"]
    inv = finder.case("section_47", RecordKey("test", "INV-2"), None)
    assert inv is None  # the child is a witness, not the victim
    # A CSV may name a record outside the period: its subjects, whatever its period.
    old = finder.case("domestic_abuse", RecordKey("test", "DA-3"), None)
    assert old is not None and len(old.subjects) == 1


@pytest.mark.usefixtures("store")
def test_vigil_findings_are_those_on_a_subject_or_the_index_record() -> None:
    missing = sampling.draw("missing", 1, PERIOD, seed=3).cases
    found = sampling.findings_for(missing, PERIOD.end)
    everything = evaluate_everyone(PERIOD.end)
    (case,) = missing
    assert found[case.case_ref] == findings_in(case, everything)
    assert {f.code for f in found[case.case_ref]}  # Amy's missing episode is not followed up


def test_case_references() -> None:
    assert parse_case_ref("missing:compact:M-1") == ("missing", RecordKey("compact", "M-1"))
    assert parse_case_ref("cse:niche:INT:3") == ("cse", RecordKey("niche", "INT:3"))
    for bad in ("missing:compact", "nowhere:a:b", "missing::M-1", ""):
        with pytest.raises(ValueError):
            parse_case_ref(bad)


def test_the_period_runs_over_whole_london_days() -> None:
    summer = Period.of(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert summer.start == dt.datetime(2026, 5, 31, 23, 0, tzinfo=dt.UTC)
    assert summer.end == dt.datetime(2026, 6, 30, 22, 59, 59, 999999, tzinfo=dt.UTC)
    assert dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC) in summer


@pytest.mark.slow
def test_on_a_synthetic_force_the_sample_reads_what_one_casebook_decides(tmp_path: Path) -> None:
    from vigil.identity.store import relink_all
    from vigil.records.importer import import_files
    from vigil.synth.generate import generate

    summary = generate(tmp_path / "force", people=600, seed=5, workers=1)
    end = dt.datetime.fromisoformat(summary["as_of"])
    import_files(sorted((tmp_path / "force" / "records").glob("*.ndjson")), started_by="test")
    relink_all(actor="test")
    last = (end - dt.timedelta(days=1)).date()
    period = Period.of(last - dt.timedelta(days=200), last)
    finder = Finder(View(load_casebook().at(period.end), current_policy(), period.end))
    seen = 0
    for area in AREAS:
        whole = finder.cases(area, period)
        drawn = sampling.draw(area, 10_000, period, seed=7)
        assert sorted(drawn.cases, key=lambda c: c.case_ref) == whole, area
        seen += len(whole)
        # Reproducible, and a smaller sample is the start of the same walk.
        again = sampling.draw(area, 3, period, seed=7)
        assert [c.case_ref for c in again.cases] == [c.case_ref for c in drawn.cases[:3]]
    assert seen > 50


@pytest.mark.usefixtures("store")
def test_neighbourhood_reads_a_generator_of_records_once() -> None:
    """Regression: ``Neighbourhood.info`` read its argument twice, so a generator gave nothing and
    the support of a child's findings missed the exploitation network around them."""
    from vigil.alerts.neighbourhood import Neighbourhood
    from vigil.records.models import Record

    pk = Record.objects.get(source_id="CR-CSE").pk
    hood = Neighbourhood()
    assert hood.info(p for p in [pk]) == {pk: ("crime", None)}
    child = hood.persons_on([pk])
    assert hood.matter_candidates(child) == child
