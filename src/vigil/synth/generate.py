"""Orchestration: stream households, their background events and the planted situations.

One ``random.Random(seed)`` drives everything in a fixed order, so the same seed and arguments
give byte-identical files. Households are made, written and dropped one at a time; planted
situations are scheduled at random positions in the population (a number proportional to its
size, at least one of each code) and built when generation reaches them.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from . import config as C
from .clock import Clock
from .events import Background
from .names import draw_pools
from .noise import Mentioner
from .output import SOURCES, Emitter, Sink
from .planted import Planter
from .population import Population

PROGRESS_EVERY = 10_000  # people between progress callbacks


def planting_schedule(rng: random.Random, people: int) -> list[tuple[int, str]]:
    """(population position, code) pairs, sorted: where each planted situation is built."""
    per_code = max(1, round(people / C.PEOPLE_PER_PLANTING))
    schedule = [(int(rng.random() * people), code)
                for code in C.ALERT_CODES for _ in range(per_code)]
    schedule.sort()
    return schedule


def generate(out: Path, people: int, seed: int = 1, start: dt.date = dt.date(2013, 1, 1),
             days: int = 730, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write a synthetic force to ``out`` and return a JSON-able summary of what was written."""
    if people < 1 or days < 1:
        raise ValueError("people and days must be at least 1")
    began = time.perf_counter()
    out = Path(out)
    rng = random.Random(seed)
    clock = Clock(start, days)
    pop = Population(rng, draw_pools(seed), clock, people)
    sink = Sink(out)
    emit = Emitter(sink, Mentioner(rng), clock, rng)
    background = Background(emit, pop, clock, rng)
    planter = Planter(emit, pop, clock, rng, sink)
    schedule = planting_schedule(rng, people)
    next_plant = 0
    next_report = PROGRESS_EVERY
    try:
        while pop.count < people or next_plant < len(schedule):
            if next_plant < len(schedule) and schedule[next_plant][0] <= pop.count:
                planter.plant(schedule[next_plant][1])
                next_plant += 1
            else:
                hh = pop.household()
                background.household(hh)
                pop.remember(hh)
            if progress is not None and pop.count >= next_report:
                progress(pop.count)
                next_report = pop.count + PROGRESS_EVERY
    finally:
        sink.close()
    if progress is not None:
        progress(pop.count)
    summary: dict[str, Any] = {
        "seed": seed,
        "start": start.isoformat(),
        "days": days,
        "as_of": clock.iso(clock.as_of),
        "people": pop.count,
        "households": pop.households,
        "care_homes": len(pop.care_homes),
        "schools": len(pop.schools),
        "records": sum(sink.by_type.values()),
        "records_by_type": {t: sink.by_type.get(t, 0) for t in SOURCES},
        "mentions": sink.mentions,
        "noisy_mentions": emit.mentioner.noisy,
        "planted": {code: sink.planted.get(code, 0) for code in C.ALERT_CODES},
        "planted_total": sum(sink.planted.values()),
    }
    # The file stays byte-identical across runs; only the returned summary carries timing.
    (out / "truth" / "summary.json").write_bytes(
        orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    summary["elapsed_seconds"] = round(time.perf_counter() - began, 3)
    return summary
