"""Orchestration: stream households, their background events and the planted situations.

The force is cut into fixed blocks of people (``config.BLOCK_PEOPLE``). Each block has its own
``random.Random`` seeded from (seed, block) and writes its own part files, so blocks can run in
parallel processes and the output is still byte-identical whatever the number of workers: parts
are concatenated in block order at the end. Inside a block, households are made, written and
dropped one at a time, so memory stays flat at any population size. Planted situations are
scheduled at random positions in the population (a number proportional to its size, at least one
of each code) and built when generation reaches them.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from . import config as C
from .clock import Clock, end_instant, london
from .events import Background
from .names import Pools, draw_pools
from .noise import Mentioner
from .output import SOURCES, SYSTEMS, Emitter, Sink
from .planted import Planter
from .population import Population

PERSONS_HEADER = b"source_system,source_id,mention_id,person\n"
PROGRESS_EVERY = 10_000  # people between progress calls inside an in-process block
DEFAULT_DAYS = 730
# The library's period when given neither start nor end: fixed, so tests and benches that do not
# care about the date get the same force every day. `vigil synth` and the demo end at now instead.
DEFAULT_START = dt.date(2013, 1, 1)


@lru_cache(maxsize=4)
def _pools(seed: int) -> Pools:
    # Drawn once per process and seed: drawing costs about as much as a few thousand people.
    return draw_pools(seed)


def planting_schedule(rng: random.Random, people: int) -> list[tuple[int, str]]:
    """(population position, code) pairs, sorted: where each planted situation is built (an
    alert code, or a casework situation completed by records written in Vigil)."""
    per_code = max(1, round(people / C.PEOPLE_PER_PLANTING))
    schedule = [
        (int(rng.random() * people), code)
        for code in C.ALERT_CODES + C.CASEWORK_SITUATIONS
        for _ in range(per_code)
    ]
    schedule.sort()
    return schedule


Job = tuple[str, int, int, int, int, int, int, list[tuple[int, str]]]


def _run_block(job: Job, tick: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Generate one block into its part folder; return its counts. ``tick(n)`` is told the
    people made so far in this block, now and then (in-process runs only)."""
    part, seed, as_of, days, block, block_people, people, schedule = job
    clock = Clock(as_of, days)
    rng = random.Random(f"vigil-synth:{seed}:{block}")
    shared = random.Random(f"vigil-synth:{seed}:places")
    pop = Population(rng, shared, _pools(seed), clock, people, block)
    sink = Sink(Path(part), block)
    mentioner = Mentioner(rng)
    emit = Emitter(sink, mentioner, clock, rng)
    background = Background(emit, pop, clock, rng)
    planter = Planter(emit, pop, clock, rng, sink)
    next_plant = 0
    next_tick = PROGRESS_EVERY
    # Households are reference cycles (person <-> household) made by the hundred thousand:
    # collecting less often saves a few per cent and memory still stays flat.
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        while pop.count < block_people or next_plant < len(schedule):
            if next_plant < len(schedule) and schedule[next_plant][0] <= pop.count:
                planter.plant(schedule[next_plant][1])
                next_plant += 1
            else:
                hh = pop.household()
                background.household(hh)
                pop.remember(hh)
                if tick is not None and pop.count >= next_tick:
                    tick(pop.count + pop.staff_count)
                    next_tick = pop.count + PROGRESS_EVERY
    finally:
        gc.set_threshold(*thresholds)
        sink.close()
    result = {
        "people": pop.count,
        "staff": pop.staff_count,
        "households": pop.households,
        "care_homes": len(pop.care_homes),
        "schools": len(pop.schools),
        "by_type": dict(sink.by_type),
        "planted": dict(sink.planted),
        "planted_not": dict(sink.planted_not),
        "situations": dict(planter.situations),
        "casework": dict(planter.casework),
        "written_in_vigil": sink.written_in_vigil,
        "mentions": sink.mentions,
        "noisy": mentioner.noisy,
    }
    # Drop the block's households (reference cycles) now, not at some later full collection:
    # this is what keeps a worker's memory flat across many blocks.
    del pop, background, planter, emit
    gc.collect()
    return result


