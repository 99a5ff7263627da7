"""Server time of every staff page on a large synthetic force: p50 and p95 per page.

    .venv/bin/python bench/pages_bench.py [--people 100000] [--requests 40] [--data-dir DIR]
        [--database-url URL] [--json PATH] [--only NAME ...]

Without --data-dir, a temporary store is made and thrown away afterwards. With --data-dir, the
store there is reused if it holds a force already (a file ``pages-bench.json`` says it was
prepared), else prepared there and kept: `vigil synth --people N`, `vigil import`, `vigil link`,
`vigil assess` (several minutes for 100,000 people). The database is the SQLite file in that
folder unless --database-url names another (it must already hold an imported force).

Requests go through Django's test Client in this process (every middleware, the view, the
template, the access log entry each page writes), signed in with force_login as the role each
page is for, so the figures are server time only: no network, no browser. Each page is asked
for --requests times, rotating over a sample of people, records, addresses or alerts (for person
pages, half the sample is the people with the longest chronologies), after one warm-up request.
The target is every page under 300 ms at the 95th percentile; the exit status is 1 if any page
misses it or answers with an unexpected status.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VIGIL = ROOT / ".venv" / "bin" / "vigil"
TARGET_MS = 300.0
MARKER = "pages-bench.json"


# ---- preparing a force -----------------------------------------------------------------------


def prepare(data: Path, people: int, seed: int, env: dict[str, str]) -> None:
    marker = data / MARKER
    if marker.exists():
        made = json.loads(marker.read_text())
        print(
            f"reusing the force in {data} ({made['people']:,} people, prepared "
            f"{made['prepared_at']})",
            flush=True,
        )
        if made["people"] != people:
            print(
                f"  note: --people {people:,} asked for, but the store holds "
                f"{made['people']:,}: figures are for the store",
                flush=True,
            )
        return
    data.mkdir(parents=True, exist_ok=True)
    force = data / "force"
    steps: list[tuple[str, list[str]]] = [
        (
            "synth",
            ["synth", "--people", str(people), "--seed", str(seed), "--out", str(force), "--json"],
        ),
        ("import", ["import", "--json", "--no-assess"]),  # files added below, once written
        ("link", ["link", "--json"]),
        ("assess", ["assess", "--json"]),
    ]
    timings = {}
    for name, args in steps:
        if name == "import":
            args = args + [str(p) for p in sorted((force / "records").glob("*.ndjson"))]
        started = time.perf_counter()
        print(f"vigil {name} …", end=" ", flush=True)
        proc = subprocess.run([str(VIGIL), *args], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"vigil {name} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        timings[name] = round(time.perf_counter() - started, 1)
        print(f"{timings[name]} s", flush=True)
    marker.write_text(
        json.dumps(
            {
                "people": people,
                "seed": seed,
                "seconds": timings,
                "prepared_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
    )


# ---- the pages -------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    role: str
    requests: Callable[[], Iterator[tuple[str, str, dict[str, Any]]]]  # (method, path, data)
    setup: Callable[[Any], None] | None = None  # e.g. a partner's purpose, before timing
    expect: bytes = b""  # text every answer must hold (a purpose page is a 200 too)
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    bad: list[str] = field(default_factory=list)


def _cycle(items: list[Any]) -> Iterator[Any]:
    while True:
        yield from items


def build_pages(rng: random.Random, sample: int) -> list[Page]:
    from django.db.models import Count

    from vigil.alerts.models import Alert
    from vigil.identity.models import Person
    from vigil.records.models import Location, PersonMention, Record

    person_count = Person.objects.count()
    year_ago = (
        datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=364)
    ).isoformat()
    if not person_count:
        raise SystemExit("the store holds no linked people: run vigil link first")

    def random_rows(model: Any, n: int, **filters: Any) -> list[Any]:
        top = model.objects.filter(**filters).order_by("-pk").values_list("pk", flat=True).first()
        picked: list[Any] = []
        tries = 0
        while top and len(picked) < n and tries < n * 20:
            tries += 1
            row = (
                model.objects.filter(pk__gte=rng.randint(1, top), **filters).order_by("pk").first()
            )
            if row is not None and row not in picked:
                picked.append(row)
        return picked

    people = [p.person_id for p in random_rows(Person, sample)]
    busiest = list(
        Person.objects.annotate(n=Count("links"))
        .order_by("-n")
        .values_list("person_id", flat=True)[:sample]
    )
    person_ids = [pid for pair in zip(busiest, people, strict=False) for pid in pair]
    records = [r.pk for r in random_rows(Record, sample)]
    locations = [loc.pk for loc in random_rows(Location, sample)]
    busy_places = list(
        PersonMention.objects.exclude(location=None)
        .values("location")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("location", flat=True)[:sample]
    )
    location_ids = [x for pair in zip(busy_places, locations, strict=False) for x in pair]
    postcodes = [
        loc.postcode for loc in Location.objects.filter(pk__in=locations).exclude(postcode="")
    ]
    names = [
        (m.forename, m.surname)
        for m in random_rows(PersonMention, sample * 3)
        if m.forename and m.surname
    ][:sample]
    alerts = [a.alert_id for a in random_rows(Alert, sample)]
    network_people = list(
        Alert.objects.filter(code="EXPLOITATION_NETWORK")
        .exclude(person_id=None)
        .values_list("person_id", flat=True)[:sample]
    )
    from django.utils import timezone

    from vigil.casework.front_door import waiting as referrals_waiting

    waiting = list(referrals_waiting(timezone.now()).values_list("pk", flat=True)[:sample])
    partner_people = list(
        PersonMention.objects.filter(record__record_type="missing", role="missing_person")
        .exclude(link=None)
        .values_list("link__person__person_id", flat=True)
        .distinct()[:sample]
    )

    def gets(paths: list[str]) -> Callable[[], Iterator[tuple[str, str, dict[str, Any]]]]:
        return lambda: (("get", p, {}) for p in _cycle(paths))

    def posts(
        path: str, forms: list[dict[str, Any]]
    ) -> Callable[[], Iterator[tuple[str, str, dict[str, Any]]]]:
        return lambda: (("post", path, f) for f in _cycle(forms))

    def give_purposes(client: Any) -> None:
        for pid in partner_people:
            client.post(
                f"/people/{pid}/",
                {"purpose": "missing_return", "detail": "Return interview, bench case 1"},
            )

    name_forms = [{"forename": f, "surname": s} for f, s in names]
    dob_forms = [
        {
            "surname": m.surname,
            "dob_day": m.date_of_birth.day,
            "dob_month": m.date_of_birth.month,
            "dob_year": m.date_of_birth.year + 1,  # a year out: found, after exact matches
        }
        for m in random_rows(PersonMention, sample * 3)
        if m.surname and m.date_of_birth
    ][:sample]
    pages = [
        Page("records held", "investigator", gets(["/held/"])),
        Page("search: name (POST)", "investigator", posts("/search/", name_forms)),
        Page(
            "search: first name and an age range (POST)",
            "investigator",
            posts("/search/", [{"forename": f, "age": "12 to 15"} for f, _ in names]),
        ),
        Page(
            "search: name and date of birth, a year either side (POST)",
            "investigator",
            posts("/search/", dob_forms),
        ),
        Page(
            "search: surname only (POST)",
            "call_handler",
            posts("/search/", [{"surname": s} for _, s in names]),
        ),
        Page(
            "search: postcode (POST)",
            "response_officer",
            posts("/search/", [{"place": p} for p in postcodes]),
        ),
        Page(
            "person (half busiest)",
            "investigator",
            gets([f"/people/{p}/" for p in person_ids]),
            expect=b'id="chronology"',
        ),
        Page(
            "who is around a person (half busiest)",
            "investigator",
            gets([f"/people/{p}/around/" for p in person_ids]),
            expect=b'id="count-linked"',
        ),
        Page(
            "exploitation network",
            "mash",
            gets([f"/people/{p}/network/" for p in network_people or person_ids[:1]]),
            expect=b"Possible exploitation network",
        ),
        Page(
            "person, filtered chronology",
            "investigator",
            gets([f"/people/{p}/?type=call" for p in person_ids]),
        ),
        Page(
            "person (partner, education)",
            "partner_education",
            gets([f"/people/{p}/" for p in partner_people]),
            setup=give_purposes,
            expect=b"Shared under the Education agreement",
        ),
        Page(
            "search: name (partner, education)", "partner_education", posts("/search/", name_forms)
        ),
        Page("record", "investigator", gets([f"/records/{r}/" for r in records])),
        Page(
            "address search (POST)",
            "response_officer",
            posts("/addresses/", [{"place": p} for p in postcodes]),
        ),
        Page(
            "address briefing (half busiest)",
            "response_officer",
            gets([f"/addresses/{loc}/" for loc in location_ids]),
        ),
        Page("alert queue", "mash", gets(["/alerts/"])),
        Page(
            "alert queue: high, overdue", "supervisor", gets(["/alerts/?severity=high&overdue=1"])
        ),
        Page("alert", "mash", gets([f"/alerts/{a}/" for a in alerts])),
        Page("supervisor", "supervisor", gets(["/supervisor/"])),
        Page("supervisor: custody now", "supervisor", gets(["/supervisor/custody/"])),
        Page("supervisor: referrals waiting", "supervisor", gets(["/supervisor/referrals/"])),
        Page(
            "referrals inbox (MASH)", "mash", gets(["/casework/referrals/"]), expect=b"Decision due"
        ),
        Page(
            "referral decision (checks)",
            "mash",
            gets([f"/casework/referral-decision/record/{pk}/" for pk in waiting]),
            expect=b"Background checks",
        ),
        Page("supervisor: performance", "supervisor", gets(["/supervisor/performance/"])),
        Page(
            "supervisor: performance, a year",
            "supervisor",
            gets([f"/supervisor/performance/?start={year_ago}"]),
        ),
        Page("imports", "supervisor", gets(["/imports/"])),
        Page("identity reviews", "mash", gets(["/identity/reviews/"])),
        Page("identity reviews: 70% to 90%", "mash", gets(["/identity/reviews/?band=70-90"])),
        Page(
            "identity: a person's links",
            "mash",
            gets([f"/identity/people/{p}/links/" for p in person_ids]),
        ),
        Page("access log", "auditor", gets(["/audit/"])),
        Page(
            "access log: who looked at a person",
            "supervisor",
            gets([f"/audit/people/{p}/" for p in person_ids]),
        ),
        Page("accounts", "admin", gets(["/accounts/users/"]), expect=b"Add an account"),
        Page(
            "my work",
            "investigator",
            gets(["/work/"]),
            setup=give_work,
            expect=b'id="assigned-table"',
        ),
        Page(
            "team (supervisor)",
            "supervisor",
            gets(["/work/team/"]),
            setup=give_work,
            expect=b'id="team-load"',
        ),
        Page("notifications", "investigator", gets(["/work/notifications/"]), setup=give_work),
    ]
    return pages


WORK_LOAD = {"held": 200, "tray": 500, "handed_on": 100}


def give_work(client: Any) -> None:
    """A heavy caseload for the bench's investigator, in a team with its supervisor: alerts held
    (some overdue), a team tray, alerts they handed on, and a notification for each held one.
    Written in bulk, once, straight to the tables: a fixture for measuring, not a change staff
    make (theirs go through vigil.work.actions)."""
    from django.utils import timezone

    from vigil.accounts.models import Team
    from vigil.alerts.models import Alert
    from vigil.work.models import Notification

    me, boss = bench_user("investigator"), bench_user("supervisor")
    if Alert.objects.filter(assigned_to=me).exists():
        return
    team = Team.objects.get_or_create(name="Bench CAIT")[0]
    for user in (me, boss):
        user.team = team
        user.save(update_fields=["team"])
    live = list(
        Alert.objects.filter(status__in=("open", "acknowledged"))
        .order_by("pk")
        .values_list("pk", flat=True)[: sum(WORK_LOAD.values())]
    )
    held = live[: WORK_LOAD["held"]]
    tray = live[len(held) : len(held) + WORK_LOAD["tray"]]
    handed = live[len(held) + len(tray) :]
    now = timezone.now()
    Alert.objects.filter(pk__in=held).update(
        assigned_to=me, assigned_team=team, assigned_by=boss, assigned_at=now
    )
    Alert.objects.filter(pk__in=tray).update(assigned_team=team, assigned_by=boss, assigned_at=now)
    Alert.objects.filter(pk__in=handed).update(
        assigned_to=boss, assigned_team=team, assigned_by=me, assigned_at=now
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=me,
                reason="assigned_to_you",
                kind="alert",
                item_key=a.alert_id,
                title="Bench alert",
                why="Bench supervisor gave this alert to you",
                link=f"/alerts/{a.alert_id}/",
                created_at=now,
            )
            for a in Alert.objects.filter(pk__in=held).only("alert_id")
        ]
    )


def bench_user(role: str) -> Any:
    from vigil.accounts.actions import add_user
    from vigil.accounts.models import User

    username = f"bench-{role.replace('_', '-')}"
    user = User.objects.filter(username=username).first()
    return user or add_user(username, role, None, actor="bench:pages")


def run(pages: list[Page], requests: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(bench_user(page.role))
        if page.setup:
            page.setup(client)
        stream = page.requests()
        for i in range(requests + 1):
            method, path, data = next(stream)
            started = time.perf_counter()
            if i == 1:
                with CaptureQueriesContext(connection) as queries:
                    response = getattr(client, method)(path, data)
                page.queries = len(queries)
            else:
                response = getattr(client, method)(path, data)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                page.bad.append(f"{method.upper()} {path} -> {response.status_code}")
            elif page.expect and page.expect not in response.content:
                page.bad.append(f"{method.upper()} {path}: no {page.expect.decode()!r}")
            if i:  # the first is a warm-up
                page.times_ms.append(elapsed)
        p50, p95 = percentiles(page.times_ms)
        flag = (
            ""
            if p95 < TARGET_MS and not page.bad
            else "  <-- " + ("over 300 ms" if p95 >= TARGET_MS else f"{len(page.bad)} bad answers")
        )
        print(
            f"{page.name:<36} {page.role:<18} {p50:8.1f} {p95:8.1f} {max(page.times_ms):8.1f}"
            f" {page.queries or 0:5d}{flag}",
            flush=True,
        )


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return p50, p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument(
        "--sample",
        type=int,
        default=20,
        help="people, records, addresses and alerts to rotate over",
    )
    parser.add_argument("--data-dir", help="a store to reuse, or to prepare and keep")
    parser.add_argument("--database-url", help="default: the SQLite file in the data folder")
    parser.add_argument("--json", help="write the figures to this file too")
    parser.add_argument(
        "--only", action="append", help="measure only pages whose name holds this (repeatable)"
    )
    args = parser.parse_args()

    temporary = None
    if args.data_dir:
        data = Path(args.data_dir).resolve()
    else:
        temporary = tempfile.TemporaryDirectory(prefix="vigil-pages-bench-")
        data = Path(temporary.name)
    url = args.database_url or f"sqlite:///{data / 'vigil.sqlite3'}"
    env = dict(os.environ, VIGIL_DATA_DIR=str(data), VIGIL_DATABASE_URL=url)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        prepare(data, args.people, args.seed, env)
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
            f"({url.split('://')[0]}); {args.requests} timed requests per page, "
            f"times in ms (server only)",
            flush=True,
        )
        pages = build_pages(random.Random(args.seed), args.sample)
        if args.only:
            pages = [p for p in pages if any(word in p.name for word in args.only)]
        print(f"{'page':<36} {'role':<18} {'p50':>8} {'p95':>8} {'max':>8} {'SQL':>5}")
        run(pages, args.requests)
    finally:
        if temporary is not None:
            temporary.cleanup()

    failures = [p for p in pages if percentiles(p.times_ms)[1] >= TARGET_MS or p.bad]
    for page in pages:
        for bad in page.bad[:3]:
            print(f"  {page.name}: {bad}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [
                    {
                        "page": p.name,
                        "role": p.role,
                        "p50_ms": round(percentiles(p.times_ms)[0], 1),
                        "p95_ms": round(percentiles(p.times_ms)[1], 1),
                        "max_ms": round(max(p.times_ms), 1),
                        "queries": p.queries,
                        "bad": p.bad[:10],
                    }
                    for p in pages
                ],
                indent=2,
            )
        )
    print(
        f"{len(pages) - len(failures)} of {len(pages)} pages under {TARGET_MS:.0f} ms at p95"
        + (f"; missing it: {', '.join(p.name for p in failures)}" if failures else "")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
