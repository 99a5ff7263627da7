"""Full assessment and one-record imports on a synthetic force held in PostgreSQL.

    .venv/bin/python bench/assess_bench.py --people 100000
        [--database postgresql://postgres@127.0.0.1:5432/vigil_bench]  (built if empty)
        [--imports 20] [--cli-imports 3]

Prints: building the store (synth, import, link) when the database is empty; the full
assessment (`vigil assess`'s work: load and parse every record, build the casebook, evaluate,
store the alerts) with build and evaluate seconds and peak RSS; then single-record imports,
each a new record made from one of the force's own (new source id, a day before as_of):
in-process through the ingestion pipeline (import, link_new, incremental assess, each timed) and through the `vigil import`
command (process start-up included). Other processes share this machine's cores: read the
figures with the load average printed alongside.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
VIGIL = ROOT / ".venv" / "bin" / "vigil"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def figures(name: str, values: list[float]) -> str:
    return (
        f"{name}: p50 {statistics.median(values):.2f} s, p95 {p95(values):.2f} s, "
        f"max {max(values):.2f} s (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/vigil_bench")
    parser.add_argument("--force", type=Path, help="the synthetic force folder (made if absent)")
    parser.add_argument("--imports", type=int, default=20)
    parser.add_argument("--cli-imports", type=int, default=3)
    parser.add_argument(
        "--truth-identity",
        action="store_true",
        help="link each mention to the generator's true person instead of running "
        "identity resolution (PostgreSQL; when linking the store would take "
        "too long: what is measured here is the assessment)",
    )
    parser.add_argument("--chunk", type=int, help="persons per chunk (VIGIL_ASSESS_CHUNK)")
    parser.add_argument("--no-full", action="store_true", help="skip the full assessment")
    args = parser.parse_args()
    if args.chunk is not None:
        os.environ["VIGIL_ASSESS_CHUNK"] = str(args.chunk)
    work = Path(tempfile.mkdtemp(prefix="vigil-assess-"))
    force = args.force or work / "force"
    env = dict(
        os.environ,
        VIGIL_DATABASE_URL=args.database,
        VIGIL_DATA_DIR=os.environ.get("VIGIL_DATA_DIR", str(work / "data")),
    )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from benchstore import ensure_imported

    ensure_imported(force, args.people, args.seed, env)
    from vigil.identity.models import MentionLink

    if not MentionLink.objects.exists():
        started = time.perf_counter()
        if args.truth_identity:
            link_to_truth(force)
        else:
            # Not `vigil link`, which assesses everyone afterwards (measured below instead).
            from vigil.identity.store import relink_all

            relink_all(actor="bench")
        print(
            f"link{' (true identity)' if args.truth_identity else ''}: "
            f"{time.perf_counter() - started:.1f} s"
        )
    summary = orjson.loads((force / "truth" / "summary.json").read_bytes())
    if not args.no_full:
        full_assessment(summary)
    if args.imports or args.cli_imports:
        one_record_imports(args, force, work, env, summary)
    print(f"load average {os.getloadavg()[0]:.2f}; peak RSS of this process {rss_mb():,.0f} MB")
    return 0


def link_to_truth(force: Path) -> None:
    """Link every mention to its true person (truth/persons.csv), in bulk, on PostgreSQL."""
    from django.db import connection, transaction

    from vigil.identity.models import MentionLink, Person
    from vigil.records.models import PersonMention, Record

    assert connection.vendor == "postgresql", "--truth-identity needs PostgreSQL"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE truth (source_system text, source_id text, "
            "mention_id text, person text) ON COMMIT DROP"
        )
        with (
            (force / "truth" / "persons.csv").open("rb") as handle,
            cursor.copy("COPY truth FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        cursor.execute(
            f"INSERT INTO {Person._meta.db_table} (person_id, created_at) "
            "SELECT DISTINCT person, now() FROM truth"
        )
        cursor.execute(
            f"INSERT INTO {MentionLink._meta.db_table} (mention_id, person_id, linked_at, model_version) "
            f"SELECT m.id, p.id, now(), 'truth' FROM truth t "
            f"JOIN {Record._meta.db_table} r ON r.source_system = t.source_system AND r.source_id = t.source_id "
            f"JOIN {PersonMention._meta.db_table} m ON m.record_id = r.id AND m.mention_id = t.mention_id "
            f"JOIN {Person._meta.db_table} p ON p.person_id = t.person"
        )
        for table in (Person._meta.db_table, MentionLink._meta.db_table):
            cursor.execute(f'ANALYZE "{table}"')


def full_assessment(summary: dict[str, Any]) -> None:
    """`vigil assess`'s work (streamed in chunks of persons above VIGIL_ASSESS_CHUNK)."""
    import datetime as dt

    from vigil.alerts.actions import sync_findings
    from vigil.alerts.engine import FullEvaluation, chunk_persons, evaluate_everyone

    as_of = dt.datetime.fromisoformat(summary["as_of"])
    print(f"load average {os.getloadavg()[0]:.2f} before the full assessment")
    started = time.perf_counter()
    cpu = time.process_time()
    stats = FullEvaluation()
    findings = evaluate_everyone(as_of, stats=stats)
    evaluated = time.perf_counter()
    outcome = sync_findings(findings, as_of)
    stored = time.perf_counter()
    seconds = ", ".join(f"{name} {value:.1f} s" for name, value in stats.seconds.items())
    print(
        f"full assess of {stats.persons:,} persons at {as_of.isoformat()} in {stats.chunks} "
        f"chunk(s) of up to {chunk_persons():,} persons ({stats.records_loaded:,} records loaded, "
        f"at most {stats.largest_chunk_records:,} at once): {seconds}, "
        f"store {stored - evaluated:.1f} s (raised {outcome.raised:,}, updated {outcome.updated:,}, "
        f"resolved {outcome.resolved:,}, unchanged {outcome.unchanged:,}), "
        f"total {stored - started:.1f} s (this process's CPU {time.process_time() - cpu:.1f} s); "
        f"{len(findings):,} alerts; peak RSS {rss_mb():,.0f} MB; "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def _new_records(
    force: Path, count: int, summary: dict[str, Any], seed: int
) -> list[dict[str, Any]]:
    import datetime as dt

    kinds = {"call", "crime", "concern", "missing", "intelligence", "referral"}
    pool: list[dict[str, Any]] = []
    for path in sorted((force / "records").glob("*.ndjson")):
        with path.open("rb") as handle:
            for number, line in enumerate(handle):
                if number % 50 == 0 and line.strip():
                    record = orjson.loads(line)
                    if record["record_type"] in kinds and record.get("people"):
                        pool.append(record)
    rng = random.Random(seed)
    chosen = rng.sample(pool, count)
    when = (dt.datetime.fromisoformat(summary["as_of"]) - dt.timedelta(days=1)).isoformat()
    made = []
    for index, record in enumerate(chosen):
        record = dict(
            record, source_id=f"BENCH-{seed}-{index}-{record['source_id']}", occurred_at=when
        )
        for name in ("grade_history",):
            if record.get(name):
                record[name] = [dict(g, at=when) for g in record[name][:1]]
        made.append(record)
    return made


def one_record_imports(
    args: argparse.Namespace, force: Path, work: Path, env: dict[str, str], summary: dict[str, Any]
) -> None:
    import datetime as dt

    from vigil.ingest.pipeline import ingest_files

    as_of = dt.datetime.fromisoformat(summary["as_of"])
    made = _new_records(force, args.imports + args.cli_imports, summary, seed=int(time.time()))
    totals: list[float] = []
    steps: dict[str, list[float]] = {
        "import": [],
        "link": [],
        "assess": [],
        "neighbourhood": [],
        "load": [],
        "evaluate": [],
    }
    sizes = []
    for index, record in enumerate(made[: args.imports]):
        path = work / f"one-{index}.ndjson"
        path.write_bytes(orjson.dumps(record) + b"\n")
        started = time.perf_counter()
        ingested = ingest_files([path], actor="bench", as_of=as_of)
        done = time.perf_counter()
        assert ingested.linked is not None and ingested.linked.mode == "incremental", (
            ingested.linked
        )
        assert ingested.assessed == "touched", ingested.assessed
        outcome = ingested.incremental
        assert outcome is not None
        totals.append(done - started)
        for name in ("import", "link", "assess"):
            steps[name].append(ingested.seconds[name])
        for name in ("neighbourhood", "load", "evaluate"):
            steps[name].append(outcome.seconds[name])
        sizes.append((outcome.affected, outcome.records))
    print(f"\none-record imports in process ({record_kinds(made[: args.imports])}):")
    print("  " + figures("import + link + incremental assess", totals))
    for name, values in steps.items():
        print("    " + figures(name, values))
    affected = sorted(a for a, _ in sizes)
    records = sorted(r for _, r in sizes)
    print(
        f"    affected people: median {statistics.median(affected):.0f}, max {max(affected)}; "
        f"records loaded: median {statistics.median(records):.0f}, max {max(records)}"
    )
    wall = []
    for index, record in enumerate(made[args.imports :]):
        path = work / f"cli-{index}.ndjson"
        path.write_bytes(orjson.dumps(record) + b"\n")
        started = time.perf_counter()
        subprocess.run(
            [str(VIGIL), "import", str(path), "--json"], check=True, env=env, capture_output=True
        )
        wall.append(time.perf_counter() - started)
    if wall:
        print(
            "  " + figures("`vigil import` one record (process start-up included, as_of now)", wall)
        )


def record_kinds(records: list[dict[str, Any]]) -> str:
    from collections import Counter

    return ", ".join(
        f"{n} {k}" for k, n in sorted(Counter(r["record_type"] for r in records).items())
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
