"""Import throughput: a synthetic force imported into a fresh SQLite and PostgreSQL database.

    .venv/bin/python bench/import_bench.py [--people 100000] [--backends sqlite,postgresql]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Prints records per second, wall and CPU seconds and peak memory of each import (the `vigil
import` process and its workers), then a re-import of the same files (all unchanged).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
VIGIL = ROOT / ".venv" / "bin" / "vigil"


def run_import(files: list[Path], url: str, data: Path) -> tuple[dict[str, object], float, float, float]:
    env = dict(os.environ, VIGIL_DATABASE_URL=url, VIGIL_DATA_DIR=str(data))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([str(VIGIL), "import", *map(str, files), "--json", "--no-assess"],
                          env=env, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"vigil import exited {proc.returncode}: {proc.stderr.decode()[-3000:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return orjson.loads(proc.stdout), wall, cpu, after.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--force", help="an existing `vigil synth` output folder to import")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        work = Path(tmp)
        force = Path(args.force) if args.force else work / "force"
        if not args.force:
            started = time.perf_counter()
            subprocess.run([str(VIGIL), "synth", "--people", str(args.people), "--seed",
                            str(args.seed), "--out", str(force)], check=True, capture_output=True)
            print(f"synthetic force of {args.people:,} people written in "
                  f"{time.perf_counter() - started:.1f} s")
        files = sorted((force / "records").glob("*.ndjson"))
        size = sum(f.stat().st_size for f in files) / 1e6
        print(f"{len(files)} files, {size:,.1f} MB")
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url, drop = f"sqlite:///{work / 'bench.sqlite3'}", None
            else:
                import psycopg

                name = f"vigil_bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                url, drop = args.postgres.rsplit("/", 1)[0] + f"/{name}", name
            try:
                for label in ("first import", "re-import"):
                    summary, wall, cpu, rss = run_import(files, url, work / "data")
                    rate = int(summary["received"]) / wall  # type: ignore[call-overload]
                    print(f"{backend:10s} {label:12s} {summary['received']:>9,} records "
                          f"({summary['imported']:,} new, {summary['unchanged']:,} unchanged, "
                          f"{summary['quarantined']:,} quarantined) in {wall:6.1f} s = "
                          f"{rate:8,.0f} records/s; CPU {cpu:.1f} s; peak RSS {rss:,.0f} MB")
            finally:
                if drop:
                    import psycopg

                    with psycopg.connect(args.postgres, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