def _jobs(parts: Path, people: int, seed: int, as_of: int, days: int) -> list[Job]:
    schedule = planting_schedule(random.Random(f"vigil-synth:{seed}:plant"), people)
    size = C.BLOCK_PEOPLE
    blocks = max(1, -(-people // size))
    per_block: list[list[tuple[int, str]]] = [[] for _ in range(blocks)]
    for position, code in schedule:
        per_block[position // size].append((position % size, code))
    return [
        (
            str(parts / f"{b:05d}"),
            seed,
            as_of,
            days,
            b,
            min(size, people - b * size),
            people,
            per_block[b],
        )
        for b in range(blocks)
    ]


def _results(
    jobs: list[Job], workers: int, progress: Callable[[int], None] | None
) -> Iterator[dict[str, Any]]:
    if workers <= 1 or len(jobs) == 1:
        done = 0
        for job in jobs:
            tick = None if progress is None else (lambda n, done=done: progress(done + n))
            result = _run_block(job, tick)
            done += result["people"]
            yield result
        return
    # fork where there is one: workers inherit the imported modules and start at once.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(workers) as pool:
        yield from pool.imap(_run_block, jobs)  # in block order: keeps output deterministic


def _merge(out: Path, parts: Path, blocks: int) -> None:
    """Concatenate the parts in block order into the final files."""
    targets = {f"records/{ss}.ndjson": b"" for ss in SYSTEMS}
    targets["truth/persons.csv"] = PERSONS_HEADER
    targets["truth/alerts.ndjson"] = b""
    targets["truth/alerts_must_not.ndjson"] = b""
    for name, header in targets.items():
        with open(out / name, "wb") as dest:
            dest.write(header)
            dest.flush()
            for b in range(blocks):
                with open(parts / f"{b:05d}" / name, "rb") as src:
                    _append(src, dest)


def _append(src: BinaryIO, dest: BinaryIO) -> None:
    """Append one file to another, in the kernel where it can (gigabytes at 1M people)."""
    size = os.fstat(src.fileno()).st_size
    offset = 0
    try:
        while offset < size:
            sent = os.sendfile(dest.fileno(), src.fileno(), offset, size - offset)
            if sent == 0:
                break
            offset += sent
    except (AttributeError, OSError):  # no sendfile here: copy the rest in user space
        src.seek(offset)
        shutil.copyfileobj(src, dest, 1 << 22)
        dest.flush()


def period(
    start: dt.date | None = None, days: int | None = None, end: dt.date | dt.datetime | None = None
) -> Clock:
    """The period named by any two of start, end and days (days alone: 730 by default).

    ``end`` is when the systems are extracted, the as_of of every planted expectation: a date
    means 12:00 Europe/London that day, a datetime (with its offset) that instant. A period given
    by its start ends at 12:00 on ``start + days``. Neither start nor end: from DEFAULT_START.
    """
    if end is not None:
        as_of = end_instant(end)
        if start is not None:
            span = (Clock(as_of, 0).end_date - start).days
            if days is not None and days != span:
                raise ValueError("give at most two of start, end and days")
            days = span
        days = DEFAULT_DAYS if days is None else days
    else:
        days = DEFAULT_DAYS if days is None else days
        as_of = london((start or DEFAULT_START) + dt.timedelta(days=days), 12, 0)
    if days < 1:
        raise ValueError("the period must be at least 1 day: the end must follow the start")
    return Clock(as_of, days)


def generate(
    out: Path,
    people: int,
    seed: int = 1,
    start: dt.date | None = None,
    days: int | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    end: dt.date | dt.datetime | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Write a synthetic force to ``out`` and return a JSON-able summary of what was written.

    The period is given by any two of ``start``, ``end`` and ``days`` (see ``period``); the same
    seed and period give byte-identical files. ``workers`` (default: the CPUs available) only
    changes speed, never the output.
    """
    if people < 1 or (days is not None and days < 1):
        raise ValueError("people and days must be at least 1")
    clock = period(start, days, end)
    began = time.perf_counter()
    out = Path(out)
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    parts = out / ".parts"
    shutil.rmtree(parts, ignore_errors=True)
    jobs = _jobs(parts, people, seed, clock.as_of, clock.days)
    if workers is None:
        workers = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else (os.cpu_count() or 1)
        )
    totals: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    planted: Counter[str] = Counter()
    situations: Counter[str] = Counter()
    planted_not: Counter[str] = Counter()
    casework: Counter[str] = Counter()
    first: dict[str, Any] = {}
    try:
        for result in _results(jobs, min(workers, len(jobs)), progress):
            first = first or result
            for key in ("people", "households", "mentions", "noisy", "written_in_vigil"):
                totals[key] += result[key]
            by_type.update(result["by_type"])
            planted.update(result["planted"])
            planted_not.update(result["planted_not"])
            situations.update(result["situations"])
            casework.update(result["casework"])
            if progress is not None:
                progress(totals["people"] + first["staff"])
        _merge(out, parts, len(jobs))
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    summary: dict[str, Any] = {
        "seed": seed,
        "start": clock.start.isoformat(),
        "days": clock.days,
        "as_of": clock.iso(clock.as_of),
        # Care home staff are made identically in every block: count them once.
        "people": totals["people"] + first["staff"],
        "households": totals["households"],
        "care_homes": first["care_homes"],
        "schools": first["schools"],
        "records": sum(by_type.values()),
        "records_by_type": {t: by_type.get(t, 0) for t in SOURCES},
        # Of those, casework written in Vigil: amendments, records of its own and their versions.
        "written_in_vigil": totals["written_in_vigil"],
        "mentions": totals["mentions"],
        "noisy_mentions": totals["noisy"],
        # Expectations (lines of alerts.ndjson) per code; a situation can expect several alerts
        # (each child exposed, and the adult, say).
        "planted": {code: planted.get(code, 0) for code in C.ALERT_CODES},
        "planted_total": sum(planted.values()),
        "planted_situations": {code: situations.get(code, 0) for code in C.ALERT_CODES},
        # Alerts that must not fire (lines of alerts_must_not.ndjson), per code that has any.
        "planted_must_not": {c: planted_not[c] for c in C.ALERT_CODES if planted_not[c]},
        "planted_must_not_total": sum(planted_not.values()),
        "planted_casework": {name: casework.get(name, 0) for name in C.CASEWORK_SITUATIONS},
    }
    # The file stays byte-identical across runs; only the returned summary carries timing.
    (out / "truth" / "summary.json").write_bytes(
        orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n"
    )
    summary["elapsed_seconds"] = round(time.perf_counter() - began, 3)
    return summary
