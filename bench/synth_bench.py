"""Benchmark the synthetic force generator.

    .venv/bin/python bench/synth_bench.py [--people 1000000] [--seed 1] [--workers N] [--keep DIR]
        [--end DATE|DATETIME|now]   (default: the library's fixed period, 2013-01-01 + 730 days)

Generates into a temporary folder (deleted afterwards unless --keep) and prints people per second,
records per second, records written and the peak resident memory of this process and of its
worker processes (``resource.getrusage``; ru_maxrss is in KiB on Linux).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from vigil.synth import generate
from vigil.synth.clock import parse_end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: every CPU available)"
    )
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the output")
    parser.add_argument(
        "--end",
        default=None,
        help="end of the period: a date, a datetime with "
        "its offset, or now (what vigil synth does by default)",
    )
    args = parser.parse_args(argv)

    end = (
        dt.datetime.now(dt.UTC) if args.end == "now" else parse_end(args.end) if args.end else None
    )
    out = args.keep or Path(tempfile.mkdtemp(prefix="vigil-synth-bench-"))
    began = time.perf_counter()
    cpu_began = time.process_time()

    def progress(n: int) -> None:
        print(
            f"\r{n:,} people ({n / (time.perf_counter() - began):,.0f}/s)",
            end="",
            file=sys.stderr,
            flush=True,
        )

    try:
        summary = generate(
            out, args.people, seed=args.seed, end=end, progress=progress, workers=args.workers
        )
        wall = time.perf_counter() - began
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    print(file=sys.stderr)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu_began + children.ru_utime + children.ru_stime
    print(f"period:            {summary['start']} to {summary['as_of']}")
    print(f"people:            {summary['people']:,}")
    print(
        f"records written:   {summary['records']:,} ({summary['mentions']:,} mentions, "
        f"{size / 1e6:,.0f} MB on disk)"
    )
    print(f"planted alerts:    {summary['planted_total']:,} across {len(summary['planted'])} codes")
    print(
        f"must not fire:     {summary['planted_must_not_total']:,} "
        f"({summary['written_in_vigil']:,} records written in Vigil)"
    )
    print(f"elapsed:           {wall:,.1f} s wall, {cpu:,.1f} s CPU")
    print(f"people/s:          {summary['people'] / wall:,.0f}")
    print(f"records/s:         {summary['records'] / wall:,.0f}")
    print(
        f"peak RSS:          {own.ru_maxrss / 1024:,.0f} MiB (main process), "
        f"{children.ru_maxrss / 1024:,.0f} MiB (largest worker)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
