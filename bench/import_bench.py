"""Import throughput: a synthetic force imported into a fresh SQLite and PostgreSQL database.

    .venv/bin/python bench/import_bench.py [--people 100000] [--backends sqlite,postgresql]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Prints records per second, wall and CPU seconds and peak memory of each import (the `vigil
import` process and its workers), then a re-import of the same files (all unchanged). On
PostgreSQL it also samples the CPU time of the import's server process (from /proc, the server
being local), since there the database's work is not in the importer's own CPU time. With the
1-minute load average before and after: on a shared machine, wall time says more about the
neighbours than about Vigil, and CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
VIGIL = ROOT / ".venv" / "bin" / "vigil"


class ServerCpu(threading.Thread):
    """Samples the CPU seconds of every server process serving one PostgreSQL database."""

    def __init__(self, admin_url: str, database: str) -> None:
        super().__init__(daemon=True)
        self.admin_url, self.database = admin_url, database
        self.seconds: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg

        tick = os.sysconf("SC_CLK_TCK")
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self.stop.is_set():
                pids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
                    )
                ]
                for pid in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    self.seconds[pid] = (int(fields[11]) + int(fields[12])) / tick
                self.stop.wait(0.2)

    def total(self) -> float:
        self.stop.set()
        self.join()
        return sum(self.seconds.values())


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def run_import(
    files: list[Path], url: str, data: Path, server: ServerCpu | None = None
) -> tuple[dict[str, object], float, float, float]:
    env = dict(os.environ, VIGIL_DATABASE_URL=url, VIGIL_DATA_DIR=str(data))
    started = time.perf_counter()
    if server:
        server.start()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [str(VIGIL), "import", *map(str, files), "--json", "--no-assess"],
            env=env,
            stdout=out,
            stderr=err,
        )
        # wait4 gives this run's own usage: its CPU, and the peak RSS of the importer or of
        # its largest worker (ru_maxrss, KiB), not the largest of every run so far.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(
                f"vigil import exited {proc.returncode}: {err.read().decode()[-3000:]}"
            )
        summary = orjson.loads(out.read())
    return summary, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


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
            subprocess.run(
                [
                    str(VIGIL),
                    "synth",
                    "--people",
                    str(args.people),
                    "--seed",
                    str(args.seed),
                    "--out",
                    str(force),
                ],
                check=True,
                capture_output=True,
            )
            print(
                f"synthetic force of {args.people:,} people written in "
                f"{time.perf_counter() - started:.1f} s"
            )
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
                    server = ServerCpu(args.postgres, drop) if drop else None
                    load_before = load()
                    summary, wall, cpu, rss = run_import(files, url, work / "data", server)
                    rate = int(summary["received"]) / wall  # type: ignore[call-overload]
                    server_cpu = f" + server {server.total():.1f} s" if server else ""
                    print(
                        f"{backend:10s} {label:12s} {summary['received']:>9,} records "
                        f"({summary['imported']:,} new, {summary['unchanged']:,} unchanged, "
                        f"{summary['quarantined']:,} quarantined) in {wall:6.1f} s = "
                        f"{rate:8,.0f} records/s; CPU {cpu:.1f} s{server_cpu}; peak RSS "
                        f"{rss:,.0f} MB; load {load_before} -> {load()}",
                        flush=True,
                    )
            finally:
                if drop:
                    import psycopg

                    with psycopg.connect(args.postgres, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
