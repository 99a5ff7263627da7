"""The demo force: synthetic records imported, and one signed-in account for every role."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from vigil.accounts.actions import add_user, set_password
from vigil.accounts.demo import make_demo_staff
from vigil.accounts.models import Role, User
from vigil.alerts.engine import assess
from vigil.identity.models import MentionLink
from vigil.identity.store import relink_all
from vigil.paths import data_dir
from vigil.records.actions import import_and_log
from vigil.synth import generate

ACTOR = "cli:demo"


def build_demo(people: int, seed: int, out: Path | None = None,
               end: dt.date | dt.datetime | None = None) -> None:
    """Generate (once) and import a demo force, then print a sign-in for every role.

    The force's period ends at ``end`` (default: now), so its alerts are current; a force already
    generated in ``out`` is kept as it is (remove the folder for a fresh one).
    """
    out = out or data_dir() / f"demo-force-{people}-{seed}"
    if not (out / "truth" / "summary.json").exists():
        print(f"Generating a synthetic force of {people:,} people in {out} …", flush=True)
        generate(out, people=people, seed=seed, end=end or dt.datetime.now(dt.UTC))
    elif end is not None:
        print(f"Keeping the force already in {out} (remove it to generate one ending {end}).",
              flush=True)
    files = sorted((out / "records").glob("*.ndjson"))
    summary = import_and_log(files, actor=ACTOR)
    print(f"Imported {summary.imported:,} new records ({summary.unchanged:,} already held, "
          f"{summary.quarantined:,} quarantined).", flush=True)
    if summary.imported or summary.replaced or not MentionLink.objects.exists():
        linked = relink_all(actor=ACTOR)
        print(f"Linked {linked.mentions:,} mentions into {linked.persons:,} people.", flush=True)
    # Every time, as of now: the pages judge at the current time, and time-window rules move on.
    findings, _ = assess(dt.datetime.now(dt.UTC))
    print(f"Assessed every rule: {len(findings):,} alerts open.", flush=True)
    credentials = data_dir() / "demo-accounts.txt"
    lines = []
    if credentials.exists():
        lines = credentials.read_text().splitlines()
    known = {line.split()[0] for line in lines if line.strip()}
    staff = make_demo_staff(actor=ACTOR)  # teams, and everyone's name, rank, number and team
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        if username in known and User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        existing = User.objects.filter(username=username).first()
        if existing is None:
            add_user(username, role.value, password, actor=ACTOR)
        else:  # made without one above, or its password was lost with the sign-ins file
            set_password(existing, password, actor=ACTOR)
        lines = [line for line in lines if not line.startswith(username + " ")]
        lines.append(f"{username} {password} {role.label}: {staff[username]}")
    credentials.write_text("\n".join(lines) + "\n")
    credentials.chmod(0o600)
    print("\nDemo sign-ins (username, password, role) — also in", credentials)
    for line in lines:
        print("  " + line)
