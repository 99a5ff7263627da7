"""Linking through the store: a full `vigil link`, then batches of new records linked on import.

    .venv/bin/python bench/link_bench.py --people 300000      (about 1,000,000 mentions)
        [--database postgresql://postgres@127.0.0.1:5432/vigil_link_bench]  (built if empty)
        [--batch 1000] [--batches 3] [--force DIR]

Builds the store when the database is empty (`vigil synth`, `vigil import --no-assess`, then
`vigil link`, timed with its peak RSS; that includes the re-assessment `vigil link` ends with). Then imports --batches batches of --batch new records,
each made from one of the force's own (new source id), and times `link_new` on each: the
identity step of `vigil import`, matching the new mentions against every person held. The first
batch after a fresh data folder builds the person index from the database; the rest reuse the
index kept in the data folder (VIGIL_DATA_DIR, default a folder beside --force). The target is
1,000 records into a store of 1,000,000 mentions in at most 10 seconds. Other processes share
this machine's cores: read the figures with the load average printed alongside.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
VIGIL = ROOT / ".venv" / "bin" / "vigil"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/vigil_link_bench"
    )
    parser.add_argument("--force", type=Path, help="the synthetic force folder (made if absent)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument(
        "--relink",
        action="store_true",
        help="then relink everything in process (vigil link without its "
        "re-assessment), printing each step's seconds",
    )
    args = parser.parse_args()
    force = args.force or Path(tempfile.mkdtemp(prefix="vigil-link-")) / "force"
    data = Path(os.environ.get("VIGIL_DATA_DIR") or force.parent / "data")
    env = dict(os.environ, VIGIL_DATABASE_URL=args.database, VIGIL_DATA_DIR=str(data))
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    if args.database.startswith("postgresql"):
        import psycopg

        server, name = args.database.rsplit("/", 1)
        with psycopg.connect(server + "/postgres", autocommit=True) as con:
            if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchall():
                con.execute(f'CREATE DATABASE "{name}"')
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from benchstore import ensure_imported
    from vigil.identity.models import MentionLink
    from vigil.records.models import PersonMention

    ensure_imported(force, args.people, args.seed, env)
    if not MentionLink.objects.exists():
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        subprocess.run([str(VIGIL), "link"], check=True, env=env, capture_output=True)
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        print(
            f"vigil link (full, {PersonMention.objects.count():,} mentions): "
            f"{time.perf_counter() - started:.1f} s, peak RSS {peak:,.0f} MB, "
            f"load average {os.getloadavg()[0]:.2f}"
        )

    from assess_bench import _new_records
    from vigil.identity.store import link_new
    from vigil.records.importer import import_files

    summary = orjson.loads((force / "truth" / "summary.json").read_bytes())
    made = _new_records(force, args.batch * args.batches, summary, seed=int(time.time()))
    work = Path(tempfile.mkdtemp(prefix="vigil-link-batches-"))
    held = PersonMention.objects.count()
    print(f"\n{held:,} mentions held; linking batches of {args.batch:,} new records:")
    for number in range(args.batches):
        batch = made[number * args.batch : (number + 1) * args.batch]
        path = work / f"batch-{number}.ndjson"
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in batch))
        started = time.perf_counter()
        imported = import_files([path], started_by="bench")
        after_import = time.perf_counter()
        touched = PersonMention.objects.filter(record_id__in=imported.touched_record_ids)
        linked = link_new(touched.values_list("pk", flat=True), actor="bench")
        done = time.perf_counter()
        print(
            f"  batch {number + 1}: import {after_import - started:.2f} s, link_new "
            f"{done - after_import:.2f} s ({linked.mode}, {linked.mentions:,} mentions, "
            f"{linked.review_pairs} to review), load average {os.getloadavg()[0]:.2f}"
        )
    if args.relink:
        from vigil.identity.store import relink_all

        started, cpu = time.perf_counter(), time.process_time()
        summary = relink_all(actor="bench")
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in summary.seconds.items())
        print(
            f"relink of {summary.mentions:,} mentions in process: "
            f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
            f"({steps}); {summary.persons:,} persons, {summary.changed:,} links changed; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
    print(
        f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
