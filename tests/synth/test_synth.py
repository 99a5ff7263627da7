"""The synthetic force: valid records, complete and consistent truth, noise, determinism.

No database: generation is pure Python and these tests only read the files it writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from vigil.records.contract import RECORD_TYPES, parse_record
from vigil.records.normalise import location_key
from vigil.records.reasons import reasons_from
from vigil.synth import ALERT_CODES, generate
from vigil.synth import config as synth_config
from vigil.synth.clock import LONDON
from vigil.synth.generate import period

ALERTS_MD = Path(__file__).resolve().parents[3] / "shared" / "contract" / "ALERTS.md"
PEOPLE = 2500
# A force ending now (what `vigil synth` and the demo make) and one with the library's fixed period.
NOW = dt.datetime.now(dt.UTC)

Key = tuple[str, str, str]


class Force:
    """A generated force read back: records, mentions, truth."""

    def __init__(self, out: Path, summary: dict[str, Any]) -> None:
        self.out = out
        self.summary = summary
        self.records: list[dict[str, Any]] = []
        for path in sorted((out / "records").glob("*.ndjson")):
            with path.open("rb") as fh:
                self.records.extend(orjson.loads(line) for line in fh)
        self.mentions: dict[Key, dict[str, Any]] = {}
        for rec in self.records:
            for m in rec["people"]:
                self.mentions[(rec["source_system"], rec["source_id"], m["mention_id"])] = m
        with (out / "truth" / "persons.csv").open(newline="") as fh:
            rows = list(csv.reader(fh))
        self.persons_header = rows[0]
        self.person_of: dict[Key, str] = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
        self.truth_rows = len(rows) - 1
        with (out / "truth" / "alerts.ndjson").open("rb") as fh:
            self.expectations = [orjson.loads(line) for line in fh]
        with (out / "truth" / "alerts_must_not.ndjson").open("rb") as fh:
            self.must_not = [orjson.loads(line) for line in fh]

    def by_person(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for key, m in self.mentions.items():
            grouped[self.person_of[key]].append(m)
        return grouped


@pytest.fixture(scope="module", params=["fixed", "now"])
def force(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Force:
    out = tmp_path_factory.mktemp("force")
    seen: list[int] = []
    end = NOW if request.param == "now" else None
    summary = generate(out, PEOPLE, seed=7, end=end, progress=seen.append)
    assert seen and seen[-1] == summary["people"]
    return Force(out, summary)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --- records -----------------------------------------------------------------------------------


def test_every_record_is_valid_per_the_contract(force: Force) -> None:
    problems = []
    for rec in force.records:
        try:
            parse_record(rec)
        except ValidationError as exc:
            problems.append((rec["source_id"], reasons_from(exc)))
    assert not problems, problems[:5]
    assert force.summary["records"] == len(force.records)


def test_all_thirteen_record_types_appear_at_plausible_rates(force: Force) -> None:
    counts = Counter(rec["record_type"] for rec in force.records)
    assert set(counts) == set(RECORD_TYPES)
    assert counts == Counter(force.summary["records_by_type"])
    # Calls and non-crime concerns are the bulk; custody, protection and MARAC are rare.
    assert counts.most_common(1)[0][0] == "call"
    assert counts["concern"] > counts["custody"] + counts["police_protection"] + counts["marac"]
    assert 1.0 <= len(force.records) / force.summary["people"] <= 3.0


def test_source_ids_are_unique_and_systems_sensible(force: Force) -> None:
    """Unique per identity and version: only a record Vigil holds of its own comes twice (a new
    version records its actions done)."""
    keys = [(r["source_system"], r["source_id"], r.get("version")) for r in force.records]
    assert len(keys) == len(set(keys))
    assert {ss for ss, _, version in keys if version is not None} == {"vigil"}
    systems = {
        r["record_type"]: r["source_system"] for r in force.records if r["source_system"] != "vigil"
    }
    assert systems["call"] == "storm" and systems["missing"] == "compact"
    assert systems["custody"] == "custody" and systems["referral"] == "csc"


def test_records_happen_by_as_of_and_carry_offsets(force: Force) -> None:
    as_of = dt.datetime.fromisoformat(force.summary["as_of"])
    for rec in force.records:
        occurred = dt.datetime.fromisoformat(rec["occurred_at"])
        assert occurred.tzinfo is not None and occurred <= as_of


def test_links_point_at_records_that_exist(force: Force) -> None:
    keys = {(r["source_system"], r["source_id"]) for r in force.records}
    links = [link for r in force.records for link in r.get("links", [])]
    assert links, "calls should link to the crimes and concerns they led to"
    assert all((link["source_system"], link["source_id"]) in keys for link in links)


def test_locations_and_objects(force: Force) -> None:
    premises = Counter(r["location"]["premises_type"] for r in force.records if "location" in r)
    assert {"private_dwelling", "care_home", "public_place", "police_station"} <= set(premises)
    objects = Counter(o["object_type"] for r in force.records for o in r.get("objects", []))
    assert objects["vehicle"] and objects["phone"]
    postcode = re.compile(r"^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$")
    codes = [m["postcode"] for m in force.mentions.values() if m.get("postcode")]
    assert all(postcode.match(c) for c in codes), [c for c in codes if not postcode.match(c)][:5]


# --- truth -------------------------------------------------------------------------------------


def test_no_location_holds_addresses_from_two_towns(force: Force) -> None:
    """Issue 11 item 21: the store's location key (and so the rules' address, households and
    the address briefing) never puts two towns' addresses in one place. Every synthetic address
    ends with its town; some are written without their postcode."""
    towns: dict[str, set[str]] = defaultdict(set)
    places = [(m.get("address"), m.get("postcode")) for m in force.mentions.values()]
    places += [
        (r["location"].get("address"), r["location"].get("postcode"))
        for r in force.records
        if r.get("location")
    ]
    without_postcode = 0
    for address, code in places:
        if not address:
            continue
        key = location_key(address, code)
        assert key is not None, address
        towns[key].add(address.rsplit(",", 1)[-1].strip())
        without_postcode += not code
    assert without_postcode > 100  # the case that mixed towns before
    mixed = {key: found for key, found in towns.items() if len(found) > 1}
    assert not mixed, sorted(mixed.items())[:5]


def test_persons_truth_covers_exactly_every_mention(force: Force) -> None:
    assert force.persons_header == ["source_system", "source_id", "mention_id", "person"]
    assert force.truth_rows == len(force.person_of) == len(force.mentions)
    assert set(force.person_of) == set(force.mentions)


def test_two_mentions_on_one_record_are_different_people(force: Force) -> None:
    for rec in force.records:
        people = [
            force.person_of[(rec["source_system"], rec["source_id"], m["mention_id"])]
            for m in rec["people"]
        ]
        assert len(people) == len(set(people)), rec["source_id"]


def test_alert_codes_list_matches_the_contract() -> None:
    if not ALERTS_MD.exists():
        pytest.skip("shared/contract is not beside this checkout")
    codes = re.findall(r"^\| `([A-Z_]+)` \|", ALERTS_MD.read_text(), flags=re.MULTILINE)
    assert codes and sorted(codes) == sorted(ALERT_CODES)


def test_every_alert_code_is_planted_and_keys_exist(force: Force) -> None:
    records = {(r["source_system"], r["source_id"]) for r in force.records}
    planted = Counter(e["code"] for e in force.expectations)
    assert set(planted) == set(ALERT_CODES)
    assert planted == Counter({k: v for k, v in force.summary["planted"].items() if v})
    must_not = Counter(e["code"] for e in force.must_not)
    assert must_not == Counter(force.summary["planted_must_not"])
    assert sum(must_not.values()) == force.summary["planted_must_not_total"] > 0
    for exp in force.expectations + force.must_not:
        assert exp["planted"]
        if "mention" in exp:
            assert tuple(exp["mention"]) in force.mentions, exp
        else:
            assert tuple(exp["record"]) in records, exp


def test_planted_mentions_are_clean(force: Force) -> None:
    """Expectations name mentions: those must carry a full, true identity (no noise)."""
    for exp in force.expectations:
        if "mention" in exp:
            m = force.mentions[tuple(exp["mention"])]
            assert m["date_of_birth"] and m["forename"] and m["surname"] and m["postcode"]


def test_tiny_force_still_plants_every_code(tmp_path: Path) -> None:
    summary = generate(tmp_path, 200, seed=3)
    assert all(summary["planted"][code] >= 1 for code in ALERT_CODES)
    assert summary["planted_situations"] == dict.fromkeys(ALERT_CODES, 1)
    assert summary["planted_casework"] == dict.fromkeys(synth_config.CASEWORK_SITUATIONS, 1)
    assert summary["planted"] == {code: summary["planted"][code] for code in ALERT_CODES}


def test_summary_file_and_as_of(force: Force) -> None:
    saved = orjson.loads((force.out / "truth" / "summary.json").read_bytes())
    if saved["start"] == "2013-01-01":  # the library's fixed period
        assert saved["as_of"] == "2015-01-01T12:00:00+00:00"  # + 730 days, 12:00 London
    else:  # ending now: as_of is that instant (to the second), the start 730 London days before
        as_of = dt.datetime.fromisoformat(saved["as_of"])
        assert as_of == NOW.replace(microsecond=0)
        assert as_of.utcoffset() == NOW.astimezone(LONDON).utcoffset()
        assert (
            saved["start"] == (NOW.astimezone(LONDON).date() - dt.timedelta(days=730)).isoformat()
        )
    assert saved["days"] == 730
    assert {k: v for k, v in force.summary.items() if k != "elapsed_seconds"} == saved
    assert force.summary["people"] >= PEOPLE


def test_as_of_uses_summer_time(tmp_path: Path) -> None:
    summary = generate(tmp_path, 150, start=dt.date(2014, 1, 1), days=170)
    assert summary["as_of"] == "2014-06-20T12:00:00+01:00"


def _evaluate(force: Force, records: list[dict[str, Any]]) -> list[Any]:
    rules = pytest.importorskip("vigil.rules")
    identity = {rules.MentionKey(*k): pid for k, pid in force.person_of.items()}
    try:
        return list(
            rules.evaluate(
                rules.Casebook([parse_record(r) for r in records], identity),
                as_of=dt.datetime.fromisoformat(force.summary["as_of"]),
            )
        )
    except Exception as exc:  # the records are valid (tested above): a crash is the rules' bug
        pytest.xfail(f"vigil.rules raised {exc!r} evaluating valid records")


def _hits(findings: list[Any], exp: dict[str, Any]) -> list[Any]:
    """The findings an expectation names, matched as check_scenarios.py matches them."""
    hits = [f for f in findings if f.code == exp["code"]]
    if "mention" in exp:
        return [f for f in hits if tuple(exp["mention"]) in {tuple(m) for m in f.mentions}]
    want = tuple(exp["record"])
    return [
        f
        for f in hits
        if (f.record and tuple(f.record) == want) or want in {tuple(e) for e in f.evidence}
    ]


def test_planted_expectations_hold_under_the_rules_package(force: Force) -> None:
    """With true identity, the project's own rules find every planted alert at as_of, say what
    a planted one must say (how late a duty was done), and raise none that must not fire."""
    findings = _evaluate(force, force.records)
    missing = [exp for exp in force.expectations if not _hits(findings, exp)]
    assert not missing, missing[:5]
    unsaid = [
        (exp, [f.explanation for f in _hits(findings, exp)])
        for exp in force.expectations
        if "says" in exp and not any(exp["says"] in f.explanation for f in _hits(findings, exp))
    ]
    assert not unsaid, unsaid[:5]
    unexpected = [exp for exp in force.must_not if _hits(findings, exp)]
    assert not unexpected, unexpected[:5]


def test_casework_written_in_vigil_decides_its_planted_situations(force: Force) -> None:
    """Vigil's records are amendments as RECORDS.md v1.1 has them (or versions of a record of
    its own), and they decide the outcome: read without them (amendments dropped, each record
    of its own at its first version) every alert that must not fire does, and a duty done late
    reads as never done."""
    as_of = dt.datetime.fromisoformat(force.summary["as_of"])
    keys = {(r["source_system"], r["source_id"]): r for r in force.records}
    vigil = [r for r in force.records if r["source_system"] == "vigil"]
    assert len(vigil) == force.summary["written_in_vigil"] > 0
    amendments = [r for r in vigil if any(x["relation"] == "amends" for x in r.get("links", []))]
    own = [r for r in vigil if r not in amendments]
    assert amendments and own
    for amendment in amendments:
        (link,) = amendment["links"]
        assert link["relation"] == "amends" and link["source_system"] != "vigil"
        assert (
            keys[(link["source_system"], link["source_id"])]["record_type"]
            == (amendment["record_type"])
        )
        assert amendment["people"] == []
        occurred = dt.datetime.fromisoformat(amendment["occurred_at"])
        recorded = dt.datetime.fromisoformat(amendment["recorded_at"])
        assert occurred <= recorded <= as_of
    versions = Counter(r["source_id"] for r in own)
    assert set(versions.values()) == {2}
    casework = [e for e in force.expectations + force.must_not if "casework" in e]
    assert {e["casework"] for e in casework} == set(synth_config.CASEWORK_SITUATIONS)

    first_versions: set[str] = set()
    without = []
    for r in force.records:
        if r in amendments or (r in own and r["source_id"] in first_versions):
            continue
        if r in own:
            first_versions.add(r["source_id"])
        without.append(r)
    findings = _evaluate(force, without)
    held = [exp for exp in force.must_not if not _hits(findings, exp)]
    assert not held, held[:5]
    for exp in force.expectations:
        if "says" in exp:
            hits = _hits(findings, exp)
            assert hits and not any(exp["says"] in f.explanation for f in hits), exp


# --- population and noise ----------------------------------------------------------------------


def test_siblings_share_surname_address_and_parents(force: Force) -> None:
    """The classic false match: children of one household named together on a record."""
    pairs = 0
    for rec in force.records:
        kids = [m for m in rec["people"] if m["role"] == "child_present"]
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                if a["surname"] == b["surname"] and a["address"] == b["address"]:
                    pairs += 1
    assert pairs >= 5


def test_identity_noise_is_present_but_modest(force: Force) -> None:
    counts: Counter[str] = Counter()
    for mentions in force.by_person().values():
        if len({m["forename"] for m in mentions}) > 1:
            counts["forename varies"] += 1
        if len({m["surname"] for m in mentions}) > 1:
            counts["surname varies"] += 1
        if len({m["date_of_birth"] for m in mentions if m["date_of_birth"]}) > 1:
            counts["dob varies"] += 1
        if len({m["address"] for m in mentions}) > 1:
            counts["address varies"] += 1
    for m in force.mentions.values():
        if m["date_of_birth"] is None and m.get("age_estimate") is not None:
            counts["age estimate"] += 1
        if "postcode" not in m:
            counts["no postcode"] += 1
        if m.get("aliases"):
            counts["alias"] += 1
        if (m.get("identifiers") or {}).get("pnc"):
            counts["pnc"] += 1
        if (m.get("identifiers") or {}).get("nhs"):
            counts["nhs"] += 1
        if (m.get("identifiers") or {}).get("local_person_id"):
            counts["local id"] += 1
    for kind in (
        "forename varies",
        "surname varies",
        "dob varies",
        "address varies",
        "age estimate",
        "no postcode",
        "alias",
        "pnc",
        "nhs",
        "local id",
    ):
        assert counts[kind] > 0, kind
    assert force.summary["noisy_mentions"] < 0.4 * force.summary["mentions"]


def test_nicknames_and_swapped_dates_appear(force: Force) -> None:
    swapped = nicknamed = 0
    for mentions in force.by_person().values():
        dobs = {m["date_of_birth"] for m in mentions if m["date_of_birth"]}
        for d in dobs:
            y, mo, da = d.split("-")
            if mo != da and f"{y}-{da}-{mo}" in dobs:
                swapped += 1
        names = {m["forename"] for m in mentions}
        if len(names) > 1 and len({n[0] for n in names}) == 1 and any(len(n) <= 4 for n in names):
            nicknamed += 1
    assert swapped and nicknamed


def test_identifiers_belong_to_one_person_each(force: Force) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, m in force.mentions.items():
        for kind, value in (m.get("identifiers") or {}).items():
            owners[(kind, value)].add(force.person_of[key])
    assert owners and all(len(people) == 1 for people in owners.values())


def test_children_turn_18_and_are_born_during_the_period(force: Force) -> None:
    """Ages are relative to the period (its end is now, for a force ending now)."""
    start = dt.date.fromisoformat(force.summary["start"])
    end = dt.datetime.fromisoformat(force.summary["as_of"]).date()
    turning = born = 0
    for m in force.mentions.values():
        dob = m["date_of_birth"]
        if not dob:
            continue
        d = dt.date.fromisoformat(dob)
        if start <= d <= end:
            born += 1
        if start.replace(year=start.year - 18) <= d <= end.replace(year=end.year - 18):
            turning += 1
    assert born and turning


def test_background_lapses_are_recent(force: Force) -> None:
    """Lapses of time-limited duties happen only in the last OPEN_FINDINGS_DAYS (older ones
    were done on time), so a force ending now has no findings overdue by years. Checked on the
    two commonest: a child at an incident neither spoken to nor described, a call attended late."""
    as_of = dt.datetime.fromisoformat(force.summary["as_of"])
    horizon = as_of - dt.timedelta(days=synth_config.OPEN_FINDINGS_DAYS)
    unseen = late = old = 0
    for rec in force.records:
        occurred = dt.datetime.fromisoformat(rec["occurred_at"])
        old += occurred < horizon
        if any(
            m["role"] == "child_present" and not m.get("spoken_to") and not m.get("demeanour")
            for m in rec["people"]
        ):
            unseen += 1
            assert occurred >= horizon, rec["source_id"]
        if rec["record_type"] == "call" and rec.get("attended_at"):
            first = rec["grade_history"][0]["grade"]
            took = dt.datetime.fromisoformat(rec["attended_at"]) - occurred
            limit = {"emergency": 60, "priority": 240}.get(first)
            if limit is not None and took > dt.timedelta(minutes=limit):
                late += 1
                assert occurred >= horizon, rec["source_id"]
    assert old and unseen and late  # both kinds still happen, recently


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    generate(tmp_path / "a", 400, seed=5)
    generate(tmp_path / "b", 400, seed=5)
    generate(tmp_path / "c", 400, seed=6)
    a, b, c = (tree_bytes(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c


def test_same_seed_and_end_give_byte_identical_output(tmp_path: Path) -> None:
    """A force ending now is reproducible: its summary's as_of, given back as the end, makes
    the same bytes (the end is kept to the whole second)."""
    end = dt.datetime(2026, 3, 29, 0, 59, 30, 987654, tzinfo=dt.UTC)  # the night clocks change
    first = generate(tmp_path / "a", 400, seed=5, end=end)
    generate(tmp_path / "b", 400, seed=5, end=dt.datetime.fromisoformat(first["as_of"]))
    generate(tmp_path / "c", 400, seed=5, end=end + dt.timedelta(days=1))
    a, b, c = (tree_bytes(tmp_path / x) for x in "abc")
    assert dt.datetime.fromisoformat(first["as_of"]) == end.replace(microsecond=0)
    assert a == b
    assert a["records/storm.ndjson"] != c["records/storm.ndjson"]  # a day later, times move


def test_an_end_date_names_the_same_period_as_a_start(tmp_path: Path) -> None:
    """--end DATE means 12:00 London that day, where a period given by its start ends."""
    generate(tmp_path / "start", 150, seed=2, start=dt.date(2014, 1, 1), days=170)
    generate(tmp_path / "end", 150, seed=2, end=dt.date(2014, 6, 20), days=170)
    generate(tmp_path / "both", 150, seed=2, start=dt.date(2014, 1, 1), end=dt.date(2014, 6, 20))
    start = tree_bytes(tmp_path / "start")
    assert tree_bytes(tmp_path / "end") == start == tree_bytes(tmp_path / "both")


def test_nothing_happens_after_an_end_early_in_its_day(tmp_path: Path) -> None:
    """A start before the clocks go forward and an end just after midnight: 3 whole days of 24
    hours from the start's midnight run to 01:00 BST, past the end (a large force, so events
    land in that last hour; none may follow the end)."""
    end = dt.datetime(2024, 4, 1, 0, 20, tzinfo=LONDON)
    generate(tmp_path, 20_000, seed=7, end=end, days=3, workers=1)
    records = [
        orjson.loads(line)
        for path in sorted((tmp_path / "records").glob("*.ndjson"))
        for line in path.read_bytes().splitlines()
    ]
    last = max(dt.datetime.fromisoformat(r["occurred_at"]) for r in records)
    assert end - dt.timedelta(hours=1) < last <= end


def test_period_takes_any_two_of_start_end_and_days() -> None:
    fixed = period()
    assert (fixed.start, fixed.days, fixed.iso(fixed.as_of)) == (
        dt.date(2013, 1, 1),
        730,
        "2015-01-01T12:00:00+00:00",
    )
    summer = period(end=dt.datetime(2024, 7, 1, 8, 30, tzinfo=dt.UTC), days=10)
    assert summer.iso(summer.as_of) == "2024-07-01T09:30:00+01:00"
    assert summer.start == dt.date(2024, 6, 21)
    # Background events fill whole days before the as_of day, so none can follow as_of.
    assert summer.in_period(0.9999) < summer.as_of
    assert period(start=dt.date(2024, 6, 21), end=summer.end_date).days == 10
    with pytest.raises(ValueError, match="no UTC offset"):
        period(end=dt.datetime(2024, 7, 1, 8, 30))  # noqa: DTZ001 (naive on purpose: refused)
    with pytest.raises(ValueError, match="at most two"):
        period(start=dt.date(2024, 6, 1), end=dt.date(2024, 7, 1), days=10)
    with pytest.raises(ValueError, match="end must follow the start"):
        period(start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 1))


def test_vigil_synth_ends_now_unless_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`vigil synth` without --start or --end ends now; --end takes a date or a datetime with
    its offset, and refuses one without."""
    from vigil.cli import main

    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert main(["synth", "--people", "150", "--days", "60", "--out", str(tmp_path / "now")]) == 0
    summary = orjson.loads((tmp_path / "now" / "truth" / "summary.json").read_bytes())
    as_of = dt.datetime.fromisoformat(summary["as_of"])
    assert before <= as_of <= dt.datetime.now(dt.UTC)
    assert summary["days"] == 60
    assert (
        main(
            [
                "synth",
                "--people",
                "150",
                "--seed",
                "2",
                "--days",
                "170",
                "--end",
                "2014-06-20",
                "--out",
                str(tmp_path / "date"),
            ]
        )
        == 0
    )
    generate(tmp_path / "start", 150, seed=2, start=dt.date(2014, 1, 1), days=170)
    assert tree_bytes(tmp_path / "date") == tree_bytes(tmp_path / "start")
    assert (
        main(
            [
                "synth",
                "--people",
                "150",
                "--end",
                "2025-11-30T18:45:00Z",
                "--out",
                str(tmp_path / "instant"),
            ]
        )
        == 0
    )
    summary = orjson.loads((tmp_path / "instant" / "truth" / "summary.json").read_bytes())
    assert summary["as_of"] == "2025-11-30T18:45:00+00:00"
    capsys.readouterr()
    with pytest.raises(SystemExit) as refused:
        main(
            ["synth", "--people", "150", "--end", "2025-11-30T18:45", "--out", str(tmp_path / "x")]
        )
    assert refused.value.code == 2
    assert "has no UTC offset" in capsys.readouterr().err


def test_output_does_not_depend_on_worker_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synth_config, "BLOCK_PEOPLE", 150)  # several blocks from a small force
    one = generate(tmp_path / "one", 500, seed=9, workers=1)
    two = generate(tmp_path / "two", 500, seed=9, workers=2)
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")
    assert one["people"] == two["people"] >= 500
    assert not (tmp_path / "one" / ".parts").exists()


def test_identifiers_are_unique_by_construction() -> None:
    """Random ids would collide by the hundred at a million people; these cannot."""
    from vigil.synth.names import mobile, nhs_text, pnc_id, vehicle_registration

    uids = [
        u for b in (0, 1, 39, 268) for u in range((b + 1) * 100_000, (b + 1) * 100_000 + 20_000)
    ]
    uids += list(range(1, 500))  # care home staff
    for make in (nhs_text, mobile, lambda u: pnc_id(u, 2010), vehicle_registration):
        made = [make(u) for u in uids]
        assert len(set(made)) == len(made)
    nhs = nhs_text(123_456)
    digits = nhs.replace(" ", "")
    assert len(digits) == 10 and digits[0] in "456"
    assert (sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) + int(digits[9])) % 11 == 0
