"""Case-audit sampling on a synthetic force already in a store, and the share of cases with a
planted failure (inadequate by construction) that Vigil's findings flag.

    .venv/bin/python bench/audit_bench.py --database sqlite:////path/vigil.sqlite3 \
        --truth /path/force/truth [--per-area 10 30] [--seed 1] [--days 365]

Reads only (no audit is written): for each sample size, draws that many cases of every
practice area from the last ``--days`` days of the force (``sampling.draw``, as ``vigil audit
sample`` does), then evaluates Vigil's findings in them (``sampling.findings_for``), timing each.
With ``--truth`` (the ``truth`` folder ``vigil synth`` writes), the largest sample's cases whose
subject or index record carries a planted alert are the inadequate-by-construction ones; it
prints how many of them Vigil flags (the planted code among their findings; any finding).
Other processes share this machine's cores: read the figures with the load average printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", required=True)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--per-area", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    os.environ["VIGIL_DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    import django

    django.setup()
    from vigil.inspection import sampling
    from vigil.inspection.cases import Case, Period
    from vigil.inspection.grading import AREAS
    from vigil.records.models import Record, RecordLink

    latest = Record.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    assert latest is not None, "the store is empty"
    last = latest.date()
    period = Period.of(last - dt.timedelta(days=args.days - 1), last)
    print(f"period {period.start.date()} to {last}; load {os.getloadavg()[0]:.1f}")
    cases: list[Case] = []
    findings: dict[str, Any] = {}
    for n in args.per_area:
        reading = sampling.Reading()
        started = time.perf_counter()
        cases = []
        for area in AREAS:
            drawn = sampling.draw(area, n, period, args.seed, reading=reading)
            cases += drawn.cases
            if drawn.short:
                print(f"  {area}: {len(drawn.cases)} of {n} (the store holds {drawn.held})")
        drawn_at = time.perf_counter() - started
        findings = sampling.findings_for(cases, period.end, reading)
        total = time.perf_counter() - started
        print(
            f"{n} per area: {len(cases)} cases drawn in {drawn_at:.1f} s (candidates "
            f"{reading.seconds['candidates']:.1f} s, deciding {reading.seconds['decide']:.1f} s, "
            f"{reading.records_loaded} records read), findings {reading.seconds['findings']:.1f} s, "
            f"total {total:.1f} s; load {os.getloadavg()[0]:.1f}"
        )
    if args.truth is None:
        return
    planted = [
        orjson.loads(line) for line in (args.truth / "alerts.ndjson").read_bytes().splitlines()
    ]
    by_mention: dict[tuple[str, ...], set[str]] = {}
    by_record: dict[tuple[str, ...], set[str]] = {}
    for entry in planted:
        if "mention" in entry:
            by_mention.setdefault(tuple(entry["mention"]), set()).add(entry["code"])
        if "record" in entry:
            by_record.setdefault(tuple(entry["record"]), set()).add(entry["code"])
    # Casework written in Vigil since the force was made (a follow-up recorded on a page, say)
    # may have done the duty a planted failure left undone: those cases are left out.
    completed = set(
        RecordLink.objects.filter(relation="amends").values_list("target_system", "target_id")
    )
    built = flagged = flagged_any = answered = 0
    by_area: Counter[str] = Counter()
    flagged_area: Counter[str] = Counter()
    for case in cases:
        codes = set(by_record.get(tuple(case.index), set()))
        for subject in case.subjects:
            for mention in subject.mentions:
                codes |= by_mention.get(tuple(mention), set())
        if not codes:
            continue
        if tuple(case.index) in completed:
            answered += 1
            continue
        found = {f.code for f in findings.get(case.case_ref, [])}
        built += 1
        by_area[case.area] += 1
        if codes & found:
            flagged += 1
            flagged_area[case.area] += 1
        flagged_any += bool(found)
    share = flagged / built if built else 0.0
    print(
        f"inadequate by construction: {built} of {len(cases)} cases; Vigil flags the planted "
        f"failure in {flagged} ({share:.0%}), something in {flagged_any}; {answered} more left "
        f"out, their index record completed by casework written in Vigil"
    )
    for area in AREAS:
        if by_area[area]:
            print(f"  {area}: {flagged_area[area]} of {by_area[area]}")


if __name__ == "__main__":
    main()
