"""Planted alerts of a synthetic force: recall per code, and what fires beyond the planted ones.

    .venv/bin/python bench/alerts_planted.py --people 10000 [--seed 1] [--end DATE|DATETIME|now]
        [--database postgresql://postgres@127.0.0.1:5432/postgres]   (default: a scratch SQLite)

Generates a force (`vigil.synth`; its period ends at --end, default the library's fixed
2015-01-01, or now as `vigil synth` does), imports it, links it, assesses it at the truth's as_of and
prints, per code: planted expectations, how many were found (recall), how many alerts fired in
all and how many of those no planted expectation accounts for (for a reviewer to judge noise:
the synthetic force's background is random, so some of these are real situations it made by
chance). Then the planted alerts that must NOT fire (truth/alerts_must_not.ndjson: duties done in
time by casework written in Vigil), how many held (none fired), and the situations casework
completes: their expectations met, and whether each alert says what it must (how late).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--end", help="end of the period: a date, a datetime with its offset, or now"
    )
    parser.add_argument("--database", help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the force and the store in DIR (and the scratch database), "
        "to look into misses afterwards",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-planted-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        os.environ["VIGIL_DATA_DIR"] = str(work / "data")
        scratch = None
        if args.database:
            import psycopg

            scratch = f"vigil_planted_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.database, autocommit=True) as con:
                con.execute(f'CREATE DATABASE "{scratch}"')
            os.environ["VIGIL_DATABASE_URL"] = args.database.rsplit("/", 1)[0] + "/" + scratch
        try:
            return run(args, work)
        finally:
            if scratch and args.keep:
                print(f"kept {work} and database {os.environ['VIGIL_DATABASE_URL']}")
            elif scratch and args.database:
                from django.db import connections

                connections.close_all()
                import psycopg

                with psycopg.connect(args.database, autocommit=True) as con:
                    con.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def run(args: argparse.Namespace, work: Path) -> int:
    import datetime as dt

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from vigil.ingest.pipeline import ingest_files
    from vigil.synth.generate import generate

    force = work / "force"
    started = time.perf_counter()
    from vigil.synth.clock import parse_end

    end = (
        dt.datetime.now(dt.UTC) if args.end == "now" else parse_end(args.end) if args.end else None
    )
    summary = generate(force, people=args.people, seed=args.seed, end=end)
    print(
        f"generated {args.people:,} people, {summary['records']:,} records in "
        f"{time.perf_counter() - started:.1f} s"
    )
    as_of = dt.datetime.fromisoformat(summary["as_of"])
    ingested = ingest_files(
        sorted((force / "records").glob("*.ndjson")), actor="bench", as_of=as_of
    )
    assert ingested.linked is not None and ingested.assessed == "everyone", ingested.assessed
    findings = ingested.found
    print(f"imported in {ingested.seconds['import']:.1f} s")
    print(
        f"linked {ingested.linked.mentions:,} mentions into {ingested.linked.persons:,} persons "
        f"in {ingested.seconds['link']:.1f} s"
    )
    print(
        f"assessed at {as_of.isoformat()} in {ingested.seconds['assess']:.1f} s: "
        f"{len(findings):,} alerts\n"
    )

    truth = [
        orjson.loads(line)
        for line in (force / "truth" / "alerts.ndjson").read_bytes().splitlines()
        if line.strip()
    ]
    must_not = [
        orjson.loads(line)
        for line in (force / "truth" / "alerts_must_not.ndjson").read_bytes().splitlines()
        if line.strip()
    ]
    # Each finding by the subjects an expectation can name: a mention of the person, or a record.
    by_mention: dict[tuple[str, tuple[str, str, str]], int] = {}
    by_record: dict[tuple[str, tuple[str, str]], int] = {}
    # A record among a finding's evidence (as check_scenarios.py matches `must_not`).
    by_evidence: dict[tuple[str, tuple[str, str]], int] = {}
    for index, finding in enumerate(findings):
        if finding.subject_kind == "record" and finding.record is not None:
            by_record[(finding.code, tuple(finding.record))] = index  # type: ignore[index]
        for key in finding.evidence:
            by_evidence[(finding.code, tuple(key))] = index  # type: ignore[index]
        for mention in finding.mentions:
            by_mention[(finding.code, tuple(mention))] = index  # type: ignore[index]
    planted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    explained: set[int] = set()
    missed: list[dict[str, object]] = []
    casework: Counter[str] = Counter()
    casework_met: Counter[str] = Counter()
    for expectation in truth:
        code = expectation["code"]
        planted[code] += 1
        if "record" in expectation:
            hit = by_record.get((code, tuple(expectation["record"])))
        else:
            hit = by_mention.get((code, tuple(expectation["mention"])))
        if "casework" in expectation:
            casework[expectation["casework"]] += 1
        if hit is None or expectation.get("says", "") not in findings[hit].explanation:
            missed.append(expectation)
        else:
            found[code] += 1
            explained.add(hit)
            if "casework" in expectation:
                casework_met[expectation["casework"]] += 1
    must_not_planted: Counter[str] = Counter()
    must_not_held: Counter[str] = Counter()
    for expectation in must_not:
        code = expectation["code"]
        must_not_planted[code] += 1
        casework[expectation.get("casework", "")] += 1
        if "record" in expectation:
            key = (code, tuple(expectation["record"]))
            fired = key in by_record or key in by_evidence
        else:
            fired = (code, tuple(expectation["mention"])) in by_mention
        if fired:
            missed.append({**expectation, "fired": True})
        else:
            must_not_held[code] += 1
            casework_met[expectation.get("casework", "")] += 1
    fired = Counter(f.code for f in findings)
    beyond = Counter(f.code for i, f in enumerate(findings) if i not in explained)
    print(f"{'code':34} {'planted':>8} {'found':>6} {'recall':>7} {'alerts':>7} {'beyond':>7}")
    for code in sorted(set(planted) | set(fired)):
        recall = f"{found[code] / planted[code]:.0%}" if planted[code] else "-"
        print(
            f"{code:34} {planted[code]:>8} {found[code]:>6} {recall:>7} {fired[code]:>7} "
            f"{beyond[code]:>7}"
        )
    total = sum(planted.values())
    print(
        f"{'all':34} {total:>8} {sum(found.values()):>6} "
        f"{sum(found.values()) / max(total, 1):>7.0%} {len(findings):>7} {sum(beyond.values()):>7}"
    )
    print(f"\n{'must not fire':34} {'planted':>8} {'held':>6}")
    for code in sorted(must_not_planted):
        print(f"{code:34} {must_not_planted[code]:>8} {must_not_held[code]:>6}")
    print(
        f"{'all':34} {sum(must_not_planted.values()):>8} {sum(must_not_held.values()):>6}\n"
        f"\n{'completed by casework in Vigil':34} {'expected':>8} {'met':>6}"
    )
    for name in sorted(n for n in casework if n):
        print(f"{name:34} {casework[name]:>8} {casework_met[name]:>6}")
    if args.keep:
        (work / "missed.ndjson").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in missed))
    for expectation in missed[:20]:
        print("missed:", orjson.dumps(expectation).decode(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
