"""Server time of casework on a large synthetic force: the check page (what saving will do to
open alerts, evaluated without writing) and the save (stored, linked and re-assessed through the
ingestion pipeline, its effect on each alert recorded), p50 and p95 per workflow.

    .venv/bin/python bench/casework_bench.py [--people 100000] [--saves 30] [--data-dir DIR]
        [--database-url URL]

The store is prepared as bench/pages_bench.py prepares it (and can be shared with it: the same
--data-dir). Each save writes a record in Vigil, so a store benched here holds them afterwards;
a workflow only completes records it still can, so a rerun samples other records. Requests go
through Django's test Client in this process (every middleware, the view, the access log), so
the figures are server time only. Target (issue 13): a save at most 1 s at the 95th percentile
on the 100,000-person force; the exit status is 1 if a workflow misses it or a request fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages_bench

LONDON = ZoneInfo("Europe/London")
TARGET_MS = 1000.0


def when(prefix: str, moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {
        f"{prefix}_0": str(local.day),
        f"{prefix}_1": str(local.month),
        f"{prefix}_2": str(local.year),
        f"{prefix}_3": f"{local:%H:%M}",
    }


def _after(record: Any, field: str, hours: float) -> dt.datetime:
    """A moment ``hours`` after one of the record's own times (or its occurred_at), not later
    than now."""
    raw = record.payload.get(field) or record.payload["occurred_at"]
    moment = dt.datetime.fromisoformat(raw) + dt.timedelta(hours=hours)
    return min(moment, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))


# Each workflow benched: the records it may complete (a filter on record_type and payload) and
# the answers a person would give about one of them.
ANSWERS: dict[str, tuple[str, Callable[[Any], dict[str, str]]]] = {
    "intelligence-follow-up": (
        "intelligence",
        lambda r: {
            **when("follow_up_at", _after(r, "occurred_at", 72)),
            "action": "Research request raised and shared with the exploitation team",
        },
    ),
    "safe-and-well-check": (
        "missing",
        lambda r: {
            **when("safe_and_well_at", _after(r, "found_at", 2)),
            "officer": "PC Sam Jones 4127",
            "place": "At home",
            "account": "Said she stayed with a friend. Calm and tired; no injuries seen.",
        },
    ),
    "return-interview": (
        "missing",
        lambda r: {
            **when("return_interview_offered_at", _after(r, "found_at", 10)),
            **when("return_interview_completed_at", _after(r, "found_at", 40)),
            "outcome": "completed",
            "interviewer": "Jo Banks",
            "agency": "independent",
            "childs_words": "I was fed up at home. An older lad gave me a phone.",
            "indicators": "older_associates",
            "trigger_plan": "yes",
        },
    ),
    "police-protection-informing": (
        "police_protection",
        lambda r: {
            "designated_officer": "Insp Jane Reid 1190",
            **when("local_authority_informed_at", _after(r, "started_at", 1)),
            **when("parents_informed_at", _after(r, "started_at", 2)),
            **when("child_informed_at", _after(r, "started_at", 2)),
        },
    ),
    "police-protection-end": (
        "police_protection",
        lambda r: {
            **when("ended_at", _after(r, "started_at", 30)),
            "end_reason": "returned_home",
            "protective_plan": "Home with mother; social worker visits daily; review on Monday.",
        },
    ),
    "referral-decision": (
        "referral",
        lambda r: {
            **when("decision_at", _after(r, "received_at", 3)),
            "decision": "early_help",
            "rationale": "Checks show earlier concerns; the family agree to an early help assessment",
        },
    ),
    "referral-feedback": (
        "referral",
        lambda r: {
            **when("feedback_at", _after(r, "received_at", 30)),
            "given_to": "PC Sam Jones, Response North",
            "means": "phone",
        },
    ),
    "custody-referral": (
        "custody",
        lambda r: {
            **when("referral_to_csc_at", _after(r, "arrived_at", 1)),
            "shared": "Arrested; held overnight; the emergency duty team asked to find a bed",
        },
    ),
    "supervisory-review": (
        "investigation",
        lambda r: {
            **when("at", _after(r, "opened_at", 48)),
            "direction": "Interview the suspect within 7 days; review again in 28 days",
        },
    ),
    "investigation-activity": (
        "investigation",
        lambda r: {
            **when("at", _after(r, "opened_at", 72)),
            "type": "witness_statement",
            "note": "Statement taken from the child's teacher",
        },
    ),
    "allocation": (
        "investigation",
        lambda r: {
            **when("at", _after(r, "opened_at", 2)),
            "officer": pages_bench.bench_user("investigator").username,
            "specialist": "yes",
        },
    ),
    "offender-visit": (
        "rso",
        lambda r: {
            **when("visited_at", _after(r, "registered_at", 24 * 30)),
            "visited_by": "PC Ana Cruz",
            "notes": "Seen at home; no children present",
        },
    ),
}


def bench(
    workflow: str,
    record_type: str,
    answers: Callable[[Any], dict[str, str]],
    saves: int,
    rng: random.Random,
) -> tuple[list[float], list[float], int]:
    from django.test import Client
    from django.urls import reverse

    from vigil.casework import registry
    from vigil.records.models import Record

    flow = registry.get(workflow)
    if flow is None:
        print(f"{workflow:<32} not registered", flush=True)
        return [], [], 0
    client = Client(HTTP_HOST="127.0.0.1")
    role = "supervisor"  # holds every police workflow's capability
    client.force_login(pages_bench.bench_user(role))
    pks = list(
        Record.objects.filter(record_type=record_type)
        .exclude(source_system="vigil")
        .values_list("pk", flat=True)
    )
    rng.shuffle(pks)
    previews: list[float] = []
    stores: list[float] = []
    bad = 0
    for pk in pks:
        if len(stores) > saves:
            break
        record = Record.objects.get(pk=pk)
        if not flow.can_complete(record):
            continue
        url = reverse(f"casework:{workflow}", args=[pk])
        if client.get(url).status_code != 200:
            bad += 1
            continue
        token = str(uuid.uuid4())
        sent = client.post(url, {"token": token, **answers(record)})
        if sent.status_code != 302:
            bad += 1
            continue
        check = sent["Location"]
        started = time.perf_counter()
        shown = client.get(check)
        preview_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        saved = client.post(check, {"confirm": "yes"})
        save_ms = (time.perf_counter() - started) * 1000
        if shown.status_code != 200 or saved.status_code != 302:
            bad += 1
            continue
        previews.append(preview_ms)
        stores.append(save_ms)
    # The first of each is a warm-up.
    return previews[1:], stores[1:], bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--saves", type=int, default=30, help="timed saves per workflow")
    parser.add_argument("--data-dir", help="a store to reuse, or to prepare and keep")
    parser.add_argument("--database-url", help="default: the SQLite file in the data folder")
    args = parser.parse_args()
    temporary = None
    if args.data_dir:
        data = Path(args.data_dir).resolve()
    else:
        temporary = tempfile.TemporaryDirectory(prefix="vigil-casework-bench-")
        data = Path(temporary.name)
    url = args.database_url or f"sqlite:///{data / 'vigil.sqlite3'}"
    env = dict(os.environ, VIGIL_DATA_DIR=str(data), VIGIL_DATABASE_URL=url)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        pages_bench.prepare(data, args.people, args.seed, env)
        os.environ.update(
            VIGIL_DATA_DIR=str(data),
            VIGIL_DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="vigil.settings",
        )
        os.environ.pop("VIGIL_DEBUG", None)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        from vigil.identity.models import Person
        from vigil.records.models import Record

        print(
            f"store: {Person.objects.count():,} people, {Record.objects.count():,} records "
            f"({url.split('://')[0]}); load {os.getloadavg()[0]:.1f}; times in ms (server only)"
        )
        print(
            f"{'workflow':<32} {'saves':>5} {'check p50':>10} {'check p95':>10} {'save p50':>9} {'save p95':>9}"
        )
        rng = random.Random(args.seed)
        failed = False
        for workflow, (record_type, answers) in ANSWERS.items():
            previews, stores, bad = bench(workflow, record_type, answers, args.saves, rng)
            if not stores:
                print(f"{workflow:<32} no records left to complete", flush=True)
                continue
            c50, c95 = pages_bench.percentiles(previews)
            s50, s95 = pages_bench.percentiles(stores)
            flag = (
                ""
                if s95 <= TARGET_MS and not bad
                else f"  <-- {'over 1 s' if s95 > TARGET_MS else f'{bad} bad'}"
            )
            failed |= bool(flag)
            print(
                f"{workflow:<32} {len(stores):5d} {c50:10.1f} {c95:10.1f} {s50:9.1f} {s95:9.1f}{flag}",
                flush=True,
            )
        return 1 if failed else 0
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
